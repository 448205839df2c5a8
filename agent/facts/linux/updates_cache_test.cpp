// "Recompute only on change" for `updates`: the apt/dpkg input fingerprint,
// the cache file, and GatherUpdates reusing or recomputing over a copy of the
// fixture apt tree.
#include "agent/facts/linux/updates_cache.h"

#include <apt-pkg/cachefile.h>
#include <apt-pkg/configuration.h>
#include <apt-pkg/init.h>
#include <apt-pkg/pkgsystem.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/text.h"

namespace mamori::facts {
namespace {

namespace fs = std::filesystem;

const std::string kDebian = "tests/fixtures/linux/updates/debian";
const std::string kPackagesList =
    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-"
    "amd64_Packages";

// A private copy of the fixture apt tree plus an empty state directory.
class UpdatesCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    base_ = ::testing::TempDir() + "/updates-cache-" + name;
    fs::remove_all(base_);
    root_ = base_ + "/root";
    state_ = base_ + "/state";
    fs::create_directories(state_);
    fs::copy(kDebian, root_, fs::copy_options::recursive);
    ctx_ = RootContext(root_);
    ctx_.state_dir = state_;
  }
  void TearDown() override { fs::remove_all(base_); }

  std::string Fingerprint() {
    Result<std::string> fp = AptInputsFingerprint(ctx_);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    return fp.ok() ? *fp : "";
  }

  // Sets the file's mtime to `seconds` after the epoch.
  void SetMtime(const std::string& path, time_t seconds) {
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }

  void Append(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text;
  }

  std::string base_, root_, state_;
  GatherContext ctx_;
};

TEST_F(UpdatesCacheTest, FingerprintIsStableWhileNothingChanges) {
  const std::string a = Fingerprint();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, Fingerprint());
}

TEST_F(UpdatesCacheTest, FingerprintChangesWithAListFileMtime) {
  const std::string before = Fingerprint();
  SetMtime(root_ + kPackagesList, 1700000000);
  const std::string after = Fingerprint();
  EXPECT_NE(before, after);
  SetMtime(root_ + kPackagesList, 1700000001);
  EXPECT_NE(after, Fingerprint());
}

TEST_F(UpdatesCacheTest, FingerprintChangesWithAListFileSize) {
  const std::string path = root_ + kPackagesList;
  SetMtime(path, 1700000000);
  const std::string before = Fingerprint();
  Append(path, "\n");
  SetMtime(path, 1700000000);  // same mtime: the size alone must tell
  EXPECT_NE(before, Fingerprint());
}

TEST_F(UpdatesCacheTest, FingerprintChangesWithDpkgStatus) {
  const std::string before = Fingerprint();
  Append(root_ + "/var/lib/dpkg/status", "\n");
  EXPECT_NE(before, Fingerprint());
}

TEST_F(UpdatesCacheTest, FingerprintChangesWhenSourcesPinsOrConfigAppear) {
  std::string last = Fingerprint();
  for (const char* added :
       {"/etc/apt/sources.list.d/extra.list", "/etc/apt/preferences.d/extra",
        "/etc/apt/apt.conf.d/99extra",
        "/var/lib/apt/lists/example.org_dists_x_Release"}) {
    const fs::path path = root_ + added;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "# added\n";
    const std::string now = Fingerprint();
    EXPECT_NE(now, last) << added;
    last = now;
  }
}

TEST_F(UpdatesCacheTest, FingerprintDependsOnTheRoot) {
  const std::string here = Fingerprint();
  GatherContext other = RootContext(kDebian);
  Result<std::string> there = AptInputsFingerprint(other);
  ASSERT_TRUE(there.ok()) << there.status().message();
  EXPECT_NE(here, *there);
}

