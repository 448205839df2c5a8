// MigrateSqliteToPostgres on a real SQLite file and a real PostgreSQL
// database (skipped without MAMORI_TEST_PG_URL; scripts/test.sh's postgres
// step runs it): rows and ids arrive unchanged, sequences go on after them,
// and a copy that fails half-way leaves the target empty.
#include "collector/store/migrate.h"

#include <gtest/gtest.h>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using testing::Backend;
using testing::TestDatabase;

class MigratePostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (!testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    auto source = TestDatabase::Create(Backend::kSqlite);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    source_ = std::move(source).value();
    auto target = TestDatabase::Create(Backend::kPostgres);
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    target_ = std::move(target).value();
    auto store = OpenStore(source_->url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    // Ids with gaps, and a name hostile to SQL and COPY alike.
    for (const std::string name :
         {"acme", "gone", "x'); DROP TABLE hosts; --\t\\N\n\\"}) {
      ASSERT_TRUE((*store)->CreateOrg({name, "", std::nullopt, ""}).ok());
    }
    ASSERT_TRUE(
        source_->Query("DELETE FROM organizations WHERE name = 'gone'").ok());
    auto token = (*store)->CreateToken({"acme", std::nullopt, std::nullopt});
    ASSERT_TRUE(token.ok());
    EnrollInput in;
    in.token = token->token;
    in.identity = {
        "PC-01", "machine-1", "uuid-1", "SN-1", {"00:14:22:0a:0b:01"}};
    in.node_key_hash = pki::Sha256Hex("key-1");
    auto enrolled = (*store)->Enroll(in);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    host_id_ = enrolled->host_id;
    ReportInput r;
    r.host_id = host_id_;
    r.node_key_hash = in.node_key_hash;
    r.report_id = "r-1";
    r.collected_at = ToUnixSeconds(clock_.Now());
    const std::string system = R"({"hostname":"PC-01","note":"\u0000"})";
    r.families.push_back({"system", "STATUS_OK", r.collected_at, system,
                          pki::Sha256Hex(system)});
    // The devices' tables (kept by triggers on both backends) and a mark
    // with its console_audit row.
    const std::string neighbours =
        R"({"neighbours":[{"ip":"192.168.1.50","mac":"00:14:22:99:99:99"}]})";
    r.families.push_back({"neighbours", "STATUS_OK", r.collected_at, neighbours,
                          pki::Sha256Hex(neighbours)});
    auto stored = (*store)->StoreReports(std::span<const ReportInput>(&r, 1));
    ASSERT_TRUE(stored[0].ok()) << stored[0].status().ToString();
    auto devices = OpenDeviceStore(source_->url());
    ASSERT_TRUE(devices.ok()) << devices.status().ToString();
    ASSERT_TRUE((*devices)
                    ->MarkDevice(1, {"00:14:22:99:99:99", "not_pc", "nas", ""},
                                 {"cli:admin", "cli"}, clock_.Now())
                    .ok());
  }

  int64_t Target(const std::string& sql) {
    auto n = target_->Scalar(sql);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  std::string SourcePath() const { return source_->url().substr(7); }

  FakeClock clock_{FromUnixSeconds(1'795'392'000)};
  std::unique_ptr<TestDatabase> source_;
  std::unique_ptr<TestDatabase> target_;
  int64_t host_id_ = 0;
};

TEST_F(MigratePostgresTest, CopiesRowsAndIdsAndSequencesGoOn) {
  // A sighting's addresses as the source holds them, which the target's
  // triggers would rewrite from the payload if they ran during the copy.
  ASSERT_TRUE(
      source_->Query("UPDATE device_sightings SET ips = '10.0.0.9'").ok());
  auto done = MigrateSqliteToPostgres(SourcePath(), target_->url(), {}, clock_);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(
      target_->ScalarText("SELECT ips FROM device_sightings").value_or(""),
      "10.0.0.9");
  bool saw_hosts = false;
  for (const MigratedTable& t : done->copied) {
    EXPECT_EQ(t.source_rows, t.target_rows) << t.table;
    saw_hosts = saw_hosts || t.table == "hosts";
  }
  EXPECT_TRUE(saw_hosts);
  EXPECT_EQ(Target("SELECT count(*) FROM organizations"), 2);
  EXPECT_EQ(Target("SELECT id FROM organizations WHERE name LIKE 'x%'"), 3);
  EXPECT_EQ(target_->ScalarText("SELECT name FROM organizations WHERE id = 3")
                .value_or(""),
            "x'); DROP TABLE hosts; --\t\\N\n\\");
  EXPECT_EQ(Target("SELECT id FROM hosts"), host_id_);
  EXPECT_EQ(target_->ScalarText("SELECT node_key_hash FROM hosts").value_or(""),
            pki::Sha256Hex("key-1"));
  // jsonb cannot hold U+0000: it arrives as U+FFFD, as the store writes it.
  EXPECT_EQ(target_
                ->ScalarText("SELECT payload_json ->> 'note' FROM host_facts "
                             "WHERE family = 'system'")
                .value_or(""),
            "\xEF\xBF\xBD");
  // The devices' tables arrive as SQLite kept them, once (the target's
  // triggers did not write them again), and the triggers work afterwards.
  for (const char* table : {"device_sightings", "device_enrolled_macs",
                            "device_marks", "console_audit"}) {
    EXPECT_EQ(Target(std::string("SELECT count(*) FROM ") + table),
              source_->Scalar(std::string("SELECT count(*) FROM ") + table)
                  .value_or(-1))
        << table;
    EXPECT_GT(Target(std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
  auto devices = OpenDeviceStore(target_->url());
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  auto listed = (*devices)->ListDevices(1, {});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].mac, "00:14:22:99:99:99");
  EXPECT_EQ((*listed)[0].mark_kind, "nas");
  ASSERT_TRUE(
      target_
          ->Query("UPDATE host_facts SET payload_json = '{\"neighbours\":"
                  "[{\"mac\":\"00:80:77:12:34:56\"}]}' "
                  "WHERE family = 'neighbours'")
          .ok());
  EXPECT_EQ(Target("SELECT count(*) FROM device_sightings"), 2);
  // The store goes on after the ids copied.
  auto store = OpenStore(target_->url(), clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto created = (*store)->CreateOrg({"new", "", std::nullopt, ""});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->id, 4);
}

TEST_F(MigratePostgresTest, AFailureHalfWayLeavesTheTargetEmpty) {
  // A row PostgreSQL refuses, in a table copied after the organisations
  // and hosts: the payload is not JSON.
  ASSERT_TRUE(
      source_->Query("UPDATE host_facts SET payload_json = 'not json'").ok());
  auto done = MigrateSqliteToPostgres(SourcePath(), target_->url(), {}, clock_);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.status().message().find("host_facts"), std::string::npos)
      << done.status().ToString();
  EXPECT_EQ(Target("SELECT count(*) FROM organizations"), 0);
  EXPECT_EQ(Target("SELECT count(*) FROM hosts"), 0);
  EXPECT_EQ(Target("SELECT count(*) FROM tokens"), 0);
}

TEST_F(MigratePostgresTest, RefusesWhatItCannotCopySafely) {
  // A non-empty target, unless told to replace.
  ASSERT_TRUE(
      MigrateSqliteToPostgres(SourcePath(), target_->url(), {}, clock_).ok());
  auto again =
      MigrateSqliteToPostgres(SourcePath(), target_->url(), {}, clock_);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  MigrateOptions replace;
  replace.replace = true;
  auto replaced =
      MigrateSqliteToPostgres(SourcePath(), target_->url(), replace, clock_);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(Target("SELECT count(*) FROM organizations"), 2);

  // A source written by a newer collector.
  ASSERT_TRUE(source_
                  ->Query("INSERT INTO schema_migrations VALUES "
                          "('core', 999, 0)")
                  .ok());
  auto newer =
      MigrateSqliteToPostgres(SourcePath(), target_->url(), replace, clock_);
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("newer"), std::string::npos);

  EXPECT_EQ(MigrateSqliteToPostgres("/nonexistent/collector.db", target_->url(),
                                    {}, clock_)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(MigrateSqliteToPostgres(SourcePath(), "mysql://x", {}, clock_)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mamori::store
