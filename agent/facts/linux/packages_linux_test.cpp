// The Linux `packages` gatherer over fixture trees (--root).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "agent/facts/linux/run_capture.h"
#include "agent/facts/packages.h"
#include "common/sha256.h"

namespace mamori::facts {
namespace {

// A directory of this test process's own: ctest runs each test case as a
// process, several at once, and other checkouts may run the same tests.
std::string ScratchDir(const std::string& name) {
  return ::testing::TempDir() + "/mamori-" + std::to_string(::getpid()) + "-" +
         name;
}

const std::string kFixtures = "tests/fixtures/linux/packages/";

TEST(GatherPackagesRoot, DebianTreeWithInstallTimes) {
  const PackageFacts f = GatherPackages(RootContext(kFixtures + "debian"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_EQ(f.packages.size(), 5u);
  // bash.list, libc6:amd64.list, libc6:i386.list and vim.list exist; the
  // non-ASCII package has none.
  EXPECT_TRUE(f.packages[0].install_time.has_value());
  EXPECT_TRUE(f.packages[1].install_time.has_value());
  EXPECT_TRUE(f.packages[2].install_time.has_value());
  EXPECT_TRUE(f.packages[3].install_time.has_value());
  EXPECT_FALSE(f.packages[4].install_time.has_value());
  EXPECT_EQ(f.content_sha256.size(), 64u);
  EXPECT_EQ(f.content_sha256.find_first_not_of("0123456789abcdef"),
            std::string::npos);
}

// The rpm databases made by tests/fixtures/linux/make_rpmdb.sh: three
// packages and one imported signing key, as rpm writes them (rhel: sqlite, as
// on RHEL 9) and in the Berkeley DB format of RHEL 7/8 (rhel8: bdb_ro).
class RpmFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(RpmFixture, ReadThroughLibrpm) {
  const std::string dbdir = kFixtures + GetParam() + "/var/lib/rpm";
  const auto listing = [&dbdir]() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dbdir)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> before = listing();

  const PackageFacts f = GatherPackages(RootContext(kFixtures + GetParam()));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  // Not gpg-pubkey-0b12a3e6-6b04ea4c: a key, not software.
  ASSERT_EQ(f.packages.size(), 3u);
  const Package& hello = f.packages[0];
  EXPECT_EQ(hello.name, "hello-tool");
  EXPECT_EQ(hello.version, "2.10-8.el9");
  EXPECT_EQ(hello.architecture, "x86_64");
  EXPECT_EQ(hello.publisher, "Example Linux");
  EXPECT_EQ(hello.source, PackageSource::kRpm);
  ASSERT_TRUE(hello.install_time.has_value());
  EXPECT_EQ(ToUnixSeconds(*hello.install_time), 1700000000);

  const Package& kanji = f.packages[1];
  EXPECT_EQ(kanji.name, "mamori-kanji");
  EXPECT_EQ(kanji.version, "1:0.3-2.el9");
  EXPECT_EQ(kanji.architecture, "noarch");
  EXPECT_EQ(kanji.publisher, "株式会社まもり");
  ASSERT_TRUE(kanji.install_time.has_value());
  EXPECT_EQ(ToUnixSeconds(*kanji.install_time), 1700000100);

  const Package& zero = f.packages[2];
  EXPECT_EQ(zero.name, "zero-epoch");
  EXPECT_EQ(zero.version, "0:1.0-1");
  EXPECT_EQ(zero.architecture, "noarch");
  EXPECT_EQ(zero.publisher, "Taro Yamada <taro@example.jp>");
  ASSERT_TRUE(zero.install_time.has_value());
  EXPECT_EQ(ToUnixSeconds(*zero.install_time), 1700000200);

  EXPECT_EQ(f.content_sha256, Sha256Hex(CanonicalPackageList(f.packages)));
  // Read-only: no lock, journal or new database file left beside it.
  EXPECT_EQ(listing(), before);
}

INSTANTIATE_TEST_SUITE_P(GatherPackagesRoot, RpmFixture,
                         ::testing::Values("rhel", "rhel8"));

// The same database as rpm itself lists it (gpg-pubkey aside), when the rpm
// tool is installed.
TEST(GatherPackagesRoot, RpmTreeMatchesRpmQuery) {
  if (!std::filesystem::exists("/usr/bin/rpm")) {
    GTEST_SKIP() << "/usr/bin/rpm is not installed";
  }
  const std::string root =
      std::filesystem::absolute(kFixtures + "rhel").string();
  Result<std::string> out = linux_util::RunCapture(
      {"/usr/bin/rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-qa",
       "--qf", "%{NAME}\\t%{EVR}\\t%{ARCH}\\t%{INSTALLTIME}\\n"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<std::string> expected;
  bool listed_key = false;
  for (std::string_view line : SplitLines(*out)) {
    if (line.starts_with("gpg-pubkey\t")) listed_key = true;
    if (line.empty() || line.starts_with("gpg-pubkey\t")) continue;
    expected.emplace_back(line);
  }
  // The fixture holds an imported key, which rpm lists and the family skips.
  EXPECT_TRUE(listed_key);
  std::sort(expected.begin(), expected.end());

  const PackageFacts f = GatherPackages(RootContext(kFixtures + "rhel"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  std::vector<std::string> ours;
  for (const Package& p : f.packages) {
    ours.push_back(p.name + "\t" + p.version + "\t" + p.architecture + "\t" +
                   std::to_string(ToUnixSeconds(p.install_time.value())));
  }
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, expected);
  EXPECT_EQ(expected.size(), 3u);
}

TEST(GatherPackagesRoot, EmptyRpmDirectoryIsUnsupportedAndSaysWhy) {
  const std::string root = ScratchDir("empty-rpm-root");
  std::filesystem::create_directories(root + "/var/lib/rpm");
  const PackageFacts f = GatherPackages(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("holds no rpm database"), std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.packages.empty());
  EXPECT_EQ(f.content_sha256, "");
}

TEST(GatherPackagesRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-packages-root";
  ::mkdir(empty.c_str(), 0755);
  const PackageFacts f = GatherPackages(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("dpkg/status"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
