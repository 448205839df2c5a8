// Pending updates on rpm systems: the pure selection (with a stand-in EVR
// comparator), repo files and cache directories, and the family over the
// tests/fixtures/linux/updates/rhel tree with libsolv.
#include "agent/facts/linux/dnf_updates.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent/facts/linux/dnf_solv.h"
#include "agent/facts/linux/rpm_updates.h"
#include "agent/facts/linux/rpmdb.h"

namespace mamori::facts {
namespace {

namespace fs = std::filesystem;

// Versions in these pure tests are plain integers.
int IntCompare(std::string_view a, std::string_view b) {
  const int x = std::stoi(std::string(a));
  const int y = std::stoi(std::string(b));
  return x < y ? -1 : (x > y ? 1 : 0);
}

Package Installed(std::string name, std::string version, std::string arch) {
  Package p;
  p.name = std::move(name);
  p.version = std::move(version);
  p.architecture = std::move(arch);
  return p;
}

TEST(ParseDnfRepoFile, EnabledByDefaultAndDnfBooleans) {
  Result<std::vector<DnfRepoConfig>> repos = ParseDnfRepoFile(
      "[main]\ngpgcheck=1\n[a]\nbaseurl=x\n[b]\nenabled = 0\n[c]\n"
      "enabled=True\n");
  ASSERT_TRUE(repos.ok()) << repos.status().message();
  ASSERT_EQ(repos->size(), 3u);
  EXPECT_EQ((*repos)[0].id, "a");
  EXPECT_TRUE((*repos)[0].enabled);
  EXPECT_EQ((*repos)[1].id, "b");
  EXPECT_FALSE((*repos)[1].enabled);
  EXPECT_TRUE((*repos)[2].enabled);

  Result<std::vector<DnfRepoConfig>> bad =
      ParseDnfRepoFile("[a]\nenabled=maybe\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("enabled = maybe"), std::string::npos);
}

TEST(DnfExcludes, GlobsAsDnfMatchesNames) {
  const std::vector<std::string> globs =
      ParseDnfExcludeList("kernel*, hello-tool  zero-?poch,");
  EXPECT_EQ(globs,
            (std::vector<std::string>{"kernel*", "hello-tool", "zero-?poch"}));
  EXPECT_TRUE(IsDnfExcluded("kernel-core", globs));
  EXPECT_TRUE(IsDnfExcluded("zero-epoch", globs));
  EXPECT_FALSE(IsDnfExcluded("hello-tool-extra", globs));
  Result<std::vector<DnfRepoConfig>> repos =
      ParseDnfRepoFile("[a]\nexclude=x*\nexcludepkgs=y\n");
  ASSERT_TRUE(repos.ok());
  EXPECT_EQ((*repos)[0].excludes, (std::vector<std::string>{"x*", "y"}));
}

TEST(IsDnfCacheDirFor, RepoIdDashSixteenHexDigits) {
  EXPECT_TRUE(IsDnfCacheDirFor("baseos-91d4c263055b5917", "baseos"));
  EXPECT_FALSE(IsDnfCacheDirFor("fedora-updates-91d4c263055b5917", "fedora"));
  EXPECT_TRUE(
      IsDnfCacheDirFor("fedora-updates-91d4c263055b5917", "fedora-updates"));
  EXPECT_FALSE(IsDnfCacheDirFor("baseos-91D4C263055B5917", "baseos"));
  EXPECT_FALSE(IsDnfCacheDirFor("baseos-91d4c263055b591", "baseos"));
  EXPECT_FALSE(IsDnfCacheDirFor("baseos.solv", "baseos"));
  EXPECT_FALSE(IsDnfCacheDirFor("-91d4c263055b5917", ""));
}

TEST(SelectDnfUpdates, NewestCompatibleCandidate) {
  const std::vector<Package> installed = {
      Installed("a", "5", "x86_64"),      Installed("b", "5", "noarch"),
      Installed("c", "5", "x86_64"),      Installed("d", "5", "x86_64"),
      Installed("kernel", "3", "x86_64"), Installed("kernel", "4", "x86_64")};
  const std::vector<DnfAvailable> available = {
      {"a", "6", "x86_64", "r1"},      {"a", "7", "x86_64", "r2"},
      {"a", "9", "i686", "r1"},         // other arch: no upgrade
      {"b", "6", "x86_64", "r1"},       // noarch → arch is allowed
      {"c", "4", "x86_64", "r1"},       // older
      {"c", "5", "x86_64", "r1"},       // same
      {"e", "1", "x86_64", "r1"},       // not installed
      {"kernel", "4", "x86_64", "r1"},  // = the newest installed kernel
      {"kernel", "5", "x86_64", "r1"}};
  const std::vector<PendingUpdate> p =
      SelectDnfUpdates(installed, available, {}, IntCompare);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].name, "a");
  EXPECT_EQ(p[0].installed_version, "5");
  EXPECT_EQ(p[0].candidate_version, "7");
  EXPECT_EQ(p[0].origin, "r2");
  EXPECT_FALSE(p[0].security);
  EXPECT_EQ(p[1].name, "b");
  EXPECT_EQ(p[1].candidate_version, "6");
  EXPECT_EQ(p[2].name, "kernel");
  EXPECT_EQ(p[2].installed_version, "4");
  EXPECT_EQ(p[2].candidate_version, "5");
}

TEST(SelectDnfUpdates, SecurityWhenAnAdvisoryListsAVersionInTheWindow) {
  const std::vector<Package> installed = {Installed("a", "5", "x86_64"),
                                          Installed("b", "5", "x86_64"),
                                          Installed("c", "5", "x86_64")};
  const std::vector<DnfAvailable> available = {{"a", "8", "x86_64", "r"},
                                               {"b", "8", "x86_64", "r"},
                                               {"c", "8", "x86_64", "r"}};
  const TimePoint t1 = FromUnixSeconds(1000);
  const TimePoint t2 = FromUnixSeconds(2000);
  const std::vector<DnfAdvisory> advisories = {
      // a: an older fix still pending (6 ≤ 8) and a later one (7).
      {"SA-1", "security", "Moderate", t2, {{"a", "6", "x86_64"}}},
      {"SA-2", "security", "Critical", t1, {{"a", "7", "noarch"}}},
      {"BA-3", "bugfix", "", t1, {{"a", "8", "x86_64"}}},
      // b: fixed in the installed version already, or beyond the candidate.
      {"SA-4", "security", "Important", t1, {{"b", "5", "x86_64"}}},
      {"SA-5", "security", "Important", t1, {{"b", "9", "x86_64"}}},
      // c: another arch.
      {"SA-6", "security", "Important", t1, {{"c", "7", "i686"}}}};
  const std::vector<PendingUpdate> p =
      SelectDnfUpdates(installed, available, advisories, IntCompare);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_TRUE(p[0].security);
  EXPECT_EQ(p[0].severity, "Critical");
  EXPECT_EQ(p[0].published_at, std::optional<TimePoint>(t1));
  EXPECT_EQ(p[0].advisory_ids,
            (std::vector<std::string>{"SA-1", "SA-2", "BA-3"}));
  EXPECT_FALSE(p[1].security);
  EXPECT_TRUE(p[1].advisory_ids.empty());
  EXPECT_FALSE(p[2].security);
}

TEST(SelectDnfUpdates, MultilibNamesCarryTheArch) {
  const std::vector<Package> installed = {Installed("glibc", "1", "x86_64"),
                                          Installed("glibc", "1", "i686")};
  const std::vector<DnfAvailable> available = {{"glibc", "2", "x86_64", "r"},
                                               {"glibc", "2", "i686", "r"}};
  const std::vector<PendingUpdate> p =
      SelectDnfUpdates(installed, available, {}, IntCompare);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "glibc.i686");
  EXPECT_EQ(p[1].name, "glibc.x86_64");
}

