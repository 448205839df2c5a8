// Process-level tests of mamori-collector: the real binary, a real data
// directory made by `init`, TLS on port 0 (--port-file), SIGTERM and SIGKILL.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "collector/pki/ca.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/text.h"
#include "tests/collector_harness.h"

namespace mamori::testing {
namespace {

using v1::ReportResponse;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the collector binary to completion with `args`.
Output RunCli(const std::vector<std::string>& args) {
  const std::string dir = MakeTempDir("cli_out");
  const std::string out_path = dir + "/out";
  const std::string err_path = dir + "/err";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    std::string bin = MAMORI_COLLECTOR_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Output o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = ReadFile(out_path).value_or("");
  o.err = ReadFile(err_path).value_or("");
  return o;
}

// A `serve` process on port 0.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& data_dir) : data_dir_(data_dir) {
    port_file_ = MakeTempDir("port") + "/port";
    log_ = data_dir + "/serve.log";
    pid_ = fork();
    if (pid_ == 0) {
      int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(log, 1);
      dup2(log, 2);
      execl(MAMORI_COLLECTOR_BIN, MAMORI_COLLECTOR_BIN, "serve", "--data",
            data_dir.c_str(), "--grpc", "127.0.0.1:0", "--port-file",
            port_file_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      Result<std::string> text = ReadFile(port_file_);
      if (text.ok())
        port_ = static_cast<int>(ParseInt64(Trim(*text)).value_or(0));
      if (port_ == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(port_, 0) << "serve did not write its port; log:\n"
                        << ReadFile(log_).value_or("");
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  // Sends `signal` and returns the exit code (-signal when killed by it).
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string log() const { return ReadFile(log_).value_or(""); }

 private:
  std::string data_dir_;
  std::string port_file_;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class CollectorProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = MakeTempDir("collector_proc") + "/data";
    Output init = RunCli({"init", "--data", data_, "--org", "acme"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    init_out_ = init.out;
    Result<std::string> ca = ReadFile(data_ + "/pki/ca.crt");
    ASSERT_TRUE(ca.ok());
    ca_pem_ = *ca;
  }

  std::string Token(const std::string& extra = "") {
    std::vector<std::string> args = {"token",   "create", "--org", "acme",
                                     "--quiet", "--data", data_};
    if (!extra.empty()) args.push_back(extra);
    Output o = RunCli(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return std::string(Trim(o.out));
  }

  int64_t Scalar(const std::string& sql) {
    Result<store::Database> db =
        store::Database::Open(data_ + "/collector.db", false);
    EXPECT_TRUE(db.ok());
    Result<store::Statement> s = db->Prepare(sql);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return -1;
    Result<bool> row = s->Step();
    EXPECT_TRUE(row.ok() && *row);
    return s->ColumnInt(0);
  }

  // Every host's rows agree: reports_stored equals its reports rows, and a
  // host with a stored report has all its facts and packages; one without
  // has none. Returns the number of hosts violating that.
  int64_t InconsistentHosts(int packages) {
    return Scalar(
        "SELECT count(*) FROM hosts h WHERE h.reports_stored != (SELECT "
        "count(*) FROM reports r WHERE r.host_id = h.id) OR (SELECT count(*) "
        "FROM host_facts f WHERE f.host_id = h.id) != 3 * h.reports_stored "
        "OR (SELECT count(*) FROM host_packages p WHERE p.host_id = h.id) != " +
        std::to_string(packages) + " * h.reports_stored");
  }

  std::vector<Agent> EnrollAgents(int port, int n) {
    auto stub = v1::Collector::NewStub(TlsChannel(port, ca_pem_));
    std::string token;
    std::vector<Agent> agents(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      // A fresh token every 20 agents stays within the per-token rate limit.
      if (i % 20 == 0) token = Token();
      v1::EnrollRequest request;
      request.set_token(token);
      request.mutable_identity()->set_machine_id("machine-" +
                                                 std::to_string(i));
      request.mutable_identity()->set_hostname("pc-" + std::to_string(i));
      v1::EnrollResponse response;
      grpc::ClientContext context;
      grpc::Status s = stub->Enroll(&context, request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      agents[static_cast<size_t>(i)] = {response.host_id(),
                                        response.node_key()};
    }
    return agents;
  }

  std::string data_;
  std::string init_out_;
  std::string ca_pem_;
};

TEST_F(CollectorProcessTest, InitMakesPrivateFilesAndPrintsFingerprint) {
  struct stat info {};
  ASSERT_EQ(stat(data_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  for (const char* key : {"/pki/ca.key", "/pki/server.key", "/collector.db"}) {
    ASSERT_EQ(stat((data_ + key).c_str(), &info), 0) << key;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << key;
  }
  Result<std::string> fingerprint = pki::CertificateSha256(ca_pem_);
  ASSERT_TRUE(fingerprint.ok());
  EXPECT_NE(init_out_.find("CA SHA-256:    " + *fingerprint), std::string::npos)
      << init_out_;
  EXPECT_NE(init_out_.find("one-time password"), std::string::npos);
  // The password is printed, its Argon2id hash stored for the console's
  // first operator, who must change it at the first login.
  EXPECT_EQ(Scalar("SELECT count(*) FROM console_accounts WHERE password_hash "
                   "LIKE '$argon2id$%' AND role = 'operator' AND "
                   "must_change_password = 1"),
            1);

  Output again = RunCli({"init", "--data", data_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already initialised"), std::string::npos)
      << again.err;
}

TEST_F(CollectorProcessTest, CommandsAndUsageErrors) {
  Output org =
      RunCli({"org", "create", "globex", "--industry", "E", "--employees", "30",
              "--region", "Aichi", "--data", data_});
  EXPECT_EQ(org.exit_code, 0) << org.err;
  Output list = RunCli({"org", "list", "--format", "json", "--data", data_});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  nlohmann::json orgs = nlohmann::json::parse(list.out);
  ASSERT_EQ(orgs.size(), 2u);
  EXPECT_EQ(orgs[1]["name"], "globex");
  EXPECT_EQ(orgs[1]["employees"], 30);

  std::string token = Token("--uses=2");
  EXPECT_TRUE(StartsWith(token, "mtk_"));
  Output tokens =
      RunCli({"token", "list", "--format", "json", "--data", data_});
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  nlohmann::json parsed = nlohmann::json::parse(tokens.out);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["uses_left"], 2);
  EXPECT_EQ(parsed[0]["state"], "active");
  EXPECT_EQ(tokens.out.find(token), std::string::npos)
      << "secrets are not listed";
  Output revoke = RunCli({"token", "revoke", "--org", "acme",
                          parsed[0]["prefix"], "--data", data_});
  EXPECT_EQ(revoke.exit_code, 0) << revoke.err;
  tokens = RunCli({"token", "list", "--format", "json", "--data", data_});
  EXPECT_EQ(nlohmann::json::parse(tokens.out)[0]["state"], "revoked");

  EXPECT_EQ(RunCli({"token", "create", "--data", data_}).exit_code, 2);
  EXPECT_EQ(RunCli({"token", "create", "--org", "acme", "--uses", "0", "--data",
                    data_})
                .exit_code,
            2);
  Output bad_format =
      RunCli({"hosts", "--org", "acme", "--format", "xml", "--data", data_});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("--format"), std::string::npos);
  EXPECT_EQ(RunCli({"hosts", "--data", data_}).exit_code, 2);
  EXPECT_EQ(RunCli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunCli({"serve", "--grpc", "nonsense", "--data", data_}).exit_code,
            2);
  Output uninit =
      RunCli({"hosts", "--org", "acme", "--data", data_ + "-missing"});
  EXPECT_EQ(uninit.exit_code, 1);
  EXPECT_NE(uninit.err.find("mamori-collector init"), std::string::npos);
  for (const char* command : {"init", "serve", "hosts"}) {
    Output help = RunCli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("--data"), std::string::npos) << command;
  }
  EXPECT_EQ(RunCli({"token", "--help"}).exit_code, 0);
  EXPECT_EQ(RunCli({"org", "--help"}).exit_code, 0);
}

TEST_F(CollectorProcessTest, ServeOverTlsThenHostsThenGracefulSigterm) {
  ServeProcess serve(data_);
  ASSERT_NE(serve.port(), 0);
  auto stub = v1::Collector::NewStub(TlsChannel(serve.port(), ca_pem_));
  std::vector<Agent> agents = EnrollAgents(serve.port(), 1);
  v1::ReportRequest report = MakeReport(agents[0], "r1", 10);
  report.set_dropped_reports(2);
  grpc::ClientContext context;
  ReportResponse response;
  ASSERT_TRUE(stub->Report(&context, report, &response).ok());
  EXPECT_EQ(response.outcome(), ReportResponse::OUTCOME_STORED);

  // The presented chain carries the CA after the leaf (for --ca-sha256).
  const std::string command =
      "openssl s_client -connect 127.0.0.1:" + std::to_string(serve.port()) +
      " -alpn h2 -showcerts </dev/null 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string shown;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe))
    shown.append(buffer, n);
  pclose(pipe);
  size_t certs = 0;
  for (size_t at = shown.find("BEGIN CERTIFICATE"); at != std::string::npos;
       at = shown.find("BEGIN CERTIFICATE", at + 1)) {
    ++certs;
  }
  EXPECT_EQ(certs, 2u) << shown;

  Output hosts =
      RunCli({"hosts", "--org", "acme", "--format", "json", "--data", data_});
  ASSERT_EQ(hosts.exit_code, 0) << hosts.err;
  nlohmann::json list = nlohmann::json::parse(hosts.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["hostname"], "pc-" + agents[0].host_id);
  EXPECT_EQ(list[0]["reports_stored"], 1);
  EXPECT_EQ(list[0]["dropped_reports"], 2);
  EXPECT_EQ(list[0]["identity"]["machine_id"], "machine-0");
  EXPECT_EQ(list[0]["clone"], false);
  EXPECT_EQ(list[0]["stale"], false);

  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.log();
  EXPECT_NE(serve.log().find("stopped cleanly"), std::string::npos);
}

// Sends each agent's first report until acknowledged or the server is gone.
// Returns the indexes acknowledged as stored.
std::vector<int> SendAll(int port, const std::string& ca_pem,
                         const std::vector<Agent>& agents, int packages,
                         std::atomic<int>* acked) {
  std::mutex mu;
  std::vector<int> stored;
  std::vector<std::thread> threads;
  constexpr int kThreads = 8;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::Collector::NewStub(TlsChannel(port, ca_pem));
      for (size_t i = static_cast<size_t>(t); i < agents.size();
           i += kThreads) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(20));
        ReportResponse response;
        grpc::Status s = stub->Report(
            &context,
            MakeReport(agents[i], "first-" + std::to_string(i), packages),
            &response);
        if (s.ok() && response.outcome() == ReportResponse::OUTCOME_STORED) {
          std::lock_guard<std::mutex> lock(mu);
          stored.push_back(static_cast<int>(i));
          ++*acked;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return stored;
}

TEST_F(CollectorProcessTest,
       SigkillMidIngestLeavesNoPartialHostAndRetryStoresOnce) {
  constexpr int kAgents = 120;
  constexpr int kPackages = 400;
  std::vector<Agent> agents;
  std::vector<int> acked_before;
  {
    ServeProcess serve(data_);
    ASSERT_NE(serve.port(), 0);
    agents = EnrollAgents(serve.port(), kAgents);
    std::atomic<int> acked{0};
    std::thread sender([&] {
      acked_before = SendAll(serve.port(), ca_pem_, agents, kPackages, &acked);
    });
    while (acked.load() < 20)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(serve.Stop(SIGKILL), -SIGKILL);
    sender.join();
  }
  ASSERT_GE(acked_before.size(), 20u);
  ASSERT_LT(acked_before.size(), static_cast<size_t>(kAgents))
      << "the kill came too late to test anything";
  // Every acknowledged report survived; no host is half-stored.
  EXPECT_GE(Scalar("SELECT count(*) FROM reports"),
            static_cast<int64_t>(acked_before.size()));
  EXPECT_EQ(InconsistentHosts(kPackages), 0);

  // Restart and resend everything: each report ends up stored exactly once.
  ServeProcess again(data_);
  ASSERT_NE(again.port(), 0);
  auto stub = v1::Collector::NewStub(TlsChannel(again.port(), ca_pem_));
  int duplicates = 0;
  for (size_t i = 0; i < agents.size(); ++i) {
    grpc::ClientContext context;
    ReportResponse response;
    grpc::Status s = stub->Report(
        &context,
        MakeReport(agents[i], "first-" + std::to_string(i), kPackages),
        &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (response.outcome() == ReportResponse::OUTCOME_DUPLICATE) ++duplicates;
    if (std::find(acked_before.begin(), acked_before.end(),
                  static_cast<int>(i)) != acked_before.end()) {
      EXPECT_EQ(response.outcome(), ReportResponse::OUTCOME_DUPLICATE) << i;
    }
  }
  EXPECT_GE(duplicates, static_cast<int>(acked_before.size()));
  EXPECT_EQ(Scalar("SELECT count(*) FROM reports"), kAgents);
  EXPECT_EQ(Scalar("SELECT count(*) FROM hosts WHERE reports_stored = 1"),
            kAgents);
  EXPECT_EQ(InconsistentHosts(kPackages), 0);
}

TEST_F(CollectorProcessTest,
       SigtermDuringIngestFinishesInFlightAndExitsCleanly) {
  constexpr int kAgents = 80;
  constexpr int kPackages = 400;
  ServeProcess serve(data_);
  ASSERT_NE(serve.port(), 0);
  std::vector<Agent> agents = EnrollAgents(serve.port(), kAgents);
  std::atomic<int> acked{0};
  std::vector<int> stored;
  std::thread sender([&] {
    stored = SendAll(serve.port(), ca_pem_, agents, kPackages, &acked);
  });
  while (acked.load() < 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.log();
  sender.join();
  // What was acknowledged is stored; nothing is half-stored.
  EXPECT_GE(Scalar("SELECT count(*) FROM reports"),
            static_cast<int64_t>(stored.size()));
  EXPECT_EQ(InconsistentHosts(kPackages), 0);
}

}  // namespace
}  // namespace mamori::testing
