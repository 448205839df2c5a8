#include "agent/facts/linux/updates_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/facts/linux/file_util.h"
#include "agent/platform/files.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// Bump when the cached data or the way it is computed changes meaning.
constexpr int kCacheFormat = 2;

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Appends one line describing `path` to `out`. Errors only for a stat
// failure other than "does not exist".
Status AppendStat(const std::string& path, std::string* out) {
  struct stat st {};
  *out += path;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      *out += " absent\n";
      return Status::Ok();
    }
    return InternalError(path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    *out += " dir\n";  // only its listed files matter
    return Status::Ok();
  }
  *out += " " + std::to_string(st.st_mode & S_IFMT) + " " +
          std::to_string(st.st_size) + " " + std::to_string(Nanos(st.st_mtim)) +
          " " + std::to_string(Nanos(st.st_ctim)) + " " +
          std::to_string(st.st_ino) + "\n";
  return Status::Ok();
}

// Appends every entry of `dir` (not recursive); a missing directory is
// recorded as absent.
Status AppendDirectory(const std::string& dir, std::string* out) {
  Result<std::vector<std::string>> names = lu::ListDirectory(dir);
  if (!names.ok()) {
    if (names.status().code() == StatusCode::kNotFound) {
      *out += dir + " absent-dir\n";
      return Status::Ok();
    }
    return names.status();
  }
  *out += dir + " dir " + std::to_string(names->size()) + "\n";
  for (const std::string& name : *names) {
    MAMORI_RETURN_IF_ERROR(AppendStat(dir + "/" + name, out));
  }
  return Status::Ok();
}

TimePoint NanosToTime(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::nanoseconds(ns)));
}

}  // namespace

Result<std::string> AptInputsFingerprint(const GatherContext& ctx) {
  std::string text = "mamori updates cache " + std::to_string(kCacheFormat) +
                     " agent " MAMORI_VERSION "\n";
  std::error_code ec;
  const std::filesystem::path root =
      ctx.root.empty() ? std::filesystem::path("/")
                       : std::filesystem::absolute(ctx.root, ec);
  if (ec) return InvalidArgumentError(ctx.root + ": " + ec.message());
  text += "root " + root.lexically_normal().string() + "\n";
  for (const char* file :
       {"/var/lib/dpkg/status", "/var/lib/dpkg/arch", "/etc/apt/sources.list",
        "/etc/apt/preferences", "/etc/apt/apt.conf", "/etc/machine-id"}) {
    MAMORI_RETURN_IF_ERROR(AppendStat(ctx.Path(file), &text));
  }
  for (const char* dir : {"/var/lib/dpkg/updates", "/var/lib/apt/lists",
                          "/etc/apt/sources.list.d", "/etc/apt/preferences.d",
                          "/etc/apt/apt.conf.d"}) {
    MAMORI_RETURN_IF_ERROR(AppendDirectory(ctx.Path(dir), &text));
  }
  // libapt-pkg reads the file named by APT_CONFIG as given (not under Dir).
  if (const char* apt_config = std::getenv("APT_CONFIG"); apt_config) {
    text += "APT_CONFIG ";
    MAMORI_RETURN_IF_ERROR(AppendStat(apt_config, &text));
  }
  return Sha256Hex(text);
}

std::string PendingCachePath(const std::string& state_dir) {
  return state_dir + "/updates-pending.json";
}