TEST(RebootRequired, CorePackagesInstalledAfterBoot) {
  EXPECT_EQ(
      ParseProcStatBootTime("cpu  1 2 3\nbtime 1700000100\nprocesses 9\n"),
      std::optional<TimePoint>(FromUnixSeconds(1700000100)));
  EXPECT_FALSE(ParseProcStatBootTime("cpu 1\n").has_value());
  EXPECT_FALSE(ParseProcStatBootTime("btime x\n").has_value());
  // Found by fuzz_agent_text: past year 2262 the conversion overflowed.
  EXPECT_FALSE(ParseProcStatBootTime("btime 7777777777777777\n").has_value());
  std::vector<Package> installed = {Installed("kernel-core", "1", "x86_64"),
                                    Installed("glibc", "1", "x86_64"),
                                    Installed("vim", "1", "x86_64")};
  installed[0].install_time = FromUnixSeconds(1700000200);
  installed[1].install_time = FromUnixSeconds(1700000000);
  installed[2].install_time = FromUnixSeconds(1700000300);
  EXPECT_EQ(CorePackagesInstalledSince(installed, FromUnixSeconds(1700000100)),
            std::vector<std::string>{"kernel-core"});
  EXPECT_TRUE(CorePackagesInstalledSince(installed, FromUnixSeconds(1700000250))
                  .empty());
}

