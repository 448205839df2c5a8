#include "common/text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace mamori {
namespace {

TEST(TextTest, TrimAndSplit) {
  EXPECT_EQ(Trim("  a b \r\n"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  const auto fields = Split("a,,b", ',');
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1], "");
  const auto words = SplitWhitespace("  install usb-storage\t/bin/false ");
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[2], "/bin/false");
  const auto lines = SplitLines("one\r\ntwo\n\nthree\n");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "one");
  EXPECT_EQ(lines[2], "");
  EXPECT_TRUE(SplitLines("").empty());
}

TEST(TextTest, CaseAndAffixes) {
  EXPECT_EQ(ToLowerAscii("PASS_MIN_LEN"), "pass_min_len");
  EXPECT_TRUE(EqualsIgnoreCaseAscii("PasswordAuthentication",
                                    "passwordauthentication"));
  EXPECT_FALSE(EqualsIgnoreCaseAscii("yes", "yes "));
  EXPECT_TRUE(StartsWith("bookworm-security", "bookworm"));
  EXPECT_TRUE(EndsWith("bookworm-security", "-security"));
  EXPECT_FALSE(EndsWith("x", "-security"));
}

TEST(TextTest, HexRoundTripsAndRejectsWhatItDidNotWrite) {
  const std::string bytes("a\x00\xff\x1f", 4);
  EXPECT_EQ(HexEncode(bytes), "6100ff1f");
  EXPECT_EQ(HexDecode("6100ff1f", 16), bytes);
  EXPECT_EQ(HexDecode("", 16), "");
  EXPECT_FALSE(HexDecode("610", 16));    // odd length
  EXPECT_FALSE(HexDecode("61FF", 16));   // upper case is not ours
  EXPECT_FALSE(HexDecode("6g", 16));     // not a digit
  EXPECT_FALSE(HexDecode("616161", 2));  // more bytes than allowed
  EXPECT_EQ(HexDecode("6161", 2), "aa");
}

TEST(TextTest, ParseNumbersRejectsJunkAndOverflow) {
  EXPECT_EQ(ParseInt64("-42"), -42);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_FALSE(ParseInt64("12a"));
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_FALSE(ParseInt64("-"));
  EXPECT_EQ(ParseUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseUint64("18446744073709551616"));
}

TEST(TextTest, Utf8ValidationAndSanitising) {
  EXPECT_TRUE(IsValidUtf8("顧客リスト"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("abc\xE3\x81"));   // truncated
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("顧客"), "顧客");
}

TEST(TextTest, ReadFileMapsErrors) {
  auto missing = ReadFile("/nonexistent/mamori/file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/mamori/file"),
            std::string::npos);

  const std::string path = ::testing::TempDir() + "mamori_text_test.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "0123456789";
  }
  auto content = ReadFile(path);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "0123456789");
  auto too_big = ReadFile(path, 4);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kOutOfRange);
  std::remove(path.c_str());
}

TEST(TextTest, ReadFileTakesAUtf8PathWithJapanese) {
  // On Windows the path must reach the file system as UTF-16, not through
  // the ANSI code page; this runs natively and under Wine.
  const std::string name =
      "\xE8\xB3\x87\xE7\x94\xA3\xE5\x8F\xB0"
      "\xE5\xB8\xB3.txt";  // 資産台帳.txt
  const std::string path = ::testing::TempDir() + name;
  const std::filesystem::path native(std::u8string(path.begin(), path.end()));
  {
    std::ofstream out(native, std::ios::binary);
    ASSERT_TRUE(out.good()) << path;
    out << "mamori";
  }
  auto content = ReadFile(path);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  EXPECT_EQ(*content, "mamori");
  std::filesystem::remove(native);
}

TEST(TextTest, JoinRoot) {
  EXPECT_EQ(JoinRoot("", "/etc/os-release"), "/etc/os-release");
  EXPECT_EQ(JoinRoot("/", "/etc/os-release"), "/etc/os-release");
  EXPECT_EQ(JoinRoot("/mnt/img/", "/etc/os-release"),
            "/mnt/img/etc/os-release");
}

TEST(TextTest, TerminalSafeEscapesWhatATerminalWouldAct) {
  // A host name that would erase the line and return the cursor.
  EXPECT_EQ(TerminalSafe("pc\x1b[2K\r"), "pc\\x1b[2K\\x0d");
  EXPECT_EQ(TerminalSafe("a\tb\nc\x7f"), "a\\x09b\\x0ac\\x7f");
  // C1 CSI (U+009B) and a right-to-left override (U+202E).
  EXPECT_EQ(TerminalSafe("x\xc2\x9b"
                         "2Jy"),
            "x\\x9b2Jy");
  EXPECT_EQ(TerminalSafe("evil\xe2\x80\xae"
                         "txt.exe"),
            "evil\\u202etxt.exe");
  EXPECT_EQ(TerminalSafe("bad\xff"), "bad\xef\xbf\xbd");
  EXPECT_EQ(TerminalSafe("端末-01 ok"), "端末-01 ok");
  for (std::string_view hostile : {"pc\x1b[2K\r", "\x1b]0;title\x07",
                                   "\xc2\x9b"
                                   "31m",
                                   "\x08\x08"}) {
    const std::string shown = Column(hostile, 40);
    for (unsigned char c : shown) {
      EXPECT_FALSE(c < 0x20 || c == 0x7f) << "in " << shown;
    }
    EXPECT_EQ(shown.find("\xc2\x9b"), std::string::npos);
  }
}

TEST(TextTest, ColumnPadsByDisplayWidthAndCutsWithAnEllipsis) {
  EXPECT_EQ(Column("vm", 6), "vm    ");
  EXPECT_EQ(Column("", 3), "   ");
  // The demo's OS name is 30 characters: cut to leave one space.
  EXPECT_EQ(Column("Debian GNU/Linux 12 (bookworm)", 28),
            "Debian GNU/Linux 12 (bookw\xE2\x80\xA6 ");
  // Exactly width - 1 columns fits without a cut.
  EXPECT_EQ(Column("abcde", 6), "abcde ");
  EXPECT_EQ(Column("abcdef", 6), "abcd\xE2\x80\xA6 ");
  // Kanji and kana take two columns each: 4 characters = 8 columns.
  EXPECT_EQ(Column("\xE7\xB7\x8F\xE5\x8B\x99\xE3\x81\xAEPC", 12),
            "\xE7\xB7\x8F\xE5\x8B\x99\xE3\x81\xAEPC    ");  // 総務のPC
  // A wide character is never split, and the cell stays `width` columns.
  // 総務部 (6 columns) in 6: 総務 + … + space.
  EXPECT_EQ(Column("\xE7\xB7\x8F\xE5\x8B\x99\xE9\x83\xA8", 6),
            "\xE7\xB7\x8F\xE5\x8B\x99\xE2\x80\xA6 ");
  // Invalid UTF-8 is replaced, not passed to the terminal.
  EXPECT_EQ(Column("a\xFF", 5), "a\xEF\xBF\xBD   ");
  // Too narrow for anything: still one separating space.
  EXPECT_EQ(Column("abc", 1), " ");
}

}  // namespace
}  // namespace mamori