TEST_F(UpdatesCacheTest, CacheFileRoundTrips) {
  PendingCacheEntry entry;
  entry.fingerprint = std::string(64, 'a');
  entry.computed_at =
      FromUnixSeconds(1790000000) + std::chrono::microseconds(5);
  entry.result.periodic_enable = 0;
  PendingUpdate bash;
  bash.name = "bash";
  bash.installed_version = "5.2.15-2+b2";
  bash.candidate_version = "5.2.15-2+b7";
  bash.security = true;
  bash.origin = "Debian-Security bookworm-security";
  entry.result.pending.push_back(bash);
  const std::string path = PendingCachePath(state_);
  ASSERT_TRUE(StorePendingCache(path, entry).ok());
  Result<PendingCacheEntry> back = LoadPendingCache(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->fingerprint, entry.fingerprint);
  EXPECT_EQ(back->computed_at, entry.computed_at);
  EXPECT_EQ(back->result.periodic_enable, std::optional<int>(0));
  EXPECT_FALSE(back->result.unattended_upgrade.has_value());
  ASSERT_EQ(back->result.pending.size(), 1u);
  EXPECT_EQ(back->result.pending[0].name, "bash");
  EXPECT_EQ(back->result.pending[0].candidate_version, "5.2.15-2+b7");
  EXPECT_TRUE(back->result.pending[0].security);
  EXPECT_EQ(back->result.pending[0].origin,
            "Debian-Security bookworm-security");
  // No temporary file is left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(state_)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(UpdatesCacheTest, MalformedCacheFilesAreRefused) {
  const std::string fp(64, 'b');
  const std::string good =
      R"({"format":2,"fingerprint":")" + fp +
      R"(","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1,"apt_cache":"memory","pending":[]})";
  ASSERT_TRUE(ParsePendingCache(good).ok());
  for (
      const std::string& bad : std::vector<std::string>{
          std::string(""), good.substr(0, good.size() / 2), std::string("[]"),
          std::string("\xff\xfe"),
          R"({"format":1,"fingerprint":")" + fp +
              R"(","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1,"apt_cache":"memory","pending":[]})",
          R"({"format":2,"fingerprint":")" + fp +
              R"(","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1,"apt_cache":7,"pending":[]})",
          R"({"format":2,"fingerprint":"short","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1,"apt_cache":"memory","pending":[]})",
          R"({"format":2,"fingerprint":")" + fp +
              R"(","computed_at_ns":"1","periodic_enable":null,"unattended_upgrade":1,"apt_cache":"memory","pending":[]})",
          R"({"format":2,"fingerprint":")" + fp +
              R"(","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1,"apt_cache":"memory","pending":[{"name":"x"}]})",
          R"({"format":2,"fingerprint":")" + fp +
              R"(","computed_at_ns":1,"periodic_enable":null,"unattended_upgrade":1})"}) {
    EXPECT_FALSE(ParsePendingCache(bad).ok()) << bad;
  }
}

