#include "agent/config/agent_config.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <set>

#include "common/text.h"

namespace mamori::agent {
namespace {

constexpr uint64_t kMinSpoolBytes = 1024;
constexpr uint64_t kMaxConfigBytes = 1 << 20;

// Where a value sits, for error messages.
std::string Where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return source;
  return source + ":" + std::to_string(mark.line + 1);
}

Status Expected(const std::string& source, const YAML::Node& node,
                const std::string& key, const std::string& what) {
  std::string got = node.IsScalar() ? node.Scalar() : "(not a single value)";
  return InvalidArgumentError(Where(source, node) + ": " + key + ": expected " +
                              what + ", got '" + SanitizeUtf8(got) + "'");
}

Result<std::string> Scalar(const std::string& source, const YAML::Node& node,
                           const std::string& key, const std::string& what) {
  if (!node.IsScalar()) return Expected(source, node, key, what);
  return node.Scalar();
}

std::optional<double> ParsePercent(std::string_view text) {
  text = Trim(text);
  if (!EndsWith(text, "%")) return std::nullopt;
  std::optional<int64_t> n = ParseInt64(Trim(text.substr(0, text.size() - 1)));
  if (!n || *n < 0 || *n > 50) return std::nullopt;
  return static_cast<double>(*n) / 100.0;
}

using Setter = std::function<Status(const YAML::Node&, AgentConfig*)>;

// One entry per accepted key: the table is the schema.
std::map<std::string, Setter> Setters(const std::string& source) {
  std::map<std::string, Setter> s;
  auto text = [&source](const std::string& key, std::string AgentConfig::*field,
                        std::function<bool(const std::string&)> valid,
                        const std::string& what) {
    return [=](const YAML::Node& n, AgentConfig* c) -> Status {
      Result<std::string> v = Scalar(source, n, key, what);
      if (!v.ok()) return v.status();
      if (!valid(*v)) return Expected(source, n, key, what);
      c->*field = *v;
      return Status::Ok();
    };
  };
  auto duration = [&source](const std::string& key,
                            std::chrono::seconds AgentConfig::*field,
                            std::chrono::seconds max) {
    const std::string what =
        "a duration such as 90s, 15m, 1h or 30d (at most " +
        std::to_string(max.count()) + "s)";
    return [=](const YAML::Node& n, AgentConfig* c) -> Status {
      Result<std::string> v = Scalar(source, n, key, what);
      if (!v.ok()) return v.status();
      std::optional<std::chrono::seconds> d = ParseDuration(*v);
      if (!d || *d > max) return Expected(source, n, key, what);
      c->*field = *d;
      return Status::Ok();
    };
  };
  auto absolute_path = [](const std::string& v) {
    return !v.empty() && v[0] == '/';
  };
  s["state_dir"] = text("state_dir", &AgentConfig::state_dir, absolute_path,
                        "an absolute directory path");
  s["log_level"] = text(
      "log_level", &AgentConfig::log_level,
      [](const std::string& v) {
        return v == "debug" || v == "info" || v == "warning" || v == "error";
      },
      "one of debug, info, warning, error");
  s["collector.server"] = text(
      "collector.server", &AgentConfig::server,
      [](const std::string& v) {
        size_t colon = v.rfind(':');
        if (colon == std::string::npos || colon == 0) return false;
        std::optional<int64_t> port = ParseInt64(v.substr(colon + 1));
        return port && *port > 0 && *port < 65536;
      },
      "HOST:PORT");
  s["collector.ca_file"] = text("collector.ca_file", &AgentConfig::ca_file,
                                absolute_path, "an absolute file path");
  s["collector.timeout"] = duration(
      "collector.timeout", &AgentConfig::rpc_timeout, std::chrono::hours(1));
  s["schedule.interval"] = duration("schedule.interval", &AgentConfig::interval,
                                    std::chrono::hours(24 * 7));
  s["schedule.jitter"] = [&source](const YAML::Node& n,
                                   AgentConfig* c) -> Status {
    const std::string what = "a percentage from 0% to 50%";
    Result<std::string> v = Scalar(source, n, "schedule.jitter", what);
    if (!v.ok()) return v.status();
    std::optional<double> p = ParsePercent(*v);
    if (!p) return Expected(source, n, "schedule.jitter", what);
    c->jitter_fraction = *p;
    return Status::Ok();
  };
  s["spool.max_size"] = [&source](const YAML::Node& n,
                                  AgentConfig* c) -> Status {
    const std::string what = "a size such as 50MiB (at least 1KiB)";
    Result<std::string> v = Scalar(source, n, "spool.max_size", what);
    if (!v.ok()) return v.status();
    std::optional<uint64_t> b = ParseByteSize(*v);
    if (!b || *b < kMinSpoolBytes) {
      return Expected(source, n, "spool.max_size", what);
    }
    c->spool_max_bytes = *b;
    return Status::Ok();
  };
  s["spool.max_age"] = duration("spool.max_age", &AgentConfig::spool_max_age,
                                std::chrono::hours(24 * 3650));
  s["collect.root"] = text("collect.root", &AgentConfig::root, absolute_path,
                           "an absolute directory path");
  s["collect.families"] = [&source](const YAML::Node& n,
                                    AgentConfig* c) -> Status {
    const std::string what = "a list of family names, e.g. [system, packages]";
    if (!n.IsSequence()) return Expected(source, n, "collect.families", what);
    c->families.clear();
    for (const YAML::Node& item : n) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        return Expected(source, item, "collect.families", what);
      }
      c->families.push_back(item.Scalar());
    }
    return Status::Ok();
  };
  return s;
}

