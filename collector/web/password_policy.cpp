#include "collector/web/password_policy.h"

#include <algorithm>
#include <set>

#include "collector/web/assets.h"
#include "collector/web/http.h"

namespace mamori::web {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

const std::set<std::string>& CommonPasswords() {
  static const std::set<std::string> kList = [] {
    std::set<std::string> list;
    std::string_view text =
        FindEmbedded("embedded:common_passwords.txt").value_or("");
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view()
                                          : text.substr(nl + 1);
      if (!line.empty() && line.front() != '#') list.insert(Lower(line));
    }
    return list;
  }();
  return kList;
}

}  // namespace

bool ValidAccountName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '_' || c == '-' || c == '@';
  });
}

std::optional<std::string> PasswordProblem(std::string_view name,
                                           std::string_view password) {
  if (password.size() > kMaxPasswordBytes) return "password.too_long";
  if (!IsCleanUtf8(password) || password.find('\n') != std::string::npos ||
      password.find('\t') != std::string::npos) {
    return "password.invalid";
  }
  if (CodePoints(password) < kMinPasswordLength) return "password.too_short";
  const std::string lower = Lower(password);
  if (!name.empty() && lower.find(Lower(name)) != std::string::npos) {
    return "password.contains_name";
  }
  if (CommonPasswords().count(lower) ||
      std::all_of(password.begin(), password.end(),
                  [&](char c) { return c == password.front(); })) {
    return "password.common";
  }
  return std::nullopt;
}

}  // namespace mamori::web