TEST_F(UpdatesCacheTest, SecondCollectionReusesTheFirst) {
  const UpdateFacts cold = GatherUpdates(ctx_);
  ASSERT_EQ(cold.status.state, CollectionState::kOk) << cold.status.message;
  EXPECT_EQ(cold.pending_source, PendingSource::kComputed);
  ASSERT_TRUE(cold.pending_computed_at.has_value());
  EXPECT_EQ(cold.pending_inputs_sha256, Fingerprint());
  ASSERT_TRUE(fs::exists(PendingCachePath(state_)));

  const UpdateFacts warm = GatherUpdates(ctx_);
  ASSERT_EQ(warm.status.state, CollectionState::kOk) << warm.status.message;
  EXPECT_EQ(warm.pending_source, PendingSource::kCached);
  EXPECT_EQ(warm.pending_computed_at, cold.pending_computed_at);
  EXPECT_EQ(warm.pending_count, cold.pending_count);
  EXPECT_EQ(warm.security_pending_count, cold.security_pending_count);
  ASSERT_EQ(warm.pending.size(), cold.pending.size());
  for (size_t i = 0; i < cold.pending.size(); ++i) {
    EXPECT_EQ(warm.pending[i].name, cold.pending[i].name);
    EXPECT_EQ(warm.pending[i].installed_version,
              cold.pending[i].installed_version);
    EXPECT_EQ(warm.pending[i].candidate_version,
              cold.pending[i].candidate_version);
    EXPECT_EQ(warm.pending[i].security, cold.pending[i].security);
    EXPECT_EQ(warm.pending[i].origin, cold.pending[i].origin);
  }
  EXPECT_EQ(warm.automatic_updates, cold.automatic_updates);
  EXPECT_EQ(warm.automatic_updates_evidence, cold.automatic_updates_evidence);
  // Read fresh every time, cached or not.
  EXPECT_EQ(warm.reboot_required, cold.reboot_required);
  EXPECT_EQ(warm.reboot_required_by, cold.reboot_required_by);
  EXPECT_EQ(warm.lists_refreshed_at, cold.lists_refreshed_at);
  EXPECT_EQ(warm.recent_installed.size(), cold.recent_installed.size());
  // The same answer as without any cache.
  const UpdateFacts fresh = GatherUpdates(RootContext(root_));
  EXPECT_EQ(fresh.pending_source, PendingSource::kComputed);
  EXPECT_TRUE(fresh.pending_inputs_sha256.empty());
  EXPECT_EQ(fresh.pending_count, warm.pending_count);
  EXPECT_EQ(fresh.security_pending_count, warm.security_pending_count);
}

TEST_F(UpdatesCacheTest, FreshSourcesAreReadEvenOnAHit) {
  ASSERT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kComputed);
  fs::remove(root_ + "/run/reboot-required");
  fs::remove(root_ + "/usr/bin/unattended-upgrade");
  const UpdateFacts warm = GatherUpdates(ctx_);
  EXPECT_EQ(warm.pending_source, PendingSource::kCached);
  EXPECT_EQ(warm.reboot_required, std::optional<bool>(false));
  EXPECT_EQ(warm.automatic_updates, std::optional<bool>(false));
  EXPECT_NE(warm.automatic_updates_evidence.find("not installed"),
            std::string::npos);
}

// apt-daily-upgrade.timer read from the tree each time: disabled or masked
// is no automatic update, no unit at all is unknown.
TEST_F(UpdatesCacheTest, TheUpgradeTimerDecidesWhetherUpdatesRun) {
  ASSERT_EQ(GatherUpdates(ctx_).automatic_updates, std::optional<bool>(true));
  const std::string wants =
      root_ + "/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer";
  fs::remove(wants);
  UpdateFacts f = GatherUpdates(ctx_);
  EXPECT_EQ(f.automatic_updates, std::optional<bool>(false))
      << f.automatic_updates_evidence;
  fs::create_symlink("/dev/null",
                     root_ + "/etc/systemd/system/apt-daily-upgrade.timer");
  f = GatherUpdates(ctx_);
  EXPECT_EQ(f.automatic_updates, std::optional<bool>(false));
  EXPECT_NE(f.automatic_updates_evidence.find("masked"), std::string::npos);
  fs::remove(root_ + "/etc/systemd/system/apt-daily-upgrade.timer");
  fs::remove(root_ + "/usr/lib/systemd/system/apt-daily-upgrade.timer");
  f = GatherUpdates(ctx_);
  EXPECT_FALSE(f.automatic_updates.has_value()) << f.automatic_updates_evidence;
}

