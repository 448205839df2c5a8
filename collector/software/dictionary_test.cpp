#include "collector/software/dictionary.h"

#include <gtest/gtest.h>

namespace mamori::software {
namespace {

using policy::PolicySource;

constexpr char kCategories[] = R"(categories:
  - id: remote_access
    name: {ja: リモートアクセスツール, en: Remote access tools}
)";

Result<Dictionary> Load(const std::string& titles) {
  return LoadDictionary({PolicySource{"categories.yaml", kCategories},
                         PolicySource{"titles.yaml", titles}});
}

TEST(DictionaryTest, BuiltinLoadsAndCoversJapaneseAndLinuxProducts) {
  auto d = BuiltinDictionary();
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const Dictionary& dict = **d;
  for (const char* category :
       {"remote_access", "p2p_file_sharing", "personal_cloud_storage",
        "browser", "office_suite", "security", "vpn_client", "archiver",
        "mail_client"}) {
    EXPECT_NE(dict.FindCategory(category), nullptr) << category;
  }
  struct Case {
    const char* name;
    const char* publisher;
    const char* title;
  };
  for (const Case& c : {
           Case{"TeamViewer", "TeamViewer Germany GmbH", "teamviewer"},
           Case{"teamviewer", "TeamViewer <support@teamviewer.com>",
                "teamviewer"},
           Case{"AnyDesk", "philandro Software GmbH", "anydesk"},
           Case{"Lhaplus", "Schezo", "lhaplus"},
           Case{"Becky! Internet Mail", "RimArts", "becky"},
           Case{"一太郎2024", "JUSTSYSTEMS CORPORATION", "ichitaro"},
           Case{"トレンドマイクロ ウイルスバスター クラウド", "Trend Micro",
                "trend_micro_virusbuster"},
           Case{"ESET Endpoint Security", "ESET, spol. s r.o.", "eset"},
           Case{"Zoom Workplace (64-bit)", "Zoom Video Communications", "zoom"},
           Case{"Dropbox", "Dropbox, Inc.", "dropbox"},
           Case{"nautilus-dropbox", "", "dropbox"},
           Case{"FortiClient VPN", "Fortinet Technologies Inc", "forticlient"},
           Case{"transmission-gtk", "", "transmission"},
           Case{"firefox-esr", "Debian Mozilla Team", "firefox"},
           Case{"libreoffice-core", "Debian LibreOffice Maintainers",
                "libreoffice"},
           Case{"LINE", "LY Corporation", "line"},
       }) {
    const Title* t = dict.Match(c.name, c.publisher);
    ASSERT_NE(t, nullptr) << c.name;
    EXPECT_EQ(t->id, c.title) << c.name;
  }
  // Near misses stay unmatched: a library, the Edge runtime, another LINE.
  EXPECT_EQ(dict.Match("libvncserver1", ""), nullptr);
  EXPECT_EQ(dict.Match("Microsoft Edge WebView2 Runtime", "Microsoft"),
            nullptr);
  EXPECT_EQ(dict.Match("LINE", "Someone Else"), nullptr);
  // Every title's own names are in ja and en.
  for (const auto& t : dict.titles) {
    EXPECT_FALSE(t.name.ja.empty()) << t.id;
    EXPECT_FALSE(t.name.en.empty()) << t.id;
  }
}

TEST(DictionaryTest, GlobsAreWholeNameCaseInsensitiveForAsciiOnly) {
  EXPECT_TRUE(GlobMatches("TeamViewer*", "teamviewer 15"));
  EXPECT_FALSE(GlobMatches("TeamViewer", "TeamViewer 15"));
  EXPECT_TRUE(GlobMatches("Zoom (*)", "Zoom (64-bit)"));
  EXPECT_TRUE(GlobMatches("*ウイルスバスター*", "ウイルスバスター クラウド"));
  EXPECT_TRUE(GlobMatches("?太郎", "一太郎"));  // ? is one character
  EXPECT_FALSE(GlobMatches("??太郎", "一太郎"));
  EXPECT_TRUE(GlobMatches("a*b*c", "aXXbYYbZc"));
  EXPECT_FALSE(GlobMatches("a*b*c", "aXXbYY"));
  EXPECT_FALSE(GlobMatches("ÉSET", "éset"));  // no folding beyond ASCII
}

TEST(DictionaryTest, GlobToLikeEscapesLikeWildcards) {
  EXPECT_EQ(GlobToLike("100%_sure*?"), "100\\%\\_sure%_");
}

TEST(DictionaryTest, BadPatternsAreRefusedWithFileAndLine) {
  struct Case {
    const char* pattern;
    const char* reason;
  };
  for (const Case& c :
       {Case{"\"*\"", "only wildcards"}, Case{"\"*?*\"", "only wildcards"},
        Case{"\"a\\\\b\"", "backslash"}, Case{"\"a\\tb\"", "control character"},
        Case{"\"\"", "must not be empty"}}) {
    auto d = Load(std::string(R"(titles:
  - id: bad
    category: remote_access
    name: {ja: 悪い, en: Bad}
    match:
      - name: )") +
                  c.pattern + "\n");
    ASSERT_FALSE(d.ok()) << c.pattern;
    EXPECT_NE(d.status().message().find("titles.yaml:6:"), std::string::npos)
        << d.status().message();
    EXPECT_NE(d.status().message().find(c.reason), std::string::npos)
        << d.status().message();
  }
  auto longer = Load(R"(titles:
  - id: bad
    category: remote_access
    name: {ja: 悪い, en: Bad}
    match:
      - name: ")" + std::string(kMaxPatternBytes + 1, 'a') +
                     "\"\n");
  ASSERT_FALSE(longer.ok());
  EXPECT_NE(longer.status().message().find("longer than"), std::string::npos);
}

TEST(DictionaryTest, UnknownKeysCategoriesAndDuplicatesAreRefused) {
  auto unknown_key = Load(R"(titles:
  - id: tv
    category: remote_access
    name: {ja: TV, en: TV}
    colour: blue
    match:
      - name: "TV*"
)");
  ASSERT_FALSE(unknown_key.ok());
  EXPECT_NE(unknown_key.status().message().find("titles.yaml:5:"),
            std::string::npos)
      << unknown_key.status().message();
  EXPECT_NE(unknown_key.status().message().find("unknown key"),
            std::string::npos);

  auto unknown_category = Load(R"(titles:
  - id: tv
    category: games
    name: {ja: TV, en: TV}
    match:
      - name: "TV*"
)");
  ASSERT_FALSE(unknown_category.ok());
  EXPECT_NE(unknown_category.status().message().find(
                "titles.yaml:2: title 'tv': unknown category 'games'"),
            std::string::npos)
      << unknown_category.status().message();

  auto duplicate = Load(R"(titles:
  - id: tv
    category: remote_access
    name: {ja: TV, en: TV}
    match:
      - name: "TV*"
  - id: tv
    category: remote_access
    name: {ja: TV, en: TV}
    match:
      - name: "TV2*"
)");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.status().message().find("also defined at titles.yaml:2"),
            std::string::npos)
      << duplicate.status().message();

