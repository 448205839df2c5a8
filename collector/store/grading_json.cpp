#include "collector/store/grading_json.h"

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace mamori::store {

namespace {

// Appends `text` as the inside of a JSON string, escaped as
// nlohmann::json::dump() escapes it (UTF-8 kept, \u00xx in lower case).
void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(plain, i - plain));
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text.substr(plain));
}

}  // namespace

std::string EvidenceJson(const std::vector<grading::Evidence>& evidence) {
  // Written by hand: this runs for every result of every evaluation, and
  // building an nlohmann::json per result was most of storing results. The
  // text is byte for byte what nlohmann's dump() gives (stored rows are
  // compared as text to find changes); text that is not UTF-8 goes through
  // nlohmann as before.
  bool utf8 = true;
  size_t size = 2;
  for (const auto& e : evidence) {
    utf8 = utf8 && IsValidUtf8(e.name) && IsValidUtf8(e.value);
    size += e.name.size() + e.value.size() + 8;
  }
  if (!utf8) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& e : evidence) j.push_back({e.name, e.value});
    return j.dump();
  }
  std::string out;
  out.reserve(size);
  out += '[';
  for (size_t i = 0; i < evidence.size(); ++i) {
    if (i > 0) out += ',';
    out += "[\"";
    AppendJsonEscaped(out, evidence[i].name);
    out += "\",\"";
    AppendJsonEscaped(out, evidence[i].value);
    out += "\"]";
  }
  out += ']';
  return out;
}

std::vector<grading::Evidence> ParseEvidence(const std::string& text) {
  std::vector<grading::Evidence> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& pair : j) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() &&
        pair[1].is_string()) {
      out.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
    }
  }
  return out;
}

std::string SecondJson(const grading::ViewpointAnswers& a) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (a.written) j["written"] = *a.written;
  if (a.spread != grading::Spread::kUnanswered) {
    j["spread"] = std::string(grading::SpreadName(a.spread));
  }
  if (a.managed) j["managed"] = *a.managed;
  if (a.technical) j["technical"] = *a.technical;
  return j.dump();
}

grading::ViewpointAnswers ParseSecond(const std::string& text) {
  grading::ViewpointAnswers a;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return a;
  if (j.contains("written") && j["written"].is_boolean())
    a.written = j["written"].get<bool>();
  if (j.contains("managed") && j["managed"].is_boolean())
    a.managed = j["managed"].get<bool>();
  if (j.contains("technical") && j["technical"].is_boolean()) {
    a.technical = j["technical"].get<bool>();
  }
  if (j.contains("spread") && j["spread"].is_string()) {
    a.spread = grading::ParseSpread(j["spread"].get<std::string>())
                   .value_or(grading::Spread::kUnanswered);
  }
  return a;
}

}  // namespace mamori::store
