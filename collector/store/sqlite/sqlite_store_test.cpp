// SQLite-only store tests: schema upgrades of existing SQLite files. The
// port's contract over both backends is collector/store/store_test.cpp.
#include "collector/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "collector/pki/crypto.h"
#include "collector/store/sqlite/core_schema.h"
#include "collector/store/sqlite/grading_schema.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/register_schema.h"

namespace mamori::store {
namespace {

constexpr int64_t kStart = 1'763'900'000;  // 2025-11-23

std::string TempDbPath() {
  std::string pattern = ::testing::TempDir() + "mamori_store_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return std::string(dir) + "/collector.db";
}

// Core migration 2 rebuilds host_packages: a database written by a collector
// that had only core v1 (with the grading module's v_packages view on top)
// keeps every link, its view and its change log working.
TEST(SqliteStoreUpgradeTest, CoreV1DatabaseKeepsItsPackages) {
  ASSERT_TRUE(pki::InitCrypto().ok());
  const std::string path = TempDbPath();
  FakeClock clock{FromUnixSeconds(kStart)};
  {
    // Core v1 shipped with grading v5 at the latest (v6 reads core v4).
    static const auto core_v1 = [] { return CoreMigrations().first(1); };
    static const auto grading_v5 = [] { return GradingMigrations().first(5); };
    static const MigrationModule kShipped[] = {
        {"core", +core_v1},
        {"register", &RegisterMigrations},
        {"grading", +grading_v5},
    };
    Result<Database> db = Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(ApplyMigrations(*db, kShipped, clock).ok());
    ASSERT_EQ(*AppliedVersion(*db, "core"), 1);
    ASSERT_TRUE(
        db->Exec(
              "INSERT INTO organizations (id, name, created_at) VALUES "
              "(1, 'acme', 0), (2, 'globex', 0);"
              "INSERT INTO hosts (id, org_id, node_key_hash, enrolled_at, "
              "first_seen, last_seen) VALUES (10, 1, '" +
              pki::Sha256Hex("key") +
              "', 0, 0, 0), (20, 2, 'x', 0, 0, 0);"
              "INSERT INTO packages (id, name, version, architecture, source, "
              "publisher) VALUES (1, 'bash', '5.2', 'amd64', "
              "'PACKAGE_SOURCE_DPKG', ''), (2, 'openssl', '3.0.1', 'amd64', "
              "'PACKAGE_SOURCE_DPKG', '');"
              "INSERT INTO host_packages (org_id, host_id, package_id, scope, "
              "install_time) VALUES (1, 10, 1, '', 100), (1, 10, 2, 'u', "
              "NULL), (2, 20, 1, '', 200);"
              "INSERT INTO host_facts (org_id, host_id, family, state, "
              "payload_json, sha256, updated_at) VALUES (1, 10, 'packages', "
              "'STATUS_OK', '{}', 'old', 0);")
            .ok());
  }
  Result<std::unique_ptr<SqliteStore>> opened = SqliteStore::Open(path, clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  SqliteStore& store = **opened;
  Result<Database> inspect = Database::Open(path, false);
  ASSERT_TRUE(inspect.ok()) << inspect.status().ToString();
  auto scalar = [&](const std::string& sql) -> std::string {
    Result<Statement> s = inspect->Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok() || !s->Step().value_or(false)) return "";
    return s->ColumnText(0);
  };
  EXPECT_EQ(*AppliedVersion(*inspect, "core"),
            static_cast<int>(CoreMigrations().size()));
  EXPECT_NE(scalar("SELECT sql FROM sqlite_master WHERE name = "
                   "'host_packages'")
                .find("WITHOUT ROWID"),
            std::string::npos);
  // Core migration 3 drops the index by package (links are probed by host).
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name = "
                   "'host_packages_package'"),
            "0");
  EXPECT_EQ(scalar("SELECT group_concat(host_id || ':' || name || ':' || "
                   "scope || ':' || coalesce(install_time, '-'), ' ') FROM "
                   "(SELECT * FROM v_packages ORDER BY host_id, name)"),
            "10:bash::100 10:openssl:u:- 20:bash::200");
  Result<std::vector<PackageRow>> acme = store.HostPackages("acme", 10);
  ASSERT_TRUE(acme.ok());
  EXPECT_EQ(acme->size(), 2u);
  Result<std::vector<PackageRow>> wrong_org = store.HostPackages("globex", 10);
  EXPECT_TRUE(!wrong_org.ok() || wrong_org->empty());

  // The next list is diffed against the migrated links.
  ReportInput r;
  r.host_id = 10;
  r.node_key_hash = pki::Sha256Hex("key");
  r.report_id = "after-upgrade";
  r.collected_at = kStart;
  const std::string json = R"({"n":1})";
  r.families.push_back(
      {"packages", "STATUS_OK", kStart, json, pki::Sha256Hex(json), nullptr});
  r.packages = {
      {"bash", "5.2", "amd64", "PACKAGE_SOURCE_DPKG", "", "", 100},
      {"openssl", "3.0.2", "amd64", "PACKAGE_SOURCE_DPKG", "", "u", 300}};
  std::vector<Result<ReportResult>> stored =
      store.StoreReports(std::span<const ReportInput>(&r, 1));
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
  EXPECT_EQ(stored[0]->outcome, ReportOutcome::kStored);
  Result<std::vector<PackageChange>> changes = store.PackageHistory("acme", 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].name, "openssl");
  EXPECT_EQ((*changes)[0].old_version, "3.0.1");
  EXPECT_EQ((*changes)[0].new_version, "3.0.2");
  EXPECT_EQ(scalar("SELECT count(*) FROM host_packages"), "3");
}

}  // namespace
}  // namespace mamori::store