TEST_F(UpdatesCacheTest, AMatchingCacheIsUsedWithoutRecomputing) {
  // A stored answer libapt would never give (no such package in the tree):
  // seeing it proves the hit path does not recompute.
  PendingCacheEntry entry;
  entry.fingerprint = Fingerprint();
  entry.computed_at = FromUnixSeconds(1790000000);
  PendingUpdate fake;
  fake.name = "only-in-the-cache";
  fake.installed_version = "1";
  fake.candidate_version = "2";
  entry.result.pending.push_back(fake);
  ASSERT_TRUE(StorePendingCache(PendingCachePath(state_), entry).ok());
  const UpdateFacts f = GatherUpdates(ctx_);
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_source, PendingSource::kCached);
  EXPECT_EQ(f.pending_computed_at, entry.computed_at);
  ASSERT_EQ(f.pending.size(), 1u);
  EXPECT_EQ(f.pending[0].name, "only-in-the-cache");
  EXPECT_EQ(f.pending_count, 1u);
}

TEST_F(UpdatesCacheTest, ChangedInputsAreRecomputed) {
  ASSERT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kComputed);
  ASSERT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kCached);
  // openssl's security fix gets installed: dpkg rewrites its status.
  const std::string status_path = root_ + "/var/lib/dpkg/status";
  Result<std::string> status = ReadFile(status_path);
  ASSERT_TRUE(status.ok());
  std::string text = *status;
  const std::string from = "Version: 3.0.11-1~deb12u1";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "Version: 3.0.13-1~deb12u1");
  std::ofstream(status_path, std::ios::trunc) << text;

  const UpdateFacts after = GatherUpdates(ctx_);
  ASSERT_EQ(after.status.state, CollectionState::kOk) << after.status.message;
  EXPECT_EQ(after.pending_source, PendingSource::kComputed);
  EXPECT_EQ(after.pending_count, 3u);
  EXPECT_EQ(after.security_pending_count, 0u);
  EXPECT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kCached);
}

TEST_F(UpdatesCacheTest, CorruptCacheIsRecomputedAndReplaced) {
  const std::string path = PendingCachePath(state_);
  const UpdateFacts cold = GatherUpdates(ctx_);
  Result<std::string> good = ReadFile(path);
  ASSERT_TRUE(good.ok());
  // Truncated mid-write by something else, with the fingerprint still right.
  std::ofstream(path, std::ios::trunc) << good->substr(0, good->size() - 20);
  const UpdateFacts f = GatherUpdates(ctx_);
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_source, PendingSource::kComputed);
  EXPECT_EQ(f.pending_count, cold.pending_count);
  EXPECT_TRUE(LoadPendingCache(path).ok());
  EXPECT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kCached);
}

TEST_F(UpdatesCacheTest, UnwritableStateStillGathers) {
  ctx_.state_dir = base_ + "/no-such-dir";
  const UpdateFacts f = GatherUpdates(ctx_);
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_source, PendingSource::kComputed);
  EXPECT_EQ(f.pending_count, 4u);
  EXPECT_EQ(GatherUpdates(ctx_).pending_source, PendingSource::kComputed);
}

// --- The system's pkgcache.bin: used only when current. ---

// Leaves <root>/var/cache/apt/pkgcache.bin as apt-get would (built by
// libapt-pkg itself from the tree's sources, lists and status) and enables it
// in the tree's apt.conf.d.
void WriteSystemAptCache(const std::string& root) {
  fs::create_directories(root + "/var/cache/apt");
  std::ofstream(root + "/etc/apt/apt.conf.d/50pkgcache")
      << "Dir::Cache::pkgcache \"pkgcache.bin\";\n";
  _config->Clear();
  _config->Set("Dir", fs::absolute(root).string() + "/");
  ASSERT_TRUE(pkgInitConfig(*_config));
  _config->Set("Dir::Cache::srcpkgcache", "");
  ASSERT_TRUE(pkgInitSystem(*_config, _system));
  {
    pkgCacheFile cache_file;
    ASSERT_TRUE(cache_file.BuildCaches(nullptr, false));
  }
  _config->Clear();
  ASSERT_TRUE(fs::exists(root + "/var/cache/apt/pkgcache.bin"));
}

