#pragma once

// The console's message catalogue: one JSON file per language
// (web/static/i18n/ja.json and en.json, flat "key": "text"), shared by the
// browser and the server's problem+json messages. "{name}" in a text is
// replaced by the argument of that name.
//
// Thread safety: Instance() is built once; reads are const.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace mamori::web {

class Catalogue {
 public:
  // The embedded catalogues. Aborts at start-up if they do not parse (they
  // are part of the binary; a test parses them too).
  static const Catalogue& Instance();
  // Parses the two catalogues' JSON texts. INVALID_ARGUMENT naming the
  // language when one is not a flat object of strings.
  static Result<Catalogue> Parse(std::string_view ja_json,
                                 std::string_view en_json);

  // The text of `key` in `lang` ("ja" or "en") with arguments substituted;
  // the key itself when missing (a test keeps that from happening).
  std::string Text(
      std::string_view lang, std::string_view key,
      const std::vector<std::pair<std::string, std::string>>& args = {}) const;
  // Keys present in one language but not the other.
  std::vector<std::string> MissingKeys() const;
  const std::map<std::string, std::string>& Texts(std::string_view lang) const;

 private:
  std::map<std::string, std::string> ja_;
  std::map<std::string, std::string> en_;
};

}  // namespace mamori::web
