// Stateless collectors on PostgreSQL (issue #17), as processes: `init
// --store` on a fresh database, two `serve --store` processes on it sharing
// one data directory's keys, agents enrolled on one and reporting to both.
// Every report is delivered to both collectors at once: each is stored
// exactly once (the other collector answers duplicate), and after one
// collector is killed with SIGKILL, delivering everything again to the
// survivor stores nothing twice. The console on PostgreSQL over real HTTPS:
// login, dashboard, rules, hosts, a host's detail, another tenant's admin
// refused with 404, a session made on one collector valid on the other, the
// register page answering from this backend. Skipped without
// MAMORI_TEST_PG_URL (scripts/test.sh runs it under scripts/pg-cluster.sh).
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
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

// The port number written to `file`, waiting up to 10 s; 0 when none.
int WaitForPort(const std::string& file) {
  for (int i = 0; i < 200; ++i) {
    Result<std::string> text = ReadFile(file);
    if (text.ok()) {
      if (int port = static_cast<int>(ParseInt64(Trim(*text)).value_or(0))) {
        return port;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// A `serve --store URL` process on port 0 (the data directory's SQLite
// database when `url` is empty), with the console on HTTPS (port 0) when
// `web` is set.
class Collector {
 public:
  Collector(const std::string& data_dir, const std::string& url, int n,
            bool web = false) {
    const std::string dir = MakeTempDir("pg_serve");
    const std::string port_file = dir + "/port";
    const std::string web_port_file = dir + "/web-port";
    log_ = dir + "/serve-" + std::to_string(n) + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(log, 1);
      dup2(log, 2);
      std::vector<std::string> args = {
          MAMORI_COLLECTOR_BIN, "serve",       "--data", data_dir, "--grpc",
          "127.0.0.1:0",        "--port-file", port_file};
      if (!url.empty()) {
        args.emplace_back("--store");
        args.push_back(url);
      }
      if (web) {
        for (const char* a : {"--web", "127.0.0.1:0", "--web-port-file",
                              web_port_file.c_str()}) {
          args.emplace_back(a);
        }
      }
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(MAMORI_COLLECTOR_BIN, argv.data());
      _exit(127);
    }
    port_ = WaitForPort(port_file);
    EXPECT_NE(port_, 0) << "serve did not start; log:\n" << log();
    if (web) {
      web_port_ = WaitForPort(web_port_file);
      EXPECT_NE(web_port_, 0) << "the console did not start; log:\n" << log();
    }
  }
  ~Collector() {
    if (pid_ > 0) Stop(SIGKILL);
  }
  int port() const { return port_; }
  int web_port() const { return web_port_; }
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
  int web_port_ = 0;
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
  // The alert service runs on PostgreSQL too (its delivery across
  // collectors: ABurstAcrossTwoCollectorsIsGradedOnce).
  EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
  EXPECT_NE(two.log().find(", alerts on"), std::string::npos) << two.log();
  // Scheduled reports run on PostgreSQL too: a first round at start.
  EXPECT_NE(two.log().find(" 1 scheduled-report rounds)"), std::string::npos)
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
  ASSERT_EQ(RunCli({"alerts", "channels", "add", "--org", "acme", "--email",
                    "it@example.jp", "--data", data},
                   &out),
            0)
      << out;

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
  // serve raises the odd hosts' alerts after its re-grade.
  std::string alerts_before;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(RunCli({"alerts", "list", "--org", "acme", "--data", data},
                     &alerts_before),
              0)
        << alerts_before;
    if (alerts_before.find("pc-") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(alerts_before.find("pc-"), std::string::npos) << alerts_before;

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
  // The console's accounts are copied too (init's operator), so the same
  // login works on the PostgreSQL collectors, and the alerts: channels,
  // events, open conditions and deliveries.
  EXPECT_EQ(copied.find("console_accounts ("), std::string::npos) << copied;
  const std::string not_copied = copied.substr(copied.find("not copied:"));
  EXPECT_EQ(not_copied.find("alert_"), std::string::npos) << copied;
  EXPECT_NE(copied.find("alert_events"), std::string::npos) << copied;
  std::string alerts_after;
  EXPECT_EQ(RunCli({"alerts", "list", "--org", "acme", "--data", data,
                    "--store", url},
                   &alerts_after),
            0)
      << alerts_after;
  EXPECT_EQ(alerts_after, alerts_before);
  const auto count = [&](const std::string& sql) {
    Result<int64_t> n = (*db)->Scalar(sql);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  EXPECT_EQ(count("SELECT count(*) FROM console_accounts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM hosts"), kAgents);
  EXPECT_EQ(count("SELECT count(*) FROM reports"), 2 * kAgents);
  EXPECT_EQ(count("SELECT count(*) FROM questionnaire_answers"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM register_assets"), 1);
  EXPECT_GT(count("SELECT count(*) FROM fact_history"), 0);
  EXPECT_GT(count("SELECT count(*) FROM check_results"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM alert_channels"), 1);
  EXPECT_GT(count("SELECT count(*) FROM alert_open"), 0);
  EXPECT_GT(count("SELECT count(*) FROM alert_delivery_events"), 0);
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
  // The same grades and evidence, check by check, no_unmanaged_pcs included
  // (PostgreSQL has the devices store; nothing is left out).
  EXPECT_EQ(after.find("left out"), std::string::npos) << after;
  EXPECT_EQ(GradeJson(after), GradeJson(before)) << before << "\n" << after;
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

// One HTTPS client of the console: its session cookie and CSRF token.
struct WebClient {
  int port = 0;
  std::string cookie;
  std::string csrf;
  std::string lang = "en";
};

struct WebReply {
  int status = 0;
  std::string body;
  std::vector<std::string> cookies;
  nlohmann::json Json() const {
    return nlohmann::json::parse(body, nullptr, false);
  }
};

WebReply Call(WebClient& c, const std::string& method, const std::string& path,
              const std::string& body = "") {
  // The collector's certificate is from its own CA; the test checks what
  // the console answers, not the chain (the gRPC side checks that).
  static const Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                             Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session(
      "127.0.0.1", static_cast<Poco::UInt16>(c.port), context);
  Poco::Net::HTTPRequest request(method, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Accept-Language", c.lang);
  if (!c.cookie.empty()) {
    request.set("Cookie", "__Host-mamori_session=" + c.cookie);
  }
  if (!c.csrf.empty()) request.set("X-CSRF-Token", c.csrf);
  if (!body.empty()) request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  WebReply r;
  r.status = response.getStatus();
  for (const auto& [name, value] : response) {
    if (Poco::icompare(name, "Set-Cookie") == 0) r.cookies.push_back(value);
  }
  Poco::StreamCopier::copyToString(in, r.body);
  return r;
}

// Logs in on `port`; the client carries the new session.
WebClient Login(int port, const std::string& name,
                const std::string& password) {
  WebClient c;
  c.port = port;
  WebReply r =
      Call(c, "POST", "/api/v1/session",
           nlohmann::json{{"name", name}, {"password", password}}.dump());
  EXPECT_EQ(r.status, 200) << name << ": " << r.body;
  const std::string prefix = "__Host-mamori_session=";
  for (const std::string& cookie : r.cookies) {
    if (cookie.rfind(prefix, 0) == 0) {
      c.cookie = cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
    }
  }
  const nlohmann::json doc = r.Json();
  if (doc.is_object() && doc.contains("csrf_token")) c.csrf = doc["csrf_token"];
  return c;
}

// The one-time password `init` or `user add` printed.
std::string OneTimePassword(const std::string& printed) {
  const std::string marker = "one-time password";
  const size_t at = printed.find(marker);
  if (at == std::string::npos) return "";
  const size_t line_end = printed.find('\n', at);
  const std::string line = printed.substr(at, line_end - at);
  return std::string(Trim(line.substr(line.rfind(": ") + 2)));
}

TEST_F(CollectorPostgresTest, TheConsoleServesOnPostgresScopedPerTenant) {
  // init made "admin" (an operator) with a one-time password; SetUp kept
  // no output, so reset it with `user passwd` through --store.
  std::string printed;
  ASSERT_EQ(RunCli({"user", "passwd", "admin", "--data", data_, "--store",
                    db_->url()},
                   &printed),
            0)
      << printed;
  const std::string admin_password = OneTimePassword(printed);
  ASSERT_FALSE(admin_password.empty()) << printed;
  ASSERT_EQ(RunCli({"org", "create", "globex", "--data", data_, "--store",
                    db_->url()},
                   &printed),
            0)
      << printed;
  ASSERT_EQ(RunCli({"user", "add", "globex-admin", "--role", "org_admin",
                    "--org", "globex", "--data", data_, "--store", db_->url()},
                   &printed),
            0)
      << printed;
  const std::string globex_password = OneTimePassword(printed);
  ASSERT_FALSE(globex_password.empty()) << printed;
  std::string token;
  ASSERT_EQ(RunCli({"token", "create", "--org", "acme", "--quiet", "--data",
                    data_, "--store", db_->url()},
                   &token),
            0)
      << token;
  token = std::string(Trim(token));

  Collector one(data_, db_->url(), 1, /*web=*/true);
  Collector two(data_, db_->url(), 2, /*web=*/true);
  ASSERT_NE(one.web_port(), 0);
  ASSERT_NE(two.web_port(), 0);

  // Three agents; two report (a report names the host "pc-<id>"), the one
  // with a hostile host name only enrolls, so its name stays.
  auto stub = v1::Collector::NewStub(TlsChannel(one.port(), ca_pem_));
  const std::string hostile = "<img src=x onerror=alert(1)>";
  std::vector<Agent> agents(3);
  for (int i = 0; i < 3; ++i) {
    v1::EnrollRequest request;
    request.set_token(token);
    request.mutable_identity()->set_machine_id("machine-" + std::to_string(i));
    request.mutable_identity()->set_hostname(
        i == 2 ? hostile : "pc-" + std::to_string(i));
    ASSERT_TRUE(SendEnroll(*stub, request, &agents[i]).ok());
    if (i == 2) continue;
    EXPECT_EQ(
        DeliverToAll({stub.get()},
                     MakeReport(agents[i], "r-" + std::to_string(i), 5))[0],
        ReportResponse::OUTCOME_STORED);
  }
  ASSERT_EQ(RunCli({"grade", "--org", "acme", "--data", data_, "--store",
                    db_->url(), "--format", "json"},
                   &printed),
            0)
      << printed;
  const int64_t acme =
      Scalar("SELECT id FROM organizations WHERE name = 'acme'");
  const std::string org = "/api/v1/orgs/" + std::to_string(acme);

  // The operator's first login must change the one-time password.
  WebClient op = Login(one.web_port(), "admin", admin_password);
  EXPECT_EQ(Call(op, "GET", "/api/v1/orgs").status, 403);
  WebReply changed =
      Call(op, "POST", "/api/v1/session/password",
           nlohmann::json{{"current_password", admin_password},
                          {"new_password", "umi-no-mieru-oka-2026"}}
               .dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  op = Login(one.web_port(), "admin", "umi-no-mieru-oka-2026");

  WebReply orgs = Call(op, "GET", "/api/v1/orgs");
  ASSERT_EQ(orgs.status, 200) << orgs.body;
  ASSERT_EQ(orgs.Json()["items"].size(), 2u) << orgs.body;
  WebReply dashboard = Call(op, "GET", org);
  ASSERT_EQ(dashboard.status, 200) << dashboard.body;
  EXPECT_EQ(dashboard.Json()["org"]["name"], "acme") << dashboard.body;
  EXPECT_EQ(dashboard.Json()["org"]["hosts"], 3) << dashboard.body;
  EXPECT_FALSE(dashboard.Json()["overall"].get<std::string>().empty())
      << dashboard.body;
  WebReply rules = Call(op, "GET", org + "/rules");
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_FALSE(rules.body.empty());
  WebReply hosts = Call(op, "GET", org + "/endpoints?sort=hostname");
  ASSERT_EQ(hosts.status, 200) << hosts.body;
  const nlohmann::json items = hosts.Json()["items"];
  ASSERT_EQ(items.size(), 3u) << hosts.body;
  // The hostile name comes back as data, in byte order before "pc-".
  EXPECT_EQ(items[0]["hostname"], hostile);
  const int64_t host = items[1]["id"];
  WebReply detail = Call(op, "GET", org + "/endpoints/" + std::to_string(host));
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_NE(detail.body.find("pc-"), std::string::npos);

  // The session made on collector one is valid on collector two: sessions
  // live in the database.
  WebClient elsewhere = op;
  elsewhere.port = two.web_port();
  EXPECT_EQ(Call(elsewhere, "GET", org + "/endpoints").status, 200);

  // Evidence packs from the results stored in PostgreSQL: the console's
  // download (on collector two) and `evidence export --store` both verify
  // against the pack's manifest and the collectors' shared signing key.
  WebReply pack = Call(elsewhere, "GET", org + "/evidence-pack?lang=en");
  ASSERT_EQ(pack.status, 200) << pack.body.substr(0, 300);
  ASSERT_EQ(pack.body.rfind("PK", 0), 0u);
  // The hosts' facts are in it (the facts/ files name each host).
  EXPECT_NE(pack.body.find("facts/host-"), std::string::npos);
  const std::string packs = MakeTempDir("pg_packs");
  std::ofstream(packs + "/console.zip", std::ios::binary) << pack.body;
  ASSERT_EQ(RunCli({"evidence", "verify", packs + "/console.zip"}, &printed), 0)
      << printed;
  ASSERT_EQ(RunCli({"evidence", "export", "--org", "acme", "--out",
                    packs + "/cli.zip", "--lang", "en", "--data", data_,
                    "--store", db_->url()},
                   &printed),
            0)
      << printed;
  const std::string signer = "signing key: ";
  const size_t signer_at = printed.find(signer);
  ASSERT_NE(signer_at, std::string::npos) << printed;
  const std::string fingerprint = std::string(Trim(printed.substr(
      signer_at + signer.size(),
      printed.find('\n', signer_at) - signer_at - signer.size())));
  ASSERT_EQ(RunCli({"evidence", "verify", packs + "/cli.zip"}, &printed), 0)
      << printed;
  // Both packs are signed by the key of the shared data directory.
  EXPECT_NE(printed.find(fingerprint), std::string::npos) << printed;
  ASSERT_EQ(RunCli({"evidence", "verify", packs + "/console.zip"}, &printed),
            0);
  EXPECT_NE(printed.find(fingerprint), std::string::npos) << printed;
  // An organisation the database does not have: an error naming it.
  EXPECT_NE(
      RunCli({"evidence", "export", "--org", "nosuch", "--out",
              packs + "/none.zip", "--data", data_, "--store", db_->url()},
             &printed),
      0);
  EXPECT_NE(printed.find("nosuch"), std::string::npos) << printed;

  // The register is on PostgreSQL too: its page answers from there.
  elsewhere.lang = "ja";
  WebReply reg = Call(elsewhere, "GET", org + "/register");
  EXPECT_EQ(reg.status, 200) << reg.body;
  EXPECT_TRUE(reg.Json().is_object()) << reg.body;

  // The alerts page is on PostgreSQL too: a channel added through one
  // collector's console is listed by the other's.
  WebReply added = Call(
      op, "POST", org + "/alerts/channels",
      nlohmann::json{{"kind", "email"}, {"target", "it@example.jp"}}.dump());
  EXPECT_EQ(added.status, 201) << added.body;
  WebReply alerts = Call(elsewhere, "GET", org + "/alerts");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  ASSERT_EQ(alerts.Json()["channels"].size(), 1u) << alerts.body;
  EXPECT_EQ(alerts.Json()["channels"][0]["target"], "it@example.jp");
  EXPECT_EQ(Call(elsewhere, "GET", org + "/alerts/deliveries").status, 200);

  // Another organisation's admin: acme's pages are 404, as if absent.
  WebClient g = Login(two.web_port(), "globex-admin", globex_password);
  WebReply g_changed =
      Call(g, "POST", "/api/v1/session/password",
           nlohmann::json{{"current_password", globex_password},
                          {"new_password", "yama-no-ue-no-sora-2026"}}
               .dump());
  ASSERT_EQ(g_changed.status, 200) << g_changed.body;
  g = Login(two.web_port(), "globex-admin", "yama-no-ue-no-sora-2026");
  WebReply g_orgs = Call(g, "GET", "/api/v1/orgs");
  ASSERT_EQ(g_orgs.status, 200);
  ASSERT_EQ(g_orgs.Json()["items"].size(), 1u);
  EXPECT_EQ(g_orgs.Json()["items"][0]["name"], "globex");
  for (const std::string& path :
       {org, org + "/rules", org + "/endpoints",
        org + "/endpoints/" + std::to_string(host), org + "/tokens",
        org + "/alerts", org + "/evidence-pack"}) {
    WebReply r = Call(g, "GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("pc-"), std::string::npos) << path;
  }
  // The audit log on PostgreSQL recorded the logins and password changes.
  EXPECT_GE(Scalar("SELECT count(*) FROM console_audit"), 2);
  EXPECT_EQ(one.Stop(SIGTERM), 0) << one.log();
  EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
}

// The re-grades a collector's log says it ran ("stopped cleanly (N
// re-gradings"); -1 when the line is missing.
int Regradings(const std::string& log) {
  const std::string marker = "stopped cleanly (";
  const size_t at = log.rfind(marker);
  if (at == std::string::npos) return -1;
  return static_cast<int>(
      ParseInt64(
          log.substr(at + marker.size(),
                     log.find(' ', at + marker.size()) - at - marker.size()))
          .value_or(-1));
}

// SIGTERM while a re-grade waits on a slow check (its query blocked in
// PostgreSQL on a lock this test holds): serve interrupts the query, hands
// the organisation back to the queue and exits without the lock ever being
// released; the next collector grades it.
TEST_F(CollectorPostgresTest, SigtermHandsARegradeInProgressBack) {
  Collector one(data_, db_->url(), 1);
  ASSERT_NE(one.port(), 0);
  std::string token;
  ASSERT_EQ(RunCli({"token", "create", "--org", "acme", "--quiet", "--data",
                    data_, "--store", db_->url()},
                   &token),
            0)
      << token;
  token = std::string(Trim(token));
  auto stub = v1::Collector::NewStub(TlsChannel(one.port(), ca_pem_));
  Agent agent;
  v1::EnrollRequest request;
  request.set_token(token);
  request.mutable_identity()->set_machine_id("slow-1");
  request.mutable_identity()->set_hostname("pc-slow");
  ASSERT_TRUE(SendEnroll(*stub, request, &agent).ok());
  Result<std::unique_ptr<TestDatabase::Session>> lock = db_->OpenSession();
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(DeliverToAll({stub.get()}, MakeReport(agent, "slow", 5))[0],
            ReportResponse::OUTCOME_STORED);
  // Locked within the re-grade's 2 s debounce (storing the report wrote
  // the package links): the claim comes after it, and a software check then
  // waits on the lock.
  ASSERT_TRUE(
      (*lock)
          ->Exec("BEGIN; LOCK TABLE host_packages IN ACCESS EXCLUSIVE MODE")
          .ok());
  const std::string waiting =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = "
      "current_database() AND wait_event_type = 'Lock'";
  const std::string leased =
      "SELECT count(*) FROM regrade_queue WHERE lease_owner IS NOT NULL";
  for (int i = 0; i < 200 && (Scalar(waiting) == 0 || Scalar(leased) == 0);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(Scalar(leased), 1) << one.log();
  ASSERT_GT(Scalar(waiting), 0) << one.log();
  EXPECT_EQ(one.Stop(SIGTERM), 0) << one.log();
  // Stopped with the lock still held: handed back, pending, not graded.
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue WHERE lease_owner IS "
                   "NULL"),
            1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM grade_history"), 0);
  EXPECT_EQ(Regradings(one.log()), 0) << one.log();
  ASSERT_TRUE((*lock)->Exec("COMMIT").ok());
  Collector two(data_, db_->url(), 2);
  ASSERT_NE(two.port(), 0);
  // The snapshot is written before the queue entry is completed.
  for (int i = 0; i < 200 && Scalar("SELECT count(*) FROM regrade_queue") > 0;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Scalar("SELECT count(*) FROM grade_history"), 1) << two.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue"), 0);
  EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
}

TEST_F(CollectorPostgresTest, ABurstAcrossTwoCollectorsIsGradedOnce) {
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
  // An alert channel: the grading raises the failing hosts' alerts and the
  // collectors deliver them (no SMTP server is set: each attempt fails and
  // is recorded by the collector that claimed it).
  std::string channel;
  ASSERT_EQ(RunCli({"alerts", "channels", "add", "--org", "acme", "--email",
                    "it@example.jp", "--data", data_, "--store", db_->url()},
                   &channel),
            0)
      << channel;
  auto stub_one = v1::Collector::NewStub(TlsChannel(one.port(), ca_pem_));
  auto stub_two = v1::Collector::NewStub(TlsChannel(two.port(), ca_pem_));
  constexpr int kAgents = 10;
  std::vector<Agent> agents(kAgents);
  for (int i = 0; i < kAgents; ++i) {
    v1::EnrollRequest request;
    request.set_token(token);
    request.mutable_identity()->set_machine_id("burst-" + std::to_string(i));
    request.mutable_identity()->set_hostname("pc-" + std::to_string(i));
    ASSERT_TRUE(SendEnroll(*stub_one, request, &agents[i]).ok());
  }
  // One burst: every agent reports, alternately to each collector, well
  // within the queue's 2 s debounce of each other.
  for (int i = 0; i < kAgents; ++i) {
    v1::Collector::Stub* stub = i % 2 == 0 ? stub_one.get() : stub_two.get();
    v1::ReportRequest report = MakeReport(agents[i], "burst", 5);
    // Stale antivirus definitions on odd hosts: a failing check to alert.
    if (i % 2 == 1) {
      report.mutable_facts()
          ->mutable_antivirus()
          ->mutable_products(0)
          ->set_definitions_age_hours(24 * 30);
    }
    EXPECT_EQ(DeliverToAll({stub}, report)[0], ReportResponse::OUTCOME_STORED);
  }
  const std::string graded =
      "SELECT count(*) FROM grade_history g JOIN organizations o ON o.id = "
      "g.org_id WHERE o.name = 'acme'";
  // Graded once the burst has been quiet for the debounce (2 s) and a
  // collector's poll (0.25 s) claimed it; then nothing else comes.
  for (int i = 0; i < 200 && Scalar(graded) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Scalar(graded), 1) << one.log() << two.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM regrade_queue"), 0);
  EXPECT_GT(Scalar("SELECT count(*) FROM check_results"), 0);
  // The re-grade kept the console's grade counts with its snapshot: the
  // ten rules' measures and the checks' rows, on PostgreSQL too.
  EXPECT_GE(Scalar("SELECT count(*) FROM grade_counts WHERE subject LIKE "
                   "'rule:%'"),
            10);
  EXPECT_GT(Scalar("SELECT count(*) FROM grade_counts WHERE subject NOT LIKE "
                   "'rule:%' AND subject NOT LIKE 'ipa:%' AND "
                   "pass + fail + unknown + not_applicable + error > 0"),
            0);
  // The grading collector raised one alert per failing host and check, and
  // every delivery was attempted: wait until none is left untried.
  const std::string untried =
      "SELECT count(*) FROM alert_deliveries WHERE attempts = 0";
  for (int i = 0; i < 200; ++i) {
    if (Scalar("SELECT count(*) FROM alert_deliveries") > 0 &&
        Scalar(untried) == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(Scalar("SELECT count(*) FROM alert_events WHERE kind = "
                   "'check_failing' AND subject = "
                   "'antivirus_definitions_fresh'"),
            kAgents / 2)
      << one.log() << two.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM (SELECT kind, host_id, subject FROM "
                   "alert_events GROUP BY 1, 2, 3 HAVING count(*) > 1) x"),
            0);
  EXPECT_GT(Scalar("SELECT count(*) FROM alert_deliveries"), 0);
  EXPECT_EQ(Scalar(untried), 0) << one.log() << two.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM alert_deliveries WHERE "
                   "last_error NOT LIKE 'no SMTP server configured%'"),
            0);
  std::string queue;
  EXPECT_EQ(RunCli({"alerts", "queue", "--org", "acme", "--data", data_,
                    "--store", db_->url()},
                   &queue),
            0)
      << queue;
  EXPECT_NE(queue.find("no SMTP server configured"), std::string::npos)
      << queue;
  EXPECT_EQ(one.Stop(SIGTERM), 0) << one.log();
  EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
  // One collector graded, the other had nothing to claim.
  const int by_one = Regradings(one.log());
  const int by_two = Regradings(two.log());
  EXPECT_EQ(by_one + by_two, 1) << one.log() << two.log();
  EXPECT_EQ(Scalar(graded), 1);
  // Each attempt was made by one collector: the two logs together name
  // each delivery as often as its recorded attempts.
  const std::string logs = one.log() + two.log();
  Result<TestDatabase::Table> attempts =
      db_->Query("SELECT id, attempts FROM alert_deliveries ORDER BY id");
  ASSERT_TRUE(attempts.ok()) << attempts.status().ToString();
  for (const auto& row : *attempts) {
    const std::string marker = "alert delivery #" + row[0].value_or("") + " (";
    int logged = 0;
    for (size_t at = logs.find(marker); at != std::string::npos;
         at = logs.find(marker, at + 1)) {
      ++logged;
    }
    EXPECT_EQ(std::to_string(logged), row[1].value_or(""))
        << "delivery #" << row[0].value_or("") << "\n"
        << logs;
  }
}

// Scheduled reports inside `serve` on PostgreSQL: two collectors started
// together both run a round at once; each due report is produced (file
// written, run recorded) by exactly one of them. A report leased to a
// collector that died is left alone until the lease runs out, then a
// collector started after that produces it, once.
TEST_F(CollectorPostgresTest, TwoCollectorsProduceEachDueReportOnce) {
  std::string printed;
  for (const char* org : {"globex", "initech"}) {
    ASSERT_EQ(
        RunCli({"org", "create", org, "--data", data_, "--store", db_->url()},
               &printed),
        0)
        << printed;
  }
  for (const char* org : {"acme", "globex", "initech"}) {
    ASSERT_EQ(RunCli({"report", "schedule", "--org", org, "--every", "1d",
                      "--lang", "en", "--data", data_, "--store", db_->url()},
                     &printed),
              0)
        << printed;
  }
  // All three are overdue; initech's is being produced by a collector that
  // has since been killed: its lease runs for another hour.
  Scalar(
      "WITH u AS (UPDATE report_schedules SET next_due = 1000 RETURNING 1) "
      "SELECT count(*) FROM u");
  Scalar(
      "WITH u AS (UPDATE report_schedules SET lease_owner = 'serve:dead', "
      "lease_until = extract(epoch FROM now())::bigint + 3600 WHERE org_id = "
      "(SELECT id FROM organizations WHERE name = 'initech') RETURNING 1) "
      "SELECT count(*) FROM u");
  const std::string runs_of =
      "SELECT count(*) FROM report_runs r JOIN organizations o ON o.id = "
      "r.org_id WHERE o.name = ";
  {
    // Started together, so that their first rounds overlap.
    std::unique_ptr<Collector> started[2];
    std::thread starters[2];
    for (int n = 0; n < 2; ++n) {
      starters[n] = std::thread([&, n] {
        started[n] = std::make_unique<Collector>(data_, db_->url(), n + 1);
      });
    }
    for (std::thread& t : starters) t.join();
    Collector& one = *started[0];
    Collector& two = *started[1];
    ASSERT_NE(one.port(), 0);
    ASSERT_NE(two.port(), 0);
    for (int i = 0; i < 300 && Scalar("SELECT count(*) FROM report_runs") < 2;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Both collectors' first rounds are over once they stop (Stop waits for
    // a round in progress).
    EXPECT_EQ(one.Stop(SIGTERM), 0) << one.log();
    EXPECT_EQ(two.Stop(SIGTERM), 0) << two.log();
    EXPECT_EQ(Scalar(runs_of + "'acme'"), 1) << one.log() << two.log();
    EXPECT_EQ(Scalar(runs_of + "'globex'"), 1) << one.log() << two.log();
    EXPECT_EQ(Scalar(runs_of + "'initech'"), 0) << one.log() << two.log();
    // Each report was produced by one collector (each logs the reports it
    // produced).
    const auto produced = [](const std::string& log) {
      int n = 0;
      for (size_t at = log.find("scheduled report for");
           at != std::string::npos;
           at = log.find("scheduled report for", at + 1)) {
        ++n;
      }
      return n;
    };
    EXPECT_EQ(produced(one.log()) + produced(two.log()), 2)
        << one.log() << two.log();
    // The runs name files that exist and moved their schedules on.
    Result<TestDatabase::Table> files = db_->Query(
        "SELECT path FROM report_runs WHERE mail_status <> 'failed'");
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    ASSERT_EQ(files->size(), 2u) << one.log() << two.log();
    for (const auto& row : *files) {
      ASSERT_TRUE(row[0].has_value());
      EXPECT_EQ(ReadFile(*row[0]).value_or("").rfind("%PDF-", 0), 0u)
          << *row[0];
    }
    EXPECT_EQ(Scalar("SELECT count(*) FROM report_schedules WHERE next_due > "
                     "1000 AND lease_owner IS NULL"),
              2);
  }
  // The dead collector's lease runs out; the next collector to start
  // produces initech's report, and nothing else again.
  Scalar(
      "WITH u AS (UPDATE report_schedules SET lease_until = 1 WHERE "
      "lease_owner = 'serve:dead' RETURNING 1) SELECT count(*) FROM u");
  Collector three(data_, db_->url(), 3);
  ASSERT_NE(three.port(), 0);
  for (int i = 0; i < 300 && Scalar(runs_of + "'initech'") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(three.Stop(SIGTERM), 0) << three.log();
  EXPECT_EQ(Scalar(runs_of + "'initech'"), 1) << three.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM report_runs"), 3) << three.log();
  EXPECT_EQ(Scalar("SELECT count(*) FROM report_schedules WHERE lease_owner "
                   "IS NOT NULL"),
            0);
}

}  // namespace
}  // namespace mamori::testing