Status Walk(const YAML::Node& node, const std::string& prefix,
            const std::string& source,
            const std::map<std::string, Setter>& setters, AgentConfig* config) {
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return InvalidArgumentError(Where(source, kv.first) +
                                  ": keys must be plain names");
    }
    const std::string key = prefix + kv.first.Scalar();
    auto it = setters.find(key);
    if (it != setters.end()) {
      MAMORI_RETURN_IF_ERROR(it->second(kv.second, config));
      continue;
    }
    bool is_section = false;
    for (const auto& [name, setter] : setters) {
      if (StartsWith(name, key + ".")) is_section = true;
    }
    // A section whose settings are all commented out is empty, not wrong.
    if (is_section && kv.second.IsNull()) continue;
    if (is_section && kv.second.IsMap()) {
      MAMORI_RETURN_IF_ERROR(
          Walk(kv.second, key + ".", source, setters, config));
      continue;
    }
    if (is_section) {
      return InvalidArgumentError(Where(source, kv.first) + ": " + key +
                                  ": expected a section of settings");
    }
    std::string known;
    for (const auto& [name, setter] : setters) {
      known += (known.empty() ? "" : ", ") + name;
    }
    return InvalidArgumentError(Where(source, kv.first) + ": unknown key '" +
                                SanitizeUtf8(key) + "' (known: " + known + ")");
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      unit = 0;
  }
  if (unit != 0)
    text.remove_suffix(1);
  else
    unit = 1;
  std::optional<int64_t> n = ParseInt64(text);
  if (!n || *n <= 0 || *n > (int64_t{1} << 40) / unit) return std::nullopt;
  return std::chrono::seconds(*n * unit);
}

std::optional<uint64_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  uint64_t unit = 1;
  if (EndsWith(text, "KiB")) {
    unit = 1ull << 10;
  } else if (EndsWith(text, "MiB")) {
    unit = 1ull << 20;
  } else if (EndsWith(text, "GiB")) {
    unit = 1ull << 30;
  }
  if (unit != 1) text.remove_suffix(3);
  std::optional<uint64_t> n = ParseUint64(Trim(text));
  if (!n || *n == 0 || *n > (uint64_t{1} << 50) / unit) return std::nullopt;
  return *n * unit;
}

Result<AgentConfig> ParseAgentConfig(std::string_view text,
                                     const std::string& source) {
  AgentConfig config;
  if (!IsValidUtf8(text)) {
    return InvalidArgumentError(source + ": not valid UTF-8");
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) +
                                ": not valid YAML: " + e.msg);
  }
  if (root.IsNull()) return config;  // empty file: all defaults
  if (!root.IsMap()) {
    return InvalidArgumentError(source +
                                ": expected a map of settings at the top");
  }
  try {
    MAMORI_RETURN_IF_ERROR(Walk(root, "", source, Setters(source), &config));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(source + ":" + std::to_string(e.mark.line + 1) +
                                ": " + e.msg);
  }
  return config;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path, bool must_exist) {
  Result<std::string> text = ReadFile(path, kMaxConfigBytes);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound && !must_exist) {
      return AgentConfig{};
    }
    return text.status().WithContext("config");
  }
  return ParseAgentConfig(*text, path);
}

}  // namespace mamori::agent
