#include "collector/web/catalogue.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "collector/web/assets.h"

namespace mamori::web {
namespace {

// Every key is in both catalogues: a key missing from either fails here.
TEST(Catalogue, BothLanguagesHaveEveryKey) {
  const Catalogue& c = Catalogue::Instance();
  EXPECT_EQ(c.MissingKeys(), std::vector<std::string>{});
  EXPECT_GT(c.Texts("ja").size(), 100u);
  for (const auto& [key, text] : c.Texts("ja")) {
    EXPECT_FALSE(text.empty()) << "ja:" << key;
  }
}

TEST(Catalogue, MissingKeysAreFound) {
  Result<Catalogue> c =
      Catalogue::Parse(R"({"a":"あ","b":"い"})", R"({"a":"a","c":"c"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->MissingKeys(), (std::vector<std::string>{"en:b", "ja:c"}));
  EXPECT_FALSE(Catalogue::Parse("[]", "{}").ok());
  EXPECT_FALSE(Catalogue::Parse(R"({"a":1})", "{}").ok());
}

TEST(Catalogue, SubstitutesArguments) {
  const Catalogue& c = Catalogue::Instance();
  EXPECT_EQ(c.Text("en", "error.range",
                   {{"field", "limit"}, {"min", "1"}, {"max", "500"}}),
            "limit must be a whole number from 1 to 500.");
  EXPECT_EQ(c.Text("ja", "error.required", {{"field", "name"}}),
            "name を入力してください。");
  EXPECT_EQ(c.Text("ja", "no.such.key"), "no.such.key");
}

// Every t('key') in the front-end and every catalogue key the server names
// exists in the catalogue (the keys the JavaScript builds from data, like
// `status.${x}`, are checked by their prefixes).
TEST(Catalogue, EveryKeyTheFrontEndUsesExists) {
  const Catalogue& c = Catalogue::Instance();
  int found = 0;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path.substr(0, 4) != "/js/") continue;
    const std::string_view text = f.content;
    // Each t('section.key') call: 't' not preceded by a word character, then
    // a quoted key with a dot. (No std::regex: GCC 12 warns inside it at -O1
    // with the sanitizers, and the tree builds with -Werror.)
    for (size_t at = text.find("t('"); at != std::string_view::npos;
         at = text.find("t('", at + 1)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) ||
                     text[at - 1] == '_' || text[at - 1] == '$')) {
        continue;
      }
      const size_t start = at + 3;
      const size_t close = text.find('\'', start);
      if (close == std::string_view::npos) break;
      const std::string key(text.substr(start, close - start));
      const size_t dot = key.find('.');
      const bool well_formed =
          dot != std::string::npos && dot > 0 && dot + 1 < key.size() &&
          key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == dot &&
          key.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
              ".",
              dot) == std::string::npos;
      if (!well_formed) continue;
      ++found;
      EXPECT_TRUE(c.Texts("en").count(key)) << f.path << ": " << key;
    }
  }
  EXPECT_GT(found, 100);
  for (const char* prefix : {"status.", "verdict.", "spread.", "role.",
                             "tokenstate.", "improvement.", "direction."}) {
    bool any = false;
    for (const auto& [key, _] : c.Texts("en")) {
      any = any || key.rfind(prefix, 0) == 0;
    }
    EXPECT_TRUE(any) << prefix;
  }
}

}  // namespace
}  // namespace mamori::web
