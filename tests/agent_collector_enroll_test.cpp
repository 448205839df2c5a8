// Enrollment end to end: the real mamori-agent and mamori-collector binaries,
// real TLS on a loopback port, real SQLite files. Tokens valid, expired,
// revoked and used up; CA given as a file, pinned by fingerprint, or wrong;
// a plaintext client against the TLS server.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "common/text.h"
#include "mamori/v1/collector.grpc.pb.h"
#include "tests/agent_collector_harness.h"

namespace mamori::agent_collector {
namespace {

using ::testing::HasSubstr;

constexpr int kExitQueued = 3;
constexpr int kExitFailed = 4;

int ModeOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

class AgentCollectorEnrollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every agent call names an empty config file so a machine-wide
    // /etc/mamori/agent.conf never leaks into the tests.
    ASSERT_TRUE(WriteEmpty(dir_.path() + "/none.conf"));
    collector_ = std::make_unique<Collector>(dir_.path() + "/collector");
    collector_->Start();
  }

  static bool WriteEmpty(const std::string& path) {
    FILE* f = fopen(path.c_str(), "w");
    if (f == nullptr) return false;
    fclose(f);
    return true;
  }

  ProcessResult Enroll(const std::string& state, const std::string& token,
                       std::vector<std::string> ca_flags = {}) {
    if (ca_flags.empty()) ca_flags = {"--ca", collector_->ca_path()};
    std::vector<std::string> args = {"enroll",
                                     "--server",
                                     collector_->address(),
                                     "--token",
                                     token,
                                     "--state",
                                     state,
                                     "--root",
                                     FixtureRoot("e2e-good"),
                                     "--config",
                                     dir_.path() + "/none.conf"};
    args.insert(args.end(), ca_flags.begin(), ca_flags.end());
    return Agent(args);
  }

  TempDir dir_;
  std::unique_ptr<Collector> collector_;
};

TEST_F(AgentCollectorEnrollTest, ValidTokenEnrollsAndOnceDelivers) {
  const std::string state = dir_.path() + "/agent";
  ProcessResult r = Enroll(state, collector_->Token());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("enrolled with " + collector_->address()));
  EXPECT_EQ(ModeOf(state), 0700);
  EXPECT_EQ(ModeOf(state + "/identity.json"), 0600);
  EXPECT_EQ(ModeOf(state + "/ca.pem"), 0600);
  // The node key is a secret: never printed.
  const std::string node_key =
      nlohmann::json::parse(ReadFile(state + "/identity.json").value_or("{}"))
          .value("node_key", "");
  ASSERT_GE(node_key.size(), 16u);

  ProcessResult once =
      Agent({"once", "--state", state, "--root", FixtureRoot("e2e-good"),
             "--config", dir_.path() + "/none.conf"});
  ASSERT_EQ(once.exit_code, 0) << once.out << once.err;
  EXPECT_EQ(SpoolCount(state), 0);

  nlohmann::json hosts = collector_->Hosts();
  ASSERT_EQ(hosts.size(), 1u) << hosts.dump(2);
  EXPECT_EQ(hosts[0]["hostname"], "pc-good");
  EXPECT_EQ(hosts[0]["reports_stored"], 1);
  EXPECT_EQ(hosts[0]["identity"]["machine_id"],
            "0123456789abcdef0123456789ab9000");
  EXPECT_THAT(r.out + r.err + once.out + once.err,
              ::testing::Not(HasSubstr(node_key)));
  EXPECT_THAT(collector_->log(), ::testing::Not(HasSubstr(node_key)));
}

TEST_F(AgentCollectorEnrollTest, PinnedFingerprintFetchesAndStoresTheCa) {
  const std::string state = dir_.path() + "/agent";
  const std::string token = collector_->Token();
  ProcessResult wrong =
      Enroll(state, token, {"--ca-sha256", std::string(64, '0')});
  EXPECT_EQ(wrong.exit_code, kExitFailed) << wrong.out << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("fingerprint"));
  EXPECT_FALSE(std::filesystem::exists(state + "/identity.json"));

  // The token was not spent on the refused attempt.
  ProcessResult r =
      Enroll(state, token, {"--ca-sha256", collector_->ca_sha256()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ReadFile(state + "/ca.pem").value_or("x"),
            ReadFile(collector_->ca_path()).value_or("y"));
  ProcessResult once =
      Agent({"once", "--state", state, "--root", FixtureRoot("e2e-good"),
             "--config", dir_.path() + "/none.conf"});
  EXPECT_EQ(once.exit_code, 0) << once.out << once.err;
}