  auto missing_en = Load(R"(titles:
  - id: tv
    category: remote_access
    name: {ja: TV}
    match:
      - name: "TV*"
)");
  ASSERT_FALSE(missing_en.ok());
  EXPECT_NE(missing_en.status().message().find("en"), std::string::npos);

  auto bad_id = Load(R"(titles:
  - id: Team Viewer
    category: remote_access
    name: {ja: TV, en: TV}
    match:
      - name: "TV*"
)");
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.status().message().find("titles.yaml:2:"),
            std::string::npos);
}

TEST(DictionaryTest, RecordFingerprintFollowsContent) {
  auto a = Load(R"(titles:
  - id: tv
    category: remote_access
    name: {ja: TV, en: TV}
    match:
      - name: "TV_*"
        publisher: "Vendor*"
)");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Load(R"(titles:
  - id: tv
    category: remote_access
    name: {ja: TV, en: TV}
    match:
      - name: "TV_*"
)");
  ASSERT_TRUE(b.ok());
  const store::SoftwareDictionaryRecord ra = ToRecord(*a);
  ASSERT_EQ(ra.titles.size(), 1u);
  EXPECT_EQ(ra.titles[0].patterns[0].first_char, "t");
  EXPECT_EQ(ra.titles[0].patterns[0].name_like, "TV\\_%");
  EXPECT_EQ(ra.titles[0].patterns[0].publisher_like, "Vendor%");
  EXPECT_EQ(ra.fingerprint.size(), 64u);
  EXPECT_NE(ra.fingerprint, ToRecord(*b).fingerprint);
  EXPECT_EQ(ra.fingerprint, ToRecord(*a).fingerprint);
}

}  // namespace
}  // namespace mamori::software
