#include "collector/web/catalogue.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "collector/web/assets.h"

namespace mamori::web {
namespace {

Result<std::map<std::string, std::string>> ParseOne(std::string_view text,
                                                    std::string_view lang) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgumentError("catalogue " + std::string(lang) +
                                ": not a JSON object");
  }
  std::map<std::string, std::string> texts;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string()) {
      return InvalidArgumentError("catalogue " + std::string(lang) + ": " +
                                  key + " is not a string");
    }
    texts[key] = value.get<std::string>();
  }
  return texts;
}

}  // namespace

Result<Catalogue> Catalogue::Parse(std::string_view ja_json,
                                   std::string_view en_json) {
  Result<std::map<std::string, std::string>> ja = ParseOne(ja_json, "ja");
  if (!ja.ok()) return ja.status();
  Result<std::map<std::string, std::string>> en = ParseOne(en_json, "en");
  if (!en.ok()) return en.status();
  Catalogue c;
  c.ja_ = std::move(ja).value();
  c.en_ = std::move(en).value();
  return c;
}

const Catalogue& Catalogue::Instance() {
  static const Catalogue kCatalogue = [] {
    Result<Catalogue> c = Parse(FindEmbedded("/i18n/ja.json").value_or(""),
                                FindEmbedded("/i18n/en.json").value_or(""));
    if (!c.ok()) {
      std::fprintf(stderr, "mamori: embedded catalogue broken: %s\n",
                   c.status().ToString().c_str());
      std::abort();
    }
    return std::move(c).value();
  }();
  return kCatalogue;
}

const std::map<std::string, std::string>& Catalogue::Texts(
    std::string_view lang) const {
  return lang == "ja" ? ja_ : en_;
}

std::string Catalogue::Text(
    std::string_view lang, std::string_view key,
    const std::vector<std::pair<std::string, std::string>>& args) const {
  const auto& texts = Texts(lang);
  auto it = texts.find(std::string(key));
  if (it == texts.end()) return std::string(key);
  std::string out = it->second;
  for (const auto& [name, value] : args) {
    const std::string marker = "{" + name + "}";
    for (size_t at = out.find(marker); at != std::string::npos;
         at = out.find(marker, at + value.size())) {
      out.replace(at, marker.size(), value);
    }
  }
  return out;
}

std::vector<std::string> Catalogue::MissingKeys() const {
  std::vector<std::string> missing;
  for (const auto& [key, _] : ja_) {
    if (!en_.count(key)) missing.push_back("en:" + key);
  }
  for (const auto& [key, _] : en_) {
    if (!ja_.count(key)) missing.push_back("ja:" + key);
  }
  return missing;
}

}  // namespace mamori::web
