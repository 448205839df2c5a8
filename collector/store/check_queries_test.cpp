// The check-query port (store/check_queries.h) over both backends
// (Backends/*): the shape Describe reports, the sandbox (only the fact views
// and reference tables, only the organisation's rows, reads only, one
// statement, a time limit) and, on PostgreSQL, the refusals its own sandbox
// adds (functions outside the dialect, catalogue tables). The PostgreSQL
// cases skip without MAMORI_TEST_PG_URL (scripts/test.sh sets it).
#include "collector/store/check_queries.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "collector/store/grading_port.h"
#include "collector/store/open_store.h"
#include "collector/store/postgres/pg_check_queries.h"
#include "collector/store/testing/test_database.h"
#include "common/clock.h"

namespace mamori::store {
namespace {

using testing::Backend;
using testing::TestDatabase;

class CheckQueriesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/test.sh sets it)";
    }
    auto db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto store = OpenStore(db_->url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    for (const char* org : {"acme", "other"}) {
      auto created = store_->CreateOrg({org, "", std::nullopt, ""});
      ASSERT_TRUE(created.ok()) << created.status().ToString();
      auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
      ASSERT_TRUE(token.ok());
      EnrollInput in;
      in.token = token->token;
      in.identity.hostname = std::string("host-") + org;
      in.identity.machine_id = std::string("m-") + org;
      in.node_key_hash = std::string("k-") + org;
      auto enrolled = store_->Enroll(in);
      ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
      org_ids_.push_back(created->id);
    }
    auto grading = store_->OpenGrading();
    ASSERT_TRUE(grading.ok()) << grading.status().ToString();
    grading_ = std::move(*grading);
  }

  CheckQueries& q() { return grading_->check_queries(); }
  bool OnSqlite() const { return GetParam() == Backend::kSqlite; }

  // The refusal Describe gives for `sql` (OK when it prepared).
  Status Refusal(const std::string& sql) {
    auto shape = q().Describe("k" + std::to_string(++key_), sql);
    return shape.status();
  }

  // hostname of every row `sql` returns for organisation `org_id`.
  std::vector<std::string> Hostnames(const std::string& sql, int64_t org_id) {
    const std::string key = "k" + std::to_string(++key_);
    auto shape = q().Describe(key, sql);
    EXPECT_TRUE(shape.ok()) << shape.status().ToString();
    std::vector<QueryValue> values;
    if (shape.ok()) {
      for (size_t i = 0; i < shape->parameters.size(); ++i) {
        values.emplace_back(org_id);
      }
    }
    std::vector<std::string> out;
    Status ran = q().Run(key, sql, org_id, values, [&](const QueryRow& row) {
      out.push_back(row.Text(0));
    });
    EXPECT_TRUE(ran.ok()) << ran.ToString();
    return out;
  }

  FakeClock clock_{FromUnixSeconds(1795132800)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<GradingPort> grading_;
  std::vector<int64_t> org_ids_;
  int key_ = 0;
};

TEST_P(CheckQueriesTest, DescribeNamesColumnsAndParametersInOrder) {
  auto shape = q().Describe(
      "shape",
      "SELECT host_id, 'pass' AS status, hostname AS name FROM v_hosts\n"
      "WHERE org_id = :org_id AND (last_seen > :now - :max_age OR :now = 0)\n"
      "  AND hostname <> ':not_a_parameter' -- :nor_this\n");
  ASSERT_TRUE(shape.ok()) << shape.status().ToString();
  EXPECT_EQ(shape->columns,
            (std::vector<std::string>{"host_id", "status", "name"}));
  EXPECT_EQ(shape->parameters,
            (std::vector<std::string>{"org_id", "now", "max_age"}));
}

TEST_P(CheckQueriesTest, RowsAreTheOrganisationsWhateverTheQuerySays) {
  const std::string sql =
      "SELECT hostname FROM v_hosts WHERE org_id = :org_id OR 1 = 1";
  EXPECT_EQ(Hostnames(sql, org_ids_[0]), std::vector<std::string>{"host-acme"});
  EXPECT_EQ(Hostnames(sql, org_ids_[1]),
            std::vector<std::string>{"host-other"});
  // A subquery and a join see the same narrowed views.
  EXPECT_EQ(Hostnames("SELECT CAST((SELECT count(*) FROM v_hosts) AS TEXT) "
                      "FROM v_hosts h JOIN v_hosts g ON g.host_id = h.host_id "
                      "WHERE h.org_id = :org_id OR 1 = 1",
                      org_ids_[1]),
            std::vector<std::string>{"1"});
}

