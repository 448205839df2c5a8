#include "collector/web/catalogue.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

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
  const std::regex literal(R"(\bt\('([a-z_]+\.[a-zA-Z0-9_.]+)')");
  int found = 0;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path.substr(0, 4) != "/js/") continue;
    const std::string text(f.content);
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end;
         it != end; ++it) {
      ++found;
      EXPECT_TRUE(c.Texts("en").count((*it)[1])) << f.path << ": " << (*it)[1];
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