std::string SerializePendingCache(const PendingCacheEntry& entry) {
  nlohmann::json j;
  j["format"] = kCacheFormat;
  j["fingerprint"] = entry.fingerprint;
  j["computed_at_ns"] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            entry.computed_at.time_since_epoch())
                            .count();
  const auto setting = [](const std::optional<int>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  j["periodic_enable"] = setting(entry.result.periodic_enable);
  j["unattended_upgrade"] = setting(entry.result.unattended_upgrade);
  j["apt_cache"] = entry.result.apt_cache;
  nlohmann::json pending = nlohmann::json::array();
  for (const PendingUpdate& u : entry.result.pending) {
    pending.push_back({{"name", u.name},
                       {"installed_version", u.installed_version},
                       {"candidate_version", u.candidate_version},
                       {"security", u.security},
                       {"origin", u.origin}});
  }
  j["pending"] = std::move(pending);
  // Names and versions come from apt and may hold invalid UTF-8: replace it
  // rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

Result<PendingCacheEntry> ParsePendingCache(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("updates cache: not a JSON object");
  }
  const auto field = [&j](const char* name) -> const nlohmann::json* {
    const auto it = j.find(name);
    return it == j.end() ? nullptr : &*it;
  };
  const nlohmann::json* format = field("format");
  if (format == nullptr || !format->is_number_integer() ||
      format->get<int64_t>() != kCacheFormat) {
    return InvalidArgumentError("updates cache: unknown format");
  }
  PendingCacheEntry entry;
  const nlohmann::json* fingerprint = field("fingerprint");
  if (fingerprint == nullptr || !fingerprint->is_string() ||
      fingerprint->get_ref<const std::string&>().size() != 64) {
    return InvalidArgumentError("updates cache: bad fingerprint");
  }
  entry.fingerprint = fingerprint->get<std::string>();
  const nlohmann::json* computed = field("computed_at_ns");
  if (computed == nullptr || !computed->is_number_integer() ||
      computed->get<int64_t>() <= 0) {
    return InvalidArgumentError("updates cache: bad computed_at_ns");
  }
  entry.computed_at = NanosToTime(computed->get<int64_t>());
  for (const auto& [name, out] :
       {std::pair{"periodic_enable", &entry.result.periodic_enable},
        std::pair{"unattended_upgrade", &entry.result.unattended_upgrade}}) {
    const nlohmann::json* v = field(name);
    if (v == nullptr) {
      return InvalidArgumentError(std::string("updates cache: no ") + name);
    }
    if (v->is_null()) continue;
    if (!v->is_number_integer()) {
      return InvalidArgumentError(std::string("updates cache: bad ") + name);
    }
    const int64_t n = v->get<int64_t>();
    if (n < INT32_MIN || n > INT32_MAX) {
      return InvalidArgumentError(std::string("updates cache: bad ") + name);
    }
    *out = static_cast<int>(n);
  }
  const nlohmann::json* apt_cache = field("apt_cache");
  if (apt_cache == nullptr || !apt_cache->is_string()) {
    return InvalidArgumentError("updates cache: bad apt_cache");
  }
  entry.result.apt_cache = apt_cache->get<std::string>();
  const nlohmann::json* pending = field("pending");
  if (pending == nullptr || !pending->is_array()) {
    return InvalidArgumentError("updates cache: no pending list");
  }
  for (const nlohmann::json& item : *pending) {
    if (!item.is_object()) {
      return InvalidArgumentError("updates cache: bad pending entry");
    }
    PendingUpdate u;
    for (const auto& [name, out] :
         {std::pair{"name", &u.name},
          std::pair{"installed_version", &u.installed_version},
          std::pair{"candidate_version", &u.candidate_version},
          std::pair{"origin", &u.origin}}) {
      const auto it = item.find(name);
      if (it == item.end() || !it->is_string()) {
        return InvalidArgumentError(std::string("updates cache: entry ") +
                                    name + " missing");
      }
      *out = it->get<std::string>();
    }
    const auto security = item.find("security");
    if (security == item.end() || !security->is_boolean()) {
      return InvalidArgumentError("updates cache: entry security missing");
    }
    u.security = security->get<bool>();
    if (u.name.empty()) {
      return InvalidArgumentError("updates cache: entry without a name");
    }
    entry.result.pending.push_back(std::move(u));
  }
  return entry;
}

Result<PendingCacheEntry> LoadPendingCache(const std::string& path) {
  Result<std::string> text = ReadFile(path, kMaxPendingCacheBytes);
  if (!text.ok()) return text.status();
  Result<PendingCacheEntry> entry = ParsePendingCache(*text);
  if (!entry.ok()) return entry.status().WithContext(path);
  return entry;
}

Status StorePendingCache(const std::string& path,
                         const PendingCacheEntry& entry) {
  const std::string text = SerializePendingCache(entry);
  if (text.size() > kMaxPendingCacheBytes) {
    return ResourceExhaustedError(path + ": cache would exceed " +
                                  std::to_string(kMaxPendingCacheBytes) +
                                  " bytes");
  }
  return platform::WritePrivateFileAtomically(path, text);
}

}  // namespace mamori::facts
