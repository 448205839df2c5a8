// The rpm database reader: the pure header → Package mapping, finding the
// database, and the paths where librpm or the database cannot be used.
#include "agent/facts/linux/rpmdb.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mamori::facts {
namespace {

// A directory of this test process's own: ctest runs each test case as a
// process, several at once, and other checkouts may run the same tests.
std::string ScratchDir(const std::string& name) {
  return ::testing::TempDir() + "/mamori-" + std::to_string(::getpid()) + "-" +
         name;
}

RpmHeaderValues Header(std::string name) {
  RpmHeaderValues h;
  h.name = std::move(name);
  h.version = "2.10";
  h.release = "8.el9";
  h.arch = "x86_64";
  h.install_time = 1700000000;
  return h;
}

// Found by fuzz_agent_text: an install time past year 2262 overflowed the
// conversion to nanoseconds (signed overflow, undefined behaviour).
TEST(PackageFromRpmHeader, InstallTimeBeyondTimePointIsUnset) {
  RpmHeaderValues h = Header("hello-tool");
  h.install_time = 1343815118592038ULL;
  std::optional<Package> p = PackageFromRpmHeader(h);
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->install_time.has_value());
  h.install_time = UINT64_MAX;
  EXPECT_FALSE(PackageFromRpmHeader(h)->install_time.has_value());
  h.install_time = 7258118400;  // 2200-01-01 still fits
  EXPECT_EQ(ToUnixSeconds(*PackageFromRpmHeader(h)->install_time), 7258118400);
}

TEST(PackageFromRpmHeader, VersionIsEvrLikeRpmQuery) {
  RpmHeaderValues h = Header("hello-tool");
  std::optional<Package> p = PackageFromRpmHeader(h);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "hello-tool");
  EXPECT_EQ(p->version, "2.10-8.el9");
  EXPECT_EQ(p->architecture, "x86_64");
  EXPECT_EQ(p->source, PackageSource::kRpm);
  ASSERT_TRUE(p->install_time.has_value());
  EXPECT_EQ(ToUnixSeconds(*p->install_time), 1700000000);

  h.epoch = 3;
  EXPECT_EQ(PackageFromRpmHeader(h)->version, "3:2.10-8.el9");
  // An EPOCH tag of 0 is shown, as rpm's %{EVR} shows it.
  h.epoch = 0;
  EXPECT_EQ(PackageFromRpmHeader(h)->version, "0:2.10-8.el9");
  h.epoch.reset();
  h.release.clear();
  EXPECT_EQ(PackageFromRpmHeader(h)->version, "2.10");
}

TEST(PackageFromRpmHeader, PublisherIsVendorElsePackager) {
  RpmHeaderValues h = Header("a");
  EXPECT_EQ(PackageFromRpmHeader(h)->publisher, "");
  h.packager = "Taro Yamada <taro@example.jp>";
  EXPECT_EQ(PackageFromRpmHeader(h)->publisher,
            "Taro Yamada <taro@example.jp>");
  h.vendor = "株式会社まもり";
  EXPECT_EQ(PackageFromRpmHeader(h)->publisher, "株式会社まもり");
}

TEST(PackageFromRpmHeader, SkipsKeysAndNamelessHeaders) {
  EXPECT_FALSE(PackageFromRpmHeader(Header("gpg-pubkey")).has_value());
  EXPECT_FALSE(PackageFromRpmHeader(Header("")).has_value());
  EXPECT_TRUE(PackageFromRpmHeader(Header("gpg-pubkey-tools")).has_value());
}

TEST(PackageFromRpmHeader, NoInstallTimeAndLatin1Text) {
  RpmHeaderValues h = Header("caf\xe9");
  h.install_time = 0;
  h.vendor = "Soci\xe9t\xe9";
  const std::optional<Package> p = PackageFromRpmHeader(h);
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->install_time.has_value());
  EXPECT_TRUE(IsValidUtf8(p->name));
  EXPECT_TRUE(IsValidUtf8(p->publisher));
}

// A root whose /var/lib/rpm holds `file` with `content`.
std::string RootWithDatabaseFile(const std::string& name,
                                 const std::string& file,
                                 const std::string& content) {
  const std::string root = ScratchDir("rpmdb-" + name);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root + "/var/lib/rpm");
  std::ofstream(root + "/var/lib/rpm/" + file, std::ios::binary) << content;
  return root;
}

