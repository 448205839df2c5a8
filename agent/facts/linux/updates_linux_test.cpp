// The Linux `updates` gatherer over a fixture apt/dpkg tree (--root), with
// real libapt-pkg policy: pins, several suites, a security suite.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "agent/facts/linux/update_runs_linux.h"
#include "agent/facts/updates.h"

namespace mamori::facts {
namespace {

const std::string kDebian = "tests/fixtures/linux/updates/debian";

const PendingUpdate* Find(const UpdateFacts& f, const std::string& name) {
  for (const PendingUpdate& u : f.pending) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

TEST(GatherUpdatesRoot, CandidatesAsAptComputesThem) {
  const UpdateFacts f = GatherUpdates(RootContext(kDebian));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.method, UpdateMethod::kLibapt);
  // bash (point release), openssl (security), tzdata (-updates), zlib1g
  // (point release newer than the security version). Not: libc6 (current),
  // vim (pinned to the installed version), localtool (in no list).
  ASSERT_EQ(f.pending_count, 4u);
  ASSERT_EQ(f.pending.size(), 4u);
  EXPECT_EQ(f.pending[0].name, "bash");
  EXPECT_EQ(f.security_pending_count, 1u);

  const PendingUpdate* openssl = Find(f, "openssl");
  ASSERT_NE(openssl, nullptr);
  EXPECT_TRUE(openssl->security);
  EXPECT_EQ(openssl->installed_version, "3.0.11-1~deb12u1");
  EXPECT_EQ(openssl->candidate_version, "3.0.13-1~deb12u1");
  EXPECT_EQ(openssl->origin, "Debian-Security bookworm-security");

  const PendingUpdate* tzdata = Find(f, "tzdata");
  ASSERT_NE(tzdata, nullptr);
  EXPECT_FALSE(tzdata->security);
  EXPECT_EQ(tzdata->candidate_version, "2024b-0+deb12u1");
  EXPECT_EQ(tzdata->origin, "Debian bookworm-updates");

  // The candidate comes from the point release, so it is not a security
  // update even though -security has a (lower) fixed version.
  const PendingUpdate* zlib = Find(f, "zlib1g");
  ASSERT_NE(zlib, nullptr);
  EXPECT_FALSE(zlib->security);
  EXPECT_EQ(zlib->candidate_version, "1:1.2.13.dfsg-1+deb12u2");

  EXPECT_EQ(Find(f, "vim"), nullptr);
  EXPECT_EQ(Find(f, "libc6"), nullptr);
  EXPECT_EQ(Find(f, "localtool"), nullptr);
}

TEST(GatherUpdatesRoot, AutomaticUpdatesRebootAndHistory) {
  const UpdateFacts f = GatherUpdates(RootContext(kDebian));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_TRUE(f.automatic_updates.has_value());
  EXPECT_TRUE(*f.automatic_updates);
  EXPECT_EQ(
      f.automatic_updates_evidence,
      "APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed; "
      "apt-daily-upgrade.timer enabled");
  ASSERT_TRUE(f.reboot_required.has_value());
  EXPECT_TRUE(*f.reboot_required);
  EXPECT_EQ(f.reboot_required_by,
            (std::vector<std::string>{"libc6", "linux-image-6.1.0-18-amd64"}));
  ASSERT_EQ(f.recent_installed.size(), 2u);
  EXPECT_EQ(f.recent_installed[1].id, "openssl:amd64");
  EXPECT_EQ(f.recent_installed[1].title, "openssl:amd64 3.0.11-1~deb12u1");
  EXPECT_TRUE(f.last_install_at.has_value());
  EXPECT_TRUE(f.lists_refreshed_at.has_value());
}

// The fixture's newest log entry is a one-package install (tzdata) and the
// newest dist-upgrade failed; the complete run is in a gzip'ed rotation.
TEST(GatherUpdatesRoot, LastCompleteRunIsNotLastInstall) {
  const UpdateFacts f = GatherUpdates(RootContext(kDebian));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_TRUE(f.last_complete_update_at.has_value())
      << f.last_complete_update_evidence;
  EXPECT_EQ(*f.last_complete_update_at,
            *LocalCivilToUtc("2026-10-01 03:00:10"));
  EXPECT_EQ(f.last_complete_update_evidence,
            "/var/log/apt/history.log.2.gz: apt-get -y dist-upgrade");
}

TEST(GatherUpdatesRoot, CompleteRunInTheFutureIsNotEvidence) {
  // A clock set before every run in the fixture: each is "in the future".
  FakeClock clock(FromUnixSeconds(1'600'000'000));
  const UpdateFacts f = GatherUpdates(RootContext(kDebian, &clock));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_FALSE(f.last_complete_update_at.has_value());
  EXPECT_NE(f.last_complete_update_evidence.find("in the future"),
            std::string::npos)
      << f.last_complete_update_evidence;
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(
      deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(ReadLogFile, InflatesWithinABoundOnly) {
  const std::string dir = ::testing::TempDir();
  const std::string ok = dir + "/small.log.gz";
  std::ofstream(ok, std::ios::binary) << Gzip("hello\n");
  Result<std::string> text = ReadLogFile(ok, 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "hello\n");

  // A gzip bomb: 64 MiB of zeros in ≈64 KiB, read with a 1 MiB bound.
  const std::string bomb = dir + "/bomb.log.gz";
  std::ofstream(bomb, std::ios::binary) << Gzip(std::string(64 << 20, '\0'));
  Result<std::string> refused = ReadLogFile(bomb, 1 << 20);
  EXPECT_EQ(refused.status().code(), StatusCode::kOutOfRange);

  const std::string junk = dir + "/junk.log.gz";
  std::ofstream(junk, std::ios::binary) << "not gzip at all";
  EXPECT_EQ(ReadLogFile(junk, 1 << 20).status().code(),
            StatusCode::kInvalidArgument);
  const std::string cut = dir + "/cut.log.gz";
  std::ofstream(cut, std::ios::binary)
      << Gzip(std::string(4096, 'x')).substr(0, 20);
  EXPECT_FALSE(ReadLogFile(cut, 1 << 20).ok());
}

// dnf 4's history database, read through the dlopen()ed libsqlite3.
TEST(ReadCompleteDnfRun, NewestFinishedUpgradeTransaction) {
  const std::string root = ::testing::TempDir() + "/dnf-history-root";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root + "/var/lib/dnf");
  const std::string db_path = root + "/var/lib/dnf/history.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  // The columns libdnf's history database has (SWDB schema 1.2).
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE trans (id INTEGER PRIMARY KEY, "
                         "dt_begin INTEGER NOT NULL, dt_end INTEGER, "
                         "rpmdb_version_begin TEXT, rpmdb_version_end TEXT, "
                         "releasever TEXT NOT NULL, user_id INTEGER NOT NULL, "
                         "cmdline TEXT, state INTEGER NOT NULL, comment TEXT);"
                         "INSERT INTO trans VALUES "
                         "(1, 1790000000, 1790000100, '', '', '9', 0, "
                         "'upgrade -y', 1, ''),"
                         "(2, 1795000000, 1795000100, '', '', '9', 0, "
                         "'install vim', 1, ''),"
                         "(3, 1796000000, 1796000100, '', '', '9', 0, "
                         "'upgrade -y', 2, ''),"
                         "(4, 1792000000, 1792000100, '', '', '9', 0, "
                         "'-y update --security', 1, '');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  FakeClock clock(FromUnixSeconds(1'796'083'200));
  UpdateFacts f;
  ReadCompleteDnfRun(RootContext(root, &clock), &f);
  ASSERT_TRUE(f.last_complete_update_at.has_value())
      << f.last_complete_update_evidence;
  EXPECT_EQ(*f.last_complete_update_at, FromUnixSeconds(1'792'000'100));
  EXPECT_EQ(f.last_complete_update_evidence,
            "/var/lib/dnf/history.sqlite: transaction 4 (dnf -y update "
            "--security)");

  // Not a database: no time, and the reason.
  std::ofstream(db_path, std::ios::trunc) << "garbage, not SQLite";
  UpdateFacts broken;
  ReadCompleteDnfRun(RootContext(root, &clock), &broken);
  EXPECT_FALSE(broken.last_complete_update_at.has_value());
  EXPECT_NE(broken.last_complete_update_evidence.find("history.sqlite"),
            std::string::npos)
      << broken.last_complete_update_evidence;
}

TEST(GatherUpdatesRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-updates-root";
  ::mkdir(empty.c_str(), 0755);
  const UpdateFacts f = GatherUpdates(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_TRUE(f.pending.empty());
  EXPECT_FALSE(f.reboot_required.has_value());
}

TEST(GatherUpdatesRoot, RpmTreeSaysDnfIsUnsupported) {
  const UpdateFacts f =
      GatherUpdates(RootContext("tests/fixtures/linux/packages/rhel"));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("dnf"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