// --- The fixture tree, read with libsolv. ---

const std::string kFixture = "tests/fixtures/linux/updates/rhel";
constexpr char kBaseos[] = "/var/cache/dnf/baseos-91d4c263055b5917/repodata";
constexpr char kExtras[] = "/var/cache/dnf/extras-d0e8fc9d5ecdbac9/repodata";
constexpr int64_t kRefreshed = 1763900000;

void SetMtime(const std::string& path, int64_t seconds) {
  const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

void SetMtimes(const std::string& dir, int64_t seconds) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    SetMtime(e.path().string(), seconds);
  }
}

// A copy of the fixture in a directory of this test process's own, with the
// metadata mtimes git does not keep.
std::string FixtureCopy(const std::string& name) {
  const std::string root = ::testing::TempDir() + "/mamori-" +
                           std::to_string(::getpid()) + "-" + name;
  fs::remove_all(root);
  fs::copy(kFixture, root, fs::copy_options::recursive);
  SetMtimes(root + kBaseos, kRefreshed);
  // The disabled repo's cache is newer: it must not count either.
  SetMtimes(root + kExtras, kRefreshed + 500);
  return root;
}

std::string OnlyFile(const std::string& dir, const std::string& suffix) {
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) return e.path().string();
  }
  ADD_FAILURE() << "no *" << suffix << " in " << dir;
  return "";
}

TEST(GatherDnfUpdates, PendingListAsDnfComputesIt) {
  const std::string root = FixtureCopy("dnf-ok");
  const UpdateFacts f = GatherUpdates(RootContext(root));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.method, UpdateMethod::kDnf);
  EXPECT_EQ(f.pending_source, PendingSource::kComputed);
  ASSERT_EQ(f.pending.size(), 3u);
  // hello-tool: the newest of baseos (extras, disabled, offers 9.0-1.el9;
  // 3.0-1.el9 is i686), listed by the Important security advisory.
  EXPECT_EQ(f.pending[0].name, "hello-tool");
  EXPECT_EQ(f.pending[0].installed_version, "2.10-8.el9");
  EXPECT_EQ(f.pending[0].candidate_version, "2.11-1.el9");
  EXPECT_EQ(f.pending[0].origin, "baseos");
  EXPECT_TRUE(f.pending[0].security);
  EXPECT_EQ(f.pending[0].severity, "Important");
  EXPECT_EQ(f.pending[0].advisory_ids,
            std::vector<std::string>{"EXSA-2026:0001"});
  ASSERT_TRUE(f.pending[0].published_at.has_value());
  EXPECT_EQ(FormatRfc3339(*f.pending[0].published_at), "2026-11-20T09:00:00Z");
  // mamori-kanji: a bugfix advisory only.
  EXPECT_EQ(f.pending[1].name, "mamori-kanji");
  EXPECT_EQ(f.pending[1].installed_version, "1:0.3-2.el9");
  EXPECT_EQ(f.pending[1].candidate_version, "1:0.4-1.el9");
  EXPECT_FALSE(f.pending[1].security);
  EXPECT_EQ(f.pending[1].advisory_ids,
            std::vector<std::string>{"EXBA-2026:0002"});
  // zero-epoch: 0.9-1 is older, 1:0.5-1 wins by its epoch.
  EXPECT_EQ(f.pending[2].name, "zero-epoch");
  EXPECT_EQ(f.pending[2].installed_version, "0:1.0-1");
  EXPECT_EQ(f.pending[2].candidate_version, "1:0.5-1");
  EXPECT_FALSE(f.pending[2].security);
  EXPECT_EQ(f.pending_count, 3u);
  EXPECT_EQ(f.security_pending_count, 1u);
  ASSERT_TRUE(f.lists_refreshed_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*f.lists_refreshed_at), kRefreshed);
  // No boot time under --root.
  EXPECT_FALSE(f.reboot_required.has_value());
  EXPECT_EQ(f.automatic_updates, std::optional<bool>(false));
}

