#include "agent/facts/table_format.h"

#include <cstdio>
#include <string_view>

#include "agent/facts/json_writer.h"
#include "common/text.h"

namespace mamori::facts {

namespace {

struct Label {
  std::string_view name;
  std::string_view japanese;
};

constexpr Label kFamilyLabels[] = {
    {"system", "システム"},
    {"hardware", "ハードウェア"},
    {"network", "ネットワーク"},
    {"packages", "パッケージ"},
    {"updates", "更新プログラム"},
    {"antivirus", "ウイルス対策"},
    {"usb_storage", "USBストレージ"},
    {"wifi", "無線LAN"},
    {"password_policy", "パスワードポリシー"},
    {"screen_lock", "画面ロック"},
    {"disk_encryption", "ディスク暗号化"},
    {"firewall", "ファイアウォール"},
    {"remote_access", "リモートアクセス"},
    {"accounts", "アカウント"},
    {"service_exposure", "公開サービス"},
    {"neighbours", "近隣機器"},
};

constexpr Label kStateLabels[] = {
    {"STATUS_OK", "OK / 取得済み"},
    {"STATUS_UNSUPPORTED", "UNSUPPORTED / 未対応"},
    {"STATUS_PERMISSION_DENIED", "PERMISSION DENIED / 権限不足"},
    {"STATUS_ERROR", "ERROR / エラー"},
    {"STATUS_NOT_APPLICABLE", "NOT APPLICABLE / 対象外"},
};

std::string_view Lookup(const Label* begin, const Label* end,
                        std::string_view name) {
  for (const Label* l = begin; l != end; ++l) {
    if (l->name == name) return l->japanese;
  }
  return "";
}

// A scalar JSON value as plain text (strings unquoted).
std::string Scalar(const Json& v) {
  // SSIDs, product names and paths come from outside: nothing may act on
  // the terminal.
  if (v.is_string()) return TerminalSafe(v.get<std::string>());
  return v.dump();
}

// A record (JSON object) on one line: "key=value, key=value"; nested lists of
// scalars are joined with '|', nested records are summarised.
std::string RecordLine(const Json& record) {
  std::string line;
  for (const auto& [key, value] : record.items()) {
    if (!line.empty()) line += ", ";
    line += key + "=";
    if (value.is_array()) {
      std::string joined;
      for (const Json& e : value) {
        if (!joined.empty()) joined += "|";
        joined += e.is_object() ? "{…}" : Scalar(e);
      }
      line += joined;
    } else if (value.is_object()) {
      line += "{" + RecordLine(value) + "}";
    } else {
      line += Scalar(value);
    }
  }
  return line;
}

void AppendField(const std::string& key, const Json& value, size_t max_items,
                 std::string* out) {
  char head[64];
  std::snprintf(head, sizeof head, "  %-28s ", key.c_str());
  if (value.is_array()) {
    const size_t n = value.size();
    if (!value.empty() && value.front().is_object()) {
      *out += head + std::to_string(n) + (n == 1 ? " entry\n" : " entries\n");
      size_t shown = 0;
      for (const Json& e : value) {
        if (shown++ == max_items) break;
        *out += "    - " + RecordLine(e) + "\n";
      }
    } else {
      *out += head;
      size_t shown = 0;
      for (const Json& e : value) {
        if (shown == max_items) break;
        if (shown++ > 0) *out += ", ";
        *out += Scalar(e);
      }
      *out += "\n";
    }
    if (n > max_items) {
      *out += "    … " + std::to_string(n - max_items) + " more\n";
    }
  } else if (value.is_object()) {
    *out += head + RecordLine(value) + "\n";
  } else {
    *out += head + Scalar(value) + "\n";
  }
}

}  // namespace

std::string FormatTable(const EndpointFacts& facts, size_t max_items) {
  const Json all = ToJson(facts);
  std::string out = "mamori-agent facts";
  if (!facts.identity.hostname.empty())
    out += " — " + TerminalSafe(facts.identity.hostname);
  if (facts.collected_at) out += " — " + FormatRfc3339(*facts.collected_at);
  out += " (agent " + facts.agent_version + ")\n";

  for (const auto& [family, body] : all.items()) {
    if (family == "agent_version" || family == "identity" ||
        family == "collected_at") {
      continue;
    }
    const Json status = body.value("status", Json::object());
    const std::string state =
        status.value("state", "COLLECTION_STATE_UNSPECIFIED");
    std::string state_label(
        Lookup(std::begin(kStateLabels), std::end(kStateLabels), state));
    if (state_label.empty()) state_label = state;
    out += "\n[" + family + "] ";
    out += Lookup(std::begin(kFamilyLabels), std::end(kFamilyLabels), family);
    out += "  " + state_label;
    if (status.contains("duration_us")) {
      const double ms = static_cast<double>(std::stoll(
                            status["duration_us"].get<std::string>())) /
                        1000.0;
      char buf[32];
      std::snprintf(buf, sizeof buf, "  (%.1f ms)", ms);
      out += buf;
    }
    out += "\n";
    if (state != "STATUS_OK") {
      if (status.contains("message")) {
        out += "  reason / 理由: " +
               TerminalSafe(status["message"].get<std::string>()) + "\n";
      }
      if (status.contains("error_code")) {
        out +=
            "  error_code: " + status["error_code"].get<std::string>() + "\n";
      }
    }
    for (const auto& [key, value] : body.items()) {
      if (key == "status") continue;
      AppendField(key, value, max_items, &out);
    }
  }
  return out;
}

}  // namespace mamori::facts