// Rewrites openssl's installed version in the dpkg status (same length, as
// dpkg does after installing the security fix) and moves its mtime on, so
// the cache built before no longer matches.
void InstallOpensslFix(const std::string& root) {
  const std::string path = root + "/var/lib/dpkg/status";
  Result<std::string> status = ReadFile(path);
  ASSERT_TRUE(status.ok());
  std::string text = *status;
  const std::string from = "Version: 3.0.11-1~deb12u1";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "Version: 3.0.13-1~deb12u1");
  std::ofstream(path, std::ios::trunc) << text;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const struct timespec later[2] = {{st.st_mtim.tv_sec + 10, 0},
                                    {st.st_mtim.tv_sec + 10, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), later, 0), 0);
}

TEST_F(UpdatesCacheTest, WithoutPkgcacheBinTheCacheIsBuiltInMemory) {
  const UpdateFacts f = GatherUpdates(RootContext(root_));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_apt_cache, "memory");
  EXPECT_FALSE(fs::exists(root_ + "/var/cache/apt/pkgcache.bin"));
}

TEST_F(UpdatesCacheTest, ACurrentPkgcacheBinIsUsed) {
  const UpdateFacts in_memory = GatherUpdates(RootContext(root_));
  WriteSystemAptCache(root_);
  const auto written =
      fs::last_write_time(root_ + "/var/cache/apt/pkgcache.bin");
  const UpdateFacts f = GatherUpdates(RootContext(root_));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_apt_cache, "pkgcache.bin");
  EXPECT_EQ(f.pending_count, 4u);
  EXPECT_EQ(f.security_pending_count, 1u);
  ASSERT_EQ(f.pending.size(), in_memory.pending.size());
  for (size_t i = 0; i < f.pending.size(); ++i) {
    EXPECT_EQ(f.pending[i].name, in_memory.pending[i].name);
    EXPECT_EQ(f.pending[i].candidate_version,
              in_memory.pending[i].candidate_version);
    EXPECT_EQ(f.pending[i].security, in_memory.pending[i].security);
    EXPECT_EQ(f.pending[i].origin, in_memory.pending[i].origin);
  }
  // Read, never rewritten.
  EXPECT_EQ(fs::last_write_time(root_ + "/var/cache/apt/pkgcache.bin"),
            written);
}

TEST_F(UpdatesCacheTest, AStalePkgcacheBinIsNotTrusted) {
  WriteSystemAptCache(root_);
  InstallOpensslFix(root_);
  const UpdateFacts f = GatherUpdates(RootContext(root_));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_apt_cache, "memory");
  // The stale cache still has openssl 3.0.11 installed (4 pending, 1
  // security); the truth is 3 and 0.
  EXPECT_EQ(f.pending_count, 3u);
  EXPECT_EQ(f.security_pending_count, 0u);
}

TEST_F(UpdatesCacheTest, APkgcacheBinMissingAListIsNotTrusted) {
  WriteSystemAptCache(root_);
  // The point-release list changed after the cache was built.
  const std::string list = root_ + kPackagesList;
  Append(list, "\n");
  SetMtime(list, 1700000000);
  const UpdateFacts f = GatherUpdates(RootContext(root_));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.pending_apt_cache, "memory");
  EXPECT_EQ(f.pending_count, 4u);
}

TEST_F(UpdatesCacheTest, TheCachedAnswerKeepsWhereAptsCacheCameFrom) {
  WriteSystemAptCache(root_);
  const UpdateFacts cold = GatherUpdates(ctx_);
  EXPECT_EQ(cold.pending_apt_cache, "pkgcache.bin");
  const UpdateFacts warm = GatherUpdates(ctx_);
  EXPECT_EQ(warm.pending_source, PendingSource::kCached);
  EXPECT_EQ(warm.pending_apt_cache, "pkgcache.bin");
}

}  // namespace
}  // namespace mamori::facts