TEST(GatherDnfUpdates, EnablingTheDisabledRepoChangesTheCandidate) {
  const std::string root = FixtureCopy("dnf-extras");
  std::ofstream(root + "/etc/yum.repos.d/zz-override.repo")
      << "[extras]\nenabled=1\n";
  const UpdateFacts f = GatherUpdates(RootContext(root));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_FALSE(f.pending.empty());
  EXPECT_EQ(f.pending[0].candidate_version, "9.0-1.el9");
  EXPECT_EQ(f.pending[0].origin, "extras");
  EXPECT_EQ(f.pending[0].severity, "Critical");
  EXPECT_EQ(ToUnixSeconds(*f.lists_refreshed_at), kRefreshed + 500);
}

TEST(GatherDnfUpdates, ExcludedPackagesAreNotOffered) {
  const std::string root = FixtureCopy("dnf-exclude");
  fs::create_directories(root + "/etc/dnf");
  std::ofstream(root + "/etc/dnf/dnf.conf") << "[main]\nexclude=hello-*\n";
  std::ofstream(root + "/etc/yum.repos.d/example.repo", std::ios::trunc)
      << "[baseos]\nexcludepkgs=zero-epoch\n[extras]\nenabled=0\n";
  const UpdateFacts f = GatherUpdates(RootContext(root));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_EQ(f.pending.size(), 1u);
  EXPECT_EQ(f.pending[0].name, "mamori-kanji");
  EXPECT_EQ(f.security_pending_count, 0u);
}

TEST(GatherDnfUpdates, RevalidatedMetadataCountsAsRefreshed) {
  const std::string root = FixtureCopy("dnf-revalidated");
  // dnf found repomd.xml unchanged and touched primary (libdnf's
  // resetTimestamp).
  SetMtime(OnlyFile(root + kBaseos, "-primary.xml.gz"), kRefreshed + 60);
  const UpdateFacts f = GatherUpdates(RootContext(root));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_TRUE(f.lists_refreshed_at.has_value());
  EXPECT_EQ(ToUnixSeconds(*f.lists_refreshed_at), kRefreshed + 60);
}

TEST(GatherDnfUpdates, Dnf5CacheDirectory) {
  const std::string root = FixtureCopy("dnf5");
  fs::create_directories(root + "/var/cache/libdnf5");
  fs::rename(root + "/var/cache/dnf/baseos-91d4c263055b5917",
             root + "/var/cache/libdnf5/baseos-91d4c263055b5917");
  const UpdateFacts f = GatherUpdates(RootContext(root));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_count, 3u);
  EXPECT_EQ(f.security_pending_count, 1u);
}

TEST(GatherDnfUpdates, NoCacheAtAllIsUnknown) {
  const std::string root = FixtureCopy("dnf-nocache");
  fs::remove_all(root + "/var/cache/dnf");
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("no dnf metadata cache"), std::string::npos)
      << f.status.message;
  EXPECT_NE(f.status.message.find("baseos"), std::string::npos);
  EXPECT_TRUE(f.pending.empty());
  EXPECT_FALSE(f.lists_refreshed_at.has_value());
  // What does not need the metadata is still reported.
  EXPECT_EQ(ToUnixSeconds(*f.last_install_at), 1700000200);
}