TEST_F(AgentCollectorEnrollTest, ExpiredTokenIsRefused) {
  const std::string token = collector_->Token({"--expires", "1s"});
  // Waiting past the expiry is the point of the test, not a timing
  // assertion.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ProcessResult r = Enroll(dir_.path() + "/agent", token);
  EXPECT_EQ(r.exit_code, kExitFailed) << r.out << r.err;
  EXPECT_THAT(ToLowerAscii(r.err), HasSubstr("token"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/agent/identity.json"));
  EXPECT_EQ(collector_->Hosts().size(), 0u);
}

TEST_F(AgentCollectorEnrollTest, RevokedTokenIsRefused) {
  const std::string token = collector_->Token();
  ProcessResult list =
      collector_->Cli({"token", "list", "--org", kOrg, "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  nlohmann::json tokens = nlohmann::json::parse(list.out);
  ASSERT_EQ(tokens.size(), 1u);
  ProcessResult revoke =
      collector_->Cli({"token", "revoke", "--org", kOrg,
                       std::to_string(tokens[0]["id"].get<int64_t>())});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  ProcessResult r = Enroll(dir_.path() + "/agent", token);
  EXPECT_EQ(r.exit_code, kExitFailed) << r.out << r.err;
  EXPECT_EQ(collector_->Hosts().size(), 0u);
}

TEST_F(AgentCollectorEnrollTest, UsedUpTokenIsRefused) {
  const std::string token = collector_->Token({"--uses", "1"});
  ProcessResult first = Enroll(dir_.path() + "/a", token);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ProcessResult second = Enroll(dir_.path() + "/b", token);
  EXPECT_EQ(second.exit_code, kExitFailed) << second.out << second.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/b/identity.json"));
  EXPECT_EQ(collector_->Hosts().size(), 1u);
}

TEST_F(AgentCollectorEnrollTest, WrongCaFailsTheHandshakeAndWritesNothing) {
  Collector other(dir_.path() + "/other");  // initialised, not serving
  const std::string token = collector_->Token();
  ProcessResult r =
      Enroll(dir_.path() + "/agent", token, {"--ca", other.ca_path()});
  EXPECT_EQ(r.exit_code, kExitFailed) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("certificate"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/agent/identity.json"));
  // Nothing reached the collector's application layer: the token is unused.
  EXPECT_EQ(Enroll(dir_.path() + "/agent", token).exit_code, 0);
}

TEST_F(AgentCollectorEnrollTest, PlaintextClientIsRefusedByTheTlsServer) {
  auto channel = grpc::CreateChannel(collector_->address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Collector::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::EnrollRequest req;
  req.set_token(collector_->Token());
  v1::EnrollResponse resp;
  grpc::Status s = stub->Enroll(&ctx, req, &resp);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(resp.node_key().empty());
  // The collector keeps serving TLS clients.
  ProcessResult r = Enroll(dir_.path() + "/agent", collector_->Token());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(AgentCollectorEnrollTest, UnreachableCollectorIsQueuedExitCode) {
  const std::string token = collector_->Token();
  const std::string address = collector_->address();
  collector_->Stop(SIGTERM);
  ProcessResult r = Enroll(dir_.path() + "/agent", token);
  EXPECT_EQ(r.exit_code, kExitQueued) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/agent/identity.json"));
}

TEST_F(AgentCollectorEnrollTest, UsageErrorsExitTwoAndNameTheFlag) {
  ProcessResult no_ca = Agent({"enroll", "--server", collector_->address(),
                               "--token", "x", "--state", dir_.path() + "/a"});
  EXPECT_EQ(no_ca.exit_code, 2);
  EXPECT_THAT(no_ca.err, HasSubstr("--ca"));
  ProcessResult bad_fp =
      Enroll(dir_.path() + "/a", "x", {"--ca-sha256", "not-a-fingerprint"});
  EXPECT_EQ(bad_fp.exit_code, 2);
  EXPECT_THAT(bad_fp.err, HasSubstr("64 hex digits"));
  ProcessResult bad_server =
      Agent({"enroll", "--server", "nohost", "--token", "x", "--ca",
             collector_->ca_path(), "--state", dir_.path() + "/a"});
  EXPECT_EQ(bad_server.exit_code, 2);
  EXPECT_THAT(bad_server.err, HasSubstr("HOST:PORT"));
  ProcessResult bad_conf =
      Agent({"once", "--config", FixtureRoot("e2e-good") + "/etc/os-release"});
  EXPECT_EQ(bad_conf.exit_code, 2);
  EXPECT_THAT(bad_conf.err, HasSubstr("os-release"));
}

}  // namespace
}  // namespace mamori::agent_collector
