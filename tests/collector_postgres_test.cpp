// Stateless collectors on PostgreSQL (issue #17), as processes: `init
// --store` on a fresh database, two `serve --store` processes on it sharing
// one data directory's keys, agents enrolled on one and reporting to both.
// Every report is delivered to both collectors at once: each is stored
// exactly once (the other collector answers duplicate), and after one
// collector is killed with SIGKILL, delivering everything again to the
// survivor stores nothing twice. Skipped without MAMORI_TEST_PG_URL
// (scripts/test.sh runs it under scripts/pg-cluster.sh).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "collector/store/testing/test_database.h"
#include "common/text.h"
#include "tests/collector_harness.h"

namespace mamori::testing {
namespace {

using store::testing::Backend;
using store::testing::TestDatabase;
using v1::ReportResponse;

// Runs the collector binary to completion; returns its exit code, with its
// standard output in `*out` (when given).
int RunCli(const std::vector<std::string>& args, std::string* out = nullptr) {
  const std::string path = MakeTempDir("pg_cli") + "/out";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string bin = MAMORI_COLLECTOR_BIN;
    argv.push_back(bin.data());
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (out != nullptr) *out = ReadFile(path).value_or("");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A `serve --store URL` process on port 0 (the data directory's SQLite
// database when `url` is empty).
class Collector {
 public:
  Collector(const std::string& data_dir, const std::string& url, int n) {
    const std::string dir = MakeTempDir("pg_serve");
    const std::string port_file = dir + "/port";
    log_ = dir + "/serve-" + std::to_string(n) + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(log, 1);
      dup2(log, 2);
      if (url.empty()) {
        execl(MAMORI_COLLECTOR_BIN, MAMORI_COLLECTOR_BIN, "serve", "--data",
              data_dir.c_str(), "--grpc", "127.0.0.1:0", "--port-file",
              port_file.c_str(), static_cast<char*>(nullptr));
      } else {
        execl(MAMORI_COLLECTOR_BIN, MAMORI_COLLECTOR_BIN, "serve", "--data",
              data_dir.c_str(), "--store", url.c_str(), "--grpc", "127.0.0.1:0",
              "--port-file", port_file.c_str(), static_cast<char*>(nullptr));
      }
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      Result<std::string> text = ReadFile(port_file);
      if (text.ok()) {
        port_ = static_cast<int>(ParseInt64(Trim(*text)).value_or(0));
      }
      if (port_ == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(port_, 0) << "serve did not start; log:\n" << log();
  }
  ~Collector() {
    if (pid_ > 0) Stop(SIGKILL);
  }
  int port() const { return port_; }
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string log() const { return ReadFile(log_).value_or(""); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class CollectorPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!store::testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db =
        TestDatabase::Create(Backend::kPostgres);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    data_ = MakeTempDir("pg_collectors") + "/data";
    std::string out;
    ASSERT_EQ(RunCli({"init", "--data", data_, "--store", db_->url(), "--org",
                      "acme"},
                     &out),
              0)
        << out;
    ca_pem_ = ReadFile(data_ + "/pki/ca.crt").value_or("");
    ASSERT_FALSE(ca_pem_.empty());
  }

  int64_t Scalar(const std::string& sql) {
    Result<int64_t> value = db_->Scalar(sql);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : -1;
  }

  std::unique_ptr<TestDatabase> db_;
  std::string data_;
  std::string ca_pem_;
};

// Delivers `report` to every port at once; returns the outcomes (or -1 for
// an RPC error) in port order.
std::vector<int> DeliverToAll(const std::vector<v1::Collector::Stub*>& stubs,
                              const v1::ReportRequest& report) {
  std::vector<int> outcomes(stubs.size(), -1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < stubs.size(); ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(20));
      ReportResponse response;
      grpc::Status s = stubs[i]->Report(&context, report, &response);
      if (s.ok()) outcomes[i] = response.outcome();
    });
  }
  for (std::thread& t : threads) t.join();
  return outcomes;
}

TEST_F(CollectorPostgresTest, TwoCollectorsStoreEachReportOnceAndSurviveAKill) {
  Collector one(data_, db_->url(), 1);
  Collector two(data_, db_->url(), 2);
  ASSERT_NE(one.port(), 0);
  ASSERT_NE(two.port(), 0);
  std::string token;
  ASSERT_EQ(RunCli({"token", "create", "--org", "acme", "--quiet", "--data",
                    data_, "--store", db_->url()},
                   &token),
            0)
      << token;
  token = std::string(Trim(token));

  // Agents enroll on collector one, then report to both.
  auto stub_one = v1::Collector::NewStub(TlsChannel(one.port(), ca_pem_));
  auto stub_two = v1::Collector::NewStub(TlsChannel(two.port(), ca_pem_));
  constexpr int kAgents = 12;
  constexpr int kPackages = 40;
  std::vector<Agent> agents(kAgents);
  for (int i = 0; i < kAgents; ++i) {
    v1::EnrollRequest request;
    request.set_token(token);
    request.mutable_identity()->set_machine_id("machine-" + std::to_string(i));
    request.mutable_identity()->set_hostname("pc-" + std::to_string(i));
    ASSERT_TRUE(SendEnroll(*stub_one, request, &agents[i]).ok());
  }
  int stored = 0;
  int duplicates = 0;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kAgents; ++i) {
      const v1::ReportRequest report = MakeReport(
          agents[i], "r" + std::to_string(round) + "-" + std::to_string(i),
          kPackages);
      std::vector<int> outcomes =
          DeliverToAll({stub_one.get(), stub_two.get()}, report);
      for (int outcome : outcomes) {
        ASSERT_NE(outcome, -1) << "a collector failed the report; logs:\n"
                               << one.log() << two.log();
        stored += outcome == ReportResponse::OUTCOME_STORED ? 1 : 0;
        duplicates += outcome == ReportResponse::OUTCOME_DUPLICATE ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(stored, 2 * kAgents);
  EXPECT_EQ(duplicates, 2 * kAgents);
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports"), 2 * kAgents);
  EXPECT_EQ(Scalar("SELECT sum(reports_stored) FROM hosts"), 2 * kAgents);
  EXPECT_EQ(Scalar("SELECT count(*) FROM host_packages"), kAgents * kPackages);

  // Collector one dies; everything is delivered again to collector two,
  // plus a new round: nothing lost, nothing doubled.
  EXPECT_EQ(one.Stop(SIGKILL), -SIGKILL);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kAgents; ++i) {
      const v1::ReportRequest report = MakeReport(
          agents[i], "r" + std::to_string(round) + "-" + std::to_string(i),
          kPackages);
      std::vector<int> outcome = DeliverToAll({stub_two.get()}, report);
      EXPECT_EQ(outcome[0], round < 2 ? ReportResponse::OUTCOME_DUPLICATE
                                      : ReportResponse::OUTCOME_STORED)
          << "round " << round << " agent " << i;
    }
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports"), 3 * kAgents);
  EXPECT_EQ(Scalar("SELECT sum(reports_stored) FROM hosts"), 3 * kAgents);

  // The CLI reads the same database.
  std::string hosts;
  ASSERT_EQ(
      RunCli({"hosts", "--org", "acme", "--data", data_, "--store", db_->url()},
             &hosts),
      0)
      << hosts;
  EXPECT_NE(hosts.find("(" + std::to_string(kAgents) + ")"), std::string::npos)
      << hosts;
  // Grading runs on the same database (issue #17): `grade` grades the
  // organisation's hosts with the built-in checks.
  std::string graded;
  ASSERT_EQ(RunCli({"grade", "--org", "acme", "--data", data_, "--store",
                    db_->url(), "--format", "json"},
                   &graded),
            0)
      << graded;
  EXPECT_NE(graded.find("\"rules\""), std::string::npos) << graded;
  EXPECT_GT(Scalar("SELECT count(*) FROM check_results"), 0);
  // Questionnaire answers are stored there too.
  const std::string answers = data_ + "/answers.yaml";
  std::ofstream(answers)
      << "organisation: acme\nfirst_diagnosis:\n  mgmt_basic_policy: 3\n";
  std::string imported;
  EXPECT_EQ(RunCli({"answers", "import", "--org", "acme", "--data", data_,
                    "--store", db_->url(), answers},
                   &imported),
            0)
      << imported;
  EXPECT_EQ(Scalar("SELECT count(*) FROM questionnaire_answers"), 1);
  // The asset register is kept there too: an asset, a link to one of the
  // agents' hosts (by id) and to a service, an owner, and the listing.
  const std::string host = std::to_string(Scalar("SELECT min(id) FROM hosts"));
  const auto reg = [&](std::vector<std::string> args) {
    for (const std::string& a :
         {std::string("--org"), std::string("acme"), std::string("--data"),
          data_, std::string("--store"), db_->url(), std::string("--lang"),
          std::string("en")}) {
      args.push_back(a);
    }
    args.insert(args.begin(), "register");
    std::string text;
    EXPECT_EQ(RunCli(args, &text), 0) << args[1] << ": " << text;
    return text;
  };
  reg({"set", "顧客名簿", "--medium", "office_pc", "--personal", "yes",
       "--sensitive", "no", "--my-number", "no", "--c", "2", "--i", "2", "--a",
       "1"});
  reg({"link", "顧客名簿", host});
  reg({"link", "顧客名簿", "kintone", "--service"});
  reg({"device", host, "--owner", "山田"});
  const std::string listed = reg({"list", "--format", "json"});
  EXPECT_NE(listed.find("顧客名簿"), std::string::npos) << listed;
  EXPECT_NE(listed.find("山田"), std::string::npos) << listed;
  EXPECT_NE(listed.find("kintone"), std::string::npos) << listed;
  EXPECT_EQ(Scalar("SELECT count(*) FROM register_links"), 2);
  EXPECT_EQ(Scalar("SELECT count(*) FROM register_history"), 4);
  EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
  EXPECT_NE(two.log().find("the console, scheduled reports and alerts are off"),
            std::string::npos)
      << two.log();
}

// The grade report (after any log lines) as JSON, without what depends on
// when it ran and without the checks in `left_out`.
nlohmann::json GradeJson(const std::string& text,
                         const std::set<std::string>& left_out = {}) {
  const size_t start = text.find("\n{");
  nlohmann::json j = nlohmann::json::parse(
      text.substr(
          text.starts_with("{") || start == std::string::npos ? 0 : start + 1),
      nullptr, false);
  if (j.is_discarded()) return j;
  j.erase("evaluated_at");
  for (auto& rule : j["rules"]) {
    auto& checks = rule["checks"];
    for (size_t i = checks.size(); i-- > 0;) {
      if (left_out.count(checks[i]["id"].get<std::string>())) {
        checks.erase(i);
      }
    }
  }
  return j;
}

// Moving up: a SQLite collector with enrolled agents, reports, answers and
// a register is copied into PostgreSQL by `migrate` while its `serve`
// runs; `grade` gives the same grades and evidence on both, and the same
// agents (same node keys) report to `serve --store` afterwards.
TEST(CollectorMigrateTest, SqliteCollectorMovesToPostgresUnchanged) {
  if (!store::testing::PostgresClusterUrl()) {
    GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
  }
  Result<std::unique_ptr<TestDatabase>> db =
      TestDatabase::Create(Backend::kPostgres);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::string url = (*db)->url();
  const std::string data = MakeTempDir("pg_migrate") + "/data";
  std::string out;
  ASSERT_EQ(RunCli({"init", "--data", data, "--org", "acme"}, &out), 0) << out;
  const std::string ca_pem = ReadFile(data + "/pki/ca.crt").value_or("");
  ASSERT_EQ(
      RunCli({"token", "create", "--org", "acme", "--quiet", "--data", data},
             &out),
      0)
      << out;
  const std::string token(Trim(out));

  Collector sqlite_serve(data, "", 1);
  ASSERT_NE(sqlite_serve.port(), 0);
  auto stub = v1::Collector::NewStub(TlsChannel(sqlite_serve.port(), ca_pem));
  constexpr int kAgents = 6;
  std::vector<Agent> agents(kAgents);
  for (int i = 0; i < kAgents; ++i) {
    v1::EnrollRequest request;
    request.set_token(token);
    request.mutable_identity()->set_machine_id("m-" + std::to_string(i));
    request.mutable_identity()->set_hostname("pc-" + std::to_string(i));
    ASSERT_TRUE(SendEnroll(*stub, request, &agents[i]).ok());
  }
  // Two rounds (history), with stale antivirus definitions on odd hosts so
  // the grades hold passes and failures.
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kAgents; ++i) {
      v1::ReportRequest report = MakeReport(
          agents[i], "s" + std::to_string(round) + "-" + std::to_string(i),
          20 + round);
      if (i % 2 == 1) {
        report.mutable_facts()
            ->mutable_antivirus()
            ->mutable_products(0)
            ->set_definitions_age_hours(24 * 30);
      }
      EXPECT_EQ(DeliverToAll({stub.get()}, report)[0],
                ReportResponse::OUTCOME_STORED);
    }
  }
  const std::string answers = data + "/answers.yaml";
  std::ofstream(answers)
      << "organisation: acme\nfirst_diagnosis:\n  mgmt_basic_policy: 3\n";
  ASSERT_EQ(
      RunCli({"answers", "import", "--org", "acme", "--data", data, answers},
             &out),
      0)
      << out;
  ASSERT_EQ(RunCli({"register",  "set",         "--org",    "acme",
                    "--data",    data,          "顧客名簿", "--medium",
                    "office_pc", "--personal",  "yes",      "--sensitive",
                    "no",        "--my-number", "no",       "--c",
                    "3",         "--i",         "2",        "--a",
                    "1"},
                   &out),
            0)
      << out;
  std::string before;
  ASSERT_EQ(
      RunCli({"grade", "--org", "acme", "--data", data, "--format", "json"},
             &before),
      0)
      << before;