TEST(GatherDnfUpdates, AnUncachedEnabledRepoIsAnError) {
  const std::string root = FixtureCopy("dnf-uncached");
  std::ofstream(root + "/etc/yum.repos.d/appstream.repo")
      << "[appstream]\nbaseurl=https://cdn.example.org/appstream/\n";
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("appstream"), std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.pending.empty());
  EXPECT_EQ(f.pending_count, 0u);
}

TEST(GatherDnfUpdates, CorruptPrimaryIsAnError) {
  const std::string root = FixtureCopy("dnf-corrupt");
  std::ofstream(OnlyFile(root + kBaseos, "-primary.xml.gz"),
                std::ios::binary | std::ios::trunc)
      << "<metadata><package><name>hello-tool</broken>";
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("repo baseos"), std::string::npos)
      << f.status.message;
  EXPECT_NE(f.status.message.find("primary.xml.gz"), std::string::npos);
  EXPECT_TRUE(f.pending.empty());
}

TEST(GatherDnfUpdates, MetadataFromAnotherDownloadIsAnError) {
  const std::string root = FixtureCopy("dnf-checksum");
  // Well-formed (zlib reads plain text through a .gz name) but not the file
  // repomd.xml describes: it would offer hello-tool 7.0 if it were read.
  std::ofstream(OnlyFile(root + kBaseos, "-primary.xml.gz"), std::ios::trunc)
      << "<?xml version=\"1.0\"?>\n<metadata "
         "xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"1\">"
         "<package type=\"rpm\"><name>hello-tool</name><arch>x86_64</arch>"
         "<version epoch=\"0\" ver=\"7.0\" rel=\"1\"/></package></metadata>\n";
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("does not match the checksum"),
            std::string::npos)
      << f.status.message;
  EXPECT_TRUE(f.pending.empty());
}

TEST(GatherDnfUpdates, MissingUpdateinfoNamedByRepomdIsAnError) {
  const std::string root = FixtureCopy("dnf-noupdateinfo");
  fs::remove(OnlyFile(root + kBaseos, "-updateinfo.xml.gz"));
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("updateinfo"), std::string::npos)
      << f.status.message;
}

TEST(GatherDnfUpdates, CorruptRepomdIsAnError) {
  const std::string root = FixtureCopy("dnf-badrepomd");
  std::ofstream(root + kBaseos + "/repomd.xml", std::ios::trunc)
      << "<repomd><data type=";
  SetMtime(root + kBaseos + "/repomd.xml", kRefreshed);
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("repomd.xml"), std::string::npos)
      << f.status.message;
}

TEST(GatherDnfUpdates, LinkedMetadataIsNotFollowed) {
  const std::string root = FixtureCopy("dnf-symlink");
  const std::string primary = OnlyFile(root + kBaseos, "-primary.xml.gz");
  fs::rename(primary, root + "/elsewhere.xml.gz");
  fs::create_symlink(root + "/elsewhere.xml.gz", primary);
  const UpdateFacts f = GatherUpdates(RootContext(root));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("symbolic link"), std::string::npos)
      << f.status.message;
}

TEST(ReadEnabledDnfRepos, DisabledReposAreLeftOut) {
  Result<std::vector<DnfRepoConfig>> repos =
      ReadEnabledDnfRepos(RootContext(kFixture));
  ASSERT_TRUE(repos.ok()) << repos.status().message();
  ASSERT_EQ(repos->size(), 1u);
  EXPECT_EQ((*repos)[0].id, "baseos");
  EXPECT_TRUE((*repos)[0].excludes.empty());
}

TEST(ComputeDnfPending, MissingLibraryIsUnimplemented) {
  Result<std::vector<PendingUpdate>> r =
      ComputeDnfPending({}, {}, "libmamori-no-such-solv.so.1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("libmamori-no-such-solv.so.1"),
            std::string::npos);
}

// A library that loads but is not libsolv is named with what it lacks.
TEST(ComputeDnfPending, LibraryWithoutLibsolvFunctionsNamesThem) {
  Result<std::vector<PendingUpdate>> r = ComputeDnfPending({}, {}, "libc.so.6");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(r.status().message().find("libc.so.6 lacks pool_create, "),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace mamori::facts