TEST_P(CheckQueriesTest, ReadsOutsideTheViewsAreRefusedWhenPrepared) {
  for (const std::string sql : {
           "SELECT id AS host_id FROM hosts WHERE org_id = :org_id",
           "SELECT host_id FROM v_hosts, (SELECT max(prefix) AS n FROM tokens) "
           "t WHERE org_id = :org_id",
           "SELECT host_id FROM v_hosts WHERE org_id = :org_id AND EXISTS "
           "(SELECT family FROM host_facts WHERE family = 'x')",
       }) {
    Status st = Refusal(sql);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << sql;
    EXPECT_NE(st.message().find("not a fact view"), std::string::npos)
        << st.message();
  }
  // Reference tables are readable, their row counts included.
  for (const std::string sql : {"SELECT count(*) FROM grading_end_of_support",
                                "SELECT id, name FROM packages"}) {
    Status st = Refusal(sql);
    EXPECT_TRUE(st.ok()) << sql << ": " << st.ToString();
  }
  // Another table's row count is every organisation's: refused, a common
  // table expression's count is the query's own.
  for (const std::string sql :
       {"SELECT count(*) AS n FROM tokens",
        "SELECT host_id FROM v_hosts WHERE EXISTS (SELECT 1 FROM host_facts)",
        "SELECT host_id FROM v_hosts, (SELECT count(*) AS n FROM \"hosts\") "
        "x"}) {
    Status st = Refusal(sql);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << sql;
  }
  {
    Status st = Refusal(
        "WITH mine AS (SELECT host_id FROM v_hosts) SELECT count(*) FROM mine");
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
}

TEST_P(CheckQueriesTest, WritesAndSeveralStatementsAreRefused) {
  Status write = Refusal("DELETE FROM v_hosts WHERE org_id = :org_id");
  EXPECT_EQ(write.code(), StatusCode::kInvalidArgument) << write.ToString();
  Status two = Refusal("SELECT 1; SELECT 2");
  EXPECT_EQ(two.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two.message().find("single statement"), std::string::npos)
      << two.message();
}

// A collector stopping interrupts the check its grading thread waits on
// (issue #17): from another thread, the running query ends with CANCELLED
// long before its time limit, and the connection stays usable.
TEST_P(CheckQueriesTest, InterruptStopsTheRunningQueryFromAnotherThread) {
  q().SetTimeLimit(std::chrono::milliseconds(120'000));
  const std::string sql =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
      "SELECT max(x) FROM c WHERE :org_id > 0";
  ASSERT_TRUE(q().Describe("runaway", sql).ok());
  std::vector<QueryValue> values{int64_t{org_ids_[0]}};
  // Interrupts before the query starts change nothing; one that comes
  // while it runs stops it. Repeated until Run returns.
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done) {
      q().Interrupt();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  Status st =
      q().Run("runaway", sql, org_ids_[0], values, [](const QueryRow&) {});
  done = true;
  interrupter.join();
  EXPECT_EQ(st.code(), StatusCode::kCancelled) << st.ToString();
  EXPECT_EQ(Hostnames("SELECT hostname FROM v_hosts", org_ids_[0]),
            std::vector<std::string>{"host-acme"});
}

TEST_P(CheckQueriesTest, TimeLimitStopsARunawayQuery) {
  q().SetTimeLimit(std::chrono::milliseconds(300));
  const std::string sql =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
      "SELECT max(x) FROM c WHERE :org_id > 0";
  ASSERT_TRUE(q().Describe("runaway", sql).ok());
  std::vector<QueryValue> values{int64_t{org_ids_[0]}};
  Status st =
      q().Run("runaway", sql, org_ids_[0], values, [](const QueryRow&) {});
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_NE(st.message().find("time limit"), std::string::npos);
  // The connection is usable afterwards.
  EXPECT_EQ(Hostnames("SELECT hostname FROM v_hosts", org_ids_[0]),
            std::vector<std::string>{"host-acme"});
}

// PostgreSQL grants EXECUTE on set_config, query_to_xml, pg_* … to every
// role; through them a query could leave the sandbox's role or its
// organisation. The PostgreSQL sandbox refuses calls outside the dialect.
TEST_P(CheckQueriesTest, PostgresRefusesCallsAndCataloguesOutsideTheDialect) {
  if (OnSqlite()) GTEST_SKIP() << "PostgreSQL's own sandbox";
  for (const std::string sql : {
           "SELECT set_config('role', 'none', true), host_id FROM v_hosts",
           "SELECT query_to_xml('select * from hosts', true, false, '') AS x",
           "SELECT pg_sleep(1)",
           "SELECT host_id FROM v_hosts WHERE org_id = pg_catalog.abs(1)",
           "SELECT \"set_config\"('a', 'b', true)",
           "SELECT $$x$$",
       }) {
    Status st = Refusal(sql);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << sql;
  }
  Status catalogue = Refusal("SELECT count(*) AS n FROM pg_authid");
  EXPECT_NE(catalogue.message().find("reads pg_authid"), std::string::npos)
      << catalogue.ToString();
  // Names before '(' that are not calls: a WITH query's columns, an alias's.
  EXPECT_TRUE(Refusal("WITH c(x) AS (SELECT 1) SELECT x FROM c").ok());
  EXPECT_TRUE(Refusal("SELECT t.a FROM (SELECT 1) AS t(a)").ok());
  EXPECT_TRUE(
      Refusal("WITH m AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM m").ok());
}

TEST(TranslateCheckQuery, NamedParametersBecomeNumbersOutsideLiterals) {
  auto t = pg::TranslateCheckQuery(
      "SELECT ':x', \":y\" FROM v /* :z */ WHERE a = :a AND b = :b -- :c\n"
      "AND c = :a AND d = CAST(e AS TEXT)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->sql,
            "SELECT ':x', \":y\" FROM v /* :z */ WHERE a = $1 AND b = $2 -- "
            ":c\nAND c = $1 AND d = CAST(e AS TEXT)");
  EXPECT_EQ(t->parameters, (std::vector<std::string>{"a", "b"}));
  auto positional = pg::TranslateCheckQuery("SELECT ? , $1");
  ASSERT_TRUE(positional.ok());
  EXPECT_EQ(positional->parameters, (std::vector<std::string>{"", ""}));
  EXPECT_FALSE(pg::TranslateCheckQuery("SELECT 'open").ok());
  EXPECT_FALSE(pg::TranslateCheckQuery("SELECT 1 /* open").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckQueriesTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