  // Refusals first: a bad URL, an unreachable server.
  EXPECT_EQ(RunCli({"migrate", "--from", "sqlite:" + data, "--to", "mysql://x"},
                   &out),
            2)
      << out;
  EXPECT_NE(out.find("postgresql://"), std::string::npos) << out;
  EXPECT_EQ(RunCli({"migrate", "--from", "sqlite:" + data, "--to",
                    "postgresql:///x?host=/nonexistent&connect_timeout=2"},
                   &out),
            1)
      << out;
  EXPECT_NE(out.find("UNAVAILABLE"), std::string::npos) << out;
  EXPECT_EQ(
      RunCli({"migrate", "--from", "sqlite:/nonexistent", "--to", url}, &out),
      1)
      << out;
  EXPECT_NE(out.find("no collector database"), std::string::npos) << out;

  // The copy, while serve runs on the SQLite file.
  std::string copied;
  ASSERT_EQ(RunCli({"migrate", "--from", "sqlite:" + data, "--to", url,
                    "--allow-missing"},
                   &copied),
            0)
      << copied;
  EXPECT_NE(copied.find("counts verified"), std::string::npos) << copied;
  EXPECT_NE(copied.find("console_accounts (1 rows)"), std::string::npos)
      << copied;
  const auto count = [&](const std::string& sql) {
    Result<int64_t> n = (*db)->Scalar(sql);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(count("SELECT count(*) FROM hosts"), kAgents);
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 2 * kAgents);
  EXPECT_EQ(count("SELECT count(*) FROM questionnaire_answers"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM register_assets"), 1);
  EXPECT_GT(count("SELECT count(*) FROM fact_history"), 0);
  EXPECT_GT(count("SELECT count(*) FROM check_results"), 0);
  // Run again: the target now holds data and is refused untouched.
  EXPECT_EQ(RunCli({"migrate", "--from", "sqlite:" + data, "--to", url,
                    "--allow-missing"},
                   &out),
            1)
      << out;
  EXPECT_NE(out.find("--replace"), std::string::npos) << out;
  EXPECT_EQ(count("SELECT count(*) FROM hosts"), kAgents);
  EXPECT_EQ(sqlite_serve.Stop(SIGTERM), 0) << sqlite_serve.log();

  std::string after;
  ASSERT_EQ(RunCli({"grade", "--org", "acme", "--data", data, "--store", url,
                    "--format", "json"},
                   &after),
            0)
      << after;
  // The same grades and evidence, check by check. Until the unmanaged
  // devices are stored on PostgreSQL their check is left out there (the
  // grade says so on stderr); it is unknown on SQLite here (no neighbour
  // facts), so no grade depends on it.
  EXPECT_NE(after.find("left out: no_unmanaged_pcs"), std::string::npos)
      << after;
  EXPECT_EQ(GradeJson(after), GradeJson(before, {"no_unmanaged_pcs"}))
      << before << "\n"
      << after;
  EXPECT_FALSE(GradeJson(after).is_discarded()) << after;
  EXPECT_NE(GradeJson(after)["overall"], nullptr) << after;

  // The same agents, unchanged, report to the PostgreSQL collector.
  Collector pg_serve(data, url, 2);
  ASSERT_NE(pg_serve.port(), 0);
  auto pg_stub = v1::Collector::NewStub(TlsChannel(pg_serve.port(), ca_pem));
  for (int i = 0; i < kAgents; ++i) {
    EXPECT_EQ(
        DeliverToAll({pg_stub.get()},
                     MakeReport(agents[i], "s1-" + std::to_string(i), 21))[0],
        ReportResponse::OUTCOME_DUPLICATE)
        << pg_serve.log();
    EXPECT_EQ(
        DeliverToAll({pg_stub.get()},
                     MakeReport(agents[i], "p-" + std::to_string(i), 22))[0],
        ReportResponse::OUTCOME_STORED)
        << pg_serve.log();
  }
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 3 * kAgents);
}

}  // namespace
}  // namespace mamori::testing
