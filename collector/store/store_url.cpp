// The store URLs' syntax and the Store port's default methods: the parts of
// open_store.h every backend choice shares. The choosing itself (which
// backend a URL opens) is open_store.cpp for the collector and
// collector/selfcheck/open_local_store.cpp for the self-check's SQLite-only
// engine.
#include "collector/store/grading_port.h"
#include "collector/store/open_store.h"
#include "collector/store/register_port.h"
#include "common/text.h"

namespace mamori::store {

namespace {
constexpr std::string_view kSqliteScheme = "sqlite:";
constexpr std::string_view kPostgresSchemes[] = {"postgresql://",
                                                 "postgres://"};
}  // namespace

bool IsPostgresUrl(std::string_view url) {
  for (std::string_view scheme : kPostgresSchemes) {
    if (StartsWith(url, scheme)) return true;
  }
  return false;
}

Result<std::unique_ptr<GradingPort>> Store::OpenGrading() {
  return UnimplementedError("this store keeps no grading data");
}

Result<std::unique_ptr<asset_register::RegisterPort>> Store::OpenRegister(
    const Clock&) {
  return UnimplementedError("this store keeps no register");
}

std::string SqliteUrl(std::string_view path) {
  return std::string(kSqliteScheme) + std::string(path);
}

Result<std::string> SqlitePathOf(std::string_view url) {
  std::string_view path = url;
  if (StartsWith(url, kSqliteScheme)) {
    path.remove_prefix(kSqliteScheme.size());
  } else if (url.find("://") != std::string_view::npos) {
    return InvalidArgumentError(
        "store URL \"" + RedactedUrl(url) +
        "\": unsupported scheme (sqlite:PATH or postgresql://…) / "
        "ストアの URL のスキームに対応していません (sqlite:PATH か "
        "postgresql://…)");
  }
  if (path.empty()) {
    return InvalidArgumentError(
        "store URL \"" + std::string(url) +
        "\" names no database file / "
        "ストアの URL にデータベースファイルがありません");
  }
  return std::string(path);
}

std::string RedactedUrl(std::string_view url) {
  // postgresql://user:secret@host/… → postgresql://user:***@host/…
  std::string out(url);
  const size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const size_t at = out.find('@', scheme + 3);
  const size_t slash = out.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
    return out;
  }
  const size_t colon = out.find(':', scheme + 3);
  if (colon != std::string::npos && colon < at) {
    out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=… in the query part.
  const size_t password = out.find("password=");
  if (password != std::string::npos) {
    const size_t end = out.find('&', password);
    out.replace(password + 9,
                (end == std::string::npos ? out.size() : end) - password - 9,
                "***");
  }
  return out;
}

}  // namespace mamori::store