TEST(FindRpmDatabase, BackendFromTheFileOnDisk) {
  const std::string empty = ScratchDir("rpmdb-none");
  std::filesystem::create_directories(empty + "/var/lib/rpm");
  EXPECT_FALSE(FindRpmDatabase(RootContext(empty)).has_value());

  std::optional<RpmdbLocation> db = FindRpmDatabase(
      RootContext(RootWithDatabaseFile("find-bdb", "Packages", "x")));
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->backend, RpmdbBackend::kBdb);
  EXPECT_EQ(RpmBackendName(db->backend), "bdb_ro");

  db = FindRpmDatabase(
      RootContext(RootWithDatabaseFile("find-ndb", "Packages.db", "x")));
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->backend, RpmdbBackend::kNdb);

  // Fedora 36+: the database lives in /usr/lib/sysimage/rpm.
  const std::string fedora = ScratchDir("rpmdb-sysimage");
  std::filesystem::create_directories(fedora + "/usr/lib/sysimage/rpm");
  std::ofstream(fedora + "/usr/lib/sysimage/rpm/rpmdb.sqlite") << "x";
  db = FindRpmDatabase(RootContext(fedora));
  ASSERT_TRUE(db.has_value());
  EXPECT_EQ(db->backend, RpmdbBackend::kSqlite);
  EXPECT_EQ(db->file, fedora + "/usr/lib/sysimage/rpm/rpmdb.sqlite");
}

const std::string kFixtureDb =
    "tests/fixtures/linux/packages/rhel/var/lib/rpm/rpmdb.sqlite";

RpmdbLocation FixtureLocation() {
  return RpmdbLocation{"tests/fixtures/linux/packages/rhel/var/lib/rpm",
                       kFixtureDb, RpmdbBackend::kSqlite};
}

TEST(ReadRpmDatabase, MissingLibraryIsUnsupportedAndNamesIt) {
  const PackageFacts f =
      ReadRpmDatabase(FixtureLocation(), "libmamori-no-such-rpm.so.9");
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("libmamori-no-such-rpm.so.9"),
            std::string::npos)
      << f.status.message;
  EXPECT_NE(f.status.message.find(kFixtureDb), std::string::npos);
  EXPECT_TRUE(f.packages.empty());
}

TEST(ReadRpmDatabase, LibraryWithoutRpmFunctionsIsAnError) {
  // libc loads but has none of librpm's functions.
  const PackageFacts f = ReadRpmDatabase(FixtureLocation(), "libc.so.6");
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("libc.so.6 lacks rpmReadConfigFiles"),
            std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.packages.empty());
}

TEST(ReadRpmDatabase, MissingFileIsAnErrorAndNothingIsCreated) {
  // librpm would create an empty database here; the reader must not let it.
  const std::string dir = ScratchDir("rpmdb-missing") + "/var/lib/rpm";
  std::filesystem::remove_all(ScratchDir("rpmdb-missing"));
  std::filesystem::create_directories(dir);
  const PackageFacts f = ReadRpmDatabase(
      RpmdbLocation{dir, dir + "/rpmdb.sqlite", RpmdbBackend::kSqlite});
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("no rpm database file"), std::string::npos)
      << f.status.message;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(ReadRpmDatabase, CorruptSqliteIsAnError) {
  const std::string root = RootWithDatabaseFile(
      "corrupt-sqlite", "rpmdb.sqlite",
      std::string(4096, 'x') + "this is not an sqlite database");
  std::optional<RpmdbLocation> db = FindRpmDatabase(RootContext(root));
  ASSERT_TRUE(db.has_value());
  const PackageFacts f = ReadRpmDatabase(*db);
  EXPECT_EQ(f.status.state, CollectionState::kError) << f.status.message;
  EXPECT_NE(f.status.message.find(db->file), std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.packages.empty());
}

TEST(ReadRpmDatabase, CorruptBerkeleyDbIsAnError) {
  const std::string root =
      RootWithDatabaseFile("corrupt-bdb", "Packages", std::string(8192, '\0'));
  std::optional<RpmdbLocation> db = FindRpmDatabase(RootContext(root));
  ASSERT_TRUE(db.has_value());
  const PackageFacts f = ReadRpmDatabase(*db);
  EXPECT_EQ(f.status.state, CollectionState::kError) << f.status.message;
  EXPECT_NE(f.status.message.find("bdb_ro"), std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.packages.empty());
}

TEST(ReadRpmDatabase, BackendNotBuiltIntoLibrpmIsUnsupportedNotEmpty) {
  // Debian's librpm has no ndb backend (SUSE's format): librpm falls back to
  // a dummy database that would list nothing.
  const std::string root =
      RootWithDatabaseFile("ndb", "Packages.db", std::string(4096, '\0'));
  std::optional<RpmdbLocation> db = FindRpmDatabase(RootContext(root));
  ASSERT_TRUE(db.has_value());
  const PackageFacts f = ReadRpmDatabase(*db);
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported) << f.status.message;
  EXPECT_NE(f.status.message.find("ndb"), std::string::npos)
      << f.status.message;
  EXPECT_NE(f.status.message.find(kLibrpmSoname), std::string::npos);
  // Nothing was created beside the database (librpm creates a database when
  // its configured backend's file is absent).
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(root + "/var/lib/rpm")) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

}  // namespace
}  // namespace mamori::facts
