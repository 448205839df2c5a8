// Integration tests of the collector's gRPC service: real TLS on loopback
// port 0, the real service and writer in process, over a real SQLite file
// and (issue #17) a real PostgreSQL database: the CollectorServiceTest cases
// run on both backends (the /postgres ones skip without MAMORI_TEST_PG_URL);
// CollectorServiceSqliteTest holds SQLite's write lock by hand.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "collector/pki/crypto.h"
#include "collector/store/sqlite/sqlite.h"
#include "proto/wire/part_digest.h"
#include "tests/collector_harness.h"

namespace mamori::testing {
namespace {

using store::testing::Backend;
using v1::ReportResponse;

class CollectorServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres &&
        !store::testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
  }
};

ReportResponse SendReport(v1::Collector::Stub& stub,
                          const v1::ReportRequest& request,
                          grpc::Status* status) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  ReportResponse response;
  *status = stub.Report(&context, request, &response);
  return response;
}

TEST_P(CollectorServiceTest, EnrollWithValidExpiredRevokedAndUsedUpTokens) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  v1::EnrollResponse response;
  grpc::Status ok =
      h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent, &response);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_FALSE(agent.host_id.empty());
  EXPECT_GE(agent.node_key.size(), 40u);
  EXPECT_EQ(response.organization(), "acme");
  // Only the node key's hash is stored.
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts WHERE node_key_hash = '" +
                     pki::Sha256Hex(agent.node_key) + "'"),
            1);

  Result<store::CreatedToken> expired = h.store().CreateToken(
      {"acme", FromUnixSeconds(1'763'900'000 - 1), std::nullopt});
  ASSERT_TRUE(expired.ok());
  grpc::Status s = h.Enroll(*stub, expired->token, "m2", "u2", "s2", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "enrollment token expired");

  std::string revoked = h.Token("acme");
  ASSERT_TRUE(h.store().RevokeToken("acme", revoked.substr(0, 12)).ok());
  s = h.Enroll(*stub, revoked, "m3", "u3", "s3", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "enrollment token was revoked");

  std::string once = h.Token("acme", 1);
  ASSERT_TRUE(h.Enroll(*stub, once, "m4", "u4", "s4", nullptr).ok());
  s = h.Enroll(*stub, once, "m5", "u5", "s5", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(), "enrollment token has no uses left");

  s = h.Enroll(*stub, "", "m6", "", "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts"), 2);
}

TEST_P(CollectorServiceTest,
       EnrollWithCsrReturnsClientCertificateThatAuthenticates) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  // An agent key and CSR, as the agent would make them.
  std::string key_pem;
  const std::string csr = MakeCsr(&key_pem);

  v1::EnrollRequest request;
  request.set_token(h.Token("acme"));
  request.mutable_identity()->set_machine_id("m1");
  request.set_csr_pem(csr);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  grpc::Status s = stub->Enroll(&context, request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_NE(response.client_cert_pem().find("BEGIN CERTIFICATE"),
            std::string::npos);

  // mTLS: no node key, the certificate names the host.
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = h.ca().cert_pem;
  options.pem_private_key = key_pem;
  options.pem_cert_chain = response.client_cert_pem();
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto mtls = v1::Collector::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(h.port()),
                                grpc::SslCredentials(options), args));
  Agent by_cert{response.host_id(), ""};
  grpc::Status status;
  ReportResponse r = SendReport(*mtls, MakeReport(by_cert, "r1", 0), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(r.outcome(), ReportResponse::OUTCOME_STORED);
  // Without the certificate and without the key: refused.
  SendReport(*stub, MakeReport(by_cert, "r2", 0), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(CollectorServiceTest,
       WrongCaAndPlaintextClientsAreRefusedAndServerKeepsServing) {
  Harness h(GetParam());
  h.Start();
  Result<pki::KeyAndCert> other =
      pki::CreateCa("other", FromUnixSeconds(1'763'900'000));
  ASSERT_TRUE(other.ok());
  auto wrong_ca = v1::Collector::NewStub(TlsChannel(h.port(), other->cert_pem));
  grpc::Status s = h.Enroll(*wrong_ca, h.Token("acme"), "m1", "", "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  auto plaintext = v1::Collector::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(h.port()),
                          grpc::InsecureChannelCredentials()));
  s = h.Enroll(*plaintext, h.Token("acme"), "m1", "", "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();

  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts"), 0);
  auto stub = h.Stub();
  EXPECT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "", "", nullptr).ok());
}

TEST_P(CollectorServiceTest, DuplicateReportIdIsStoredOnce) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  v1::ReportRequest report = MakeReport(agent, "rep-1", 10);
  report.set_dropped_reports(4);
  grpc::Status status;
  EXPECT_EQ(SendReport(*stub, report, &status).outcome(),
            ReportResponse::OUTCOME_STORED);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(SendReport(*stub, report, &status).outcome(),
            ReportResponse::OUTCOME_DUPLICATE);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 1);
  EXPECT_EQ(h.Scalar("SELECT reports_stored FROM hosts"), 1);
  EXPECT_EQ(h.Scalar("SELECT dropped_reports FROM hosts"), 4);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM fact_history"), 3);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_packages"), 10);

  v1::ReportRequest wrong_key = MakeReport(agent, "rep-2", 0);
  wrong_key.set_node_key("not-the-key");
  SendReport(*stub, wrong_key, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(CollectorServiceTest, UnknownPartDigestAsksForPartsThenAcceptsDigest) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  v1::ReportRequest full = MakeReport(agent, "rep-1", 50);
  const std::string digest = wire::PartDigest(full.facts().packages());

  v1::ReportRequest lean = full;
  lean.mutable_facts()->clear_packages();
  v1::PartDigest* part = lean.add_unchanged_parts();
  part->set_family("packages");
  part->set_sha256(digest);
  grpc::Status status;
  ReportResponse need = SendReport(*stub, lean, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(need.outcome(), ReportResponse::OUTCOME_NEED_PARTS);
  ASSERT_EQ(need.missing_parts_size(), 1);
  EXPECT_EQ(need.missing_parts(0), "packages");
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 0);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_facts"), 0);

  EXPECT_EQ(SendReport(*stub, full, &status).outcome(),
            ReportResponse::OUTCOME_STORED);
  lean.set_report_id("rep-2");
  EXPECT_EQ(SendReport(*stub, lean, &status).outcome(),
            ReportResponse::OUTCOME_STORED);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_packages"), 50);
  EXPECT_EQ(h.Scalar("SELECT reports_stored FROM hosts"), 2);
}

TEST_P(CollectorServiceTest, HostileInputGetsClearStatusAndServerKeepsServing) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  grpc::Status status;

  // Malformed protobuf bytes through a generic stub.
  grpc::GenericStub generic(h.Channel());
  const std::string garbage = "\xff\xff\xff\xff\x0f not a protobuf";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::ClientContext generic_context;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&generic_context, "/mamori.v1.Collector/Report",
                    grpc::StubOptions(), &request, &reply,
                    [&](grpc::Status s) { done.set_value(s); });
  grpc::Status malformed = done.get_future().get();
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(malformed.error_message().find("malformed"), std::string::npos)
      << malformed.error_message();

  // Invalid UTF-8 in a string field: named in the status.
  v1::ReportRequest bad_utf8 = MakeReport(agent, "utf8", 0);
  bad_utf8.mutable_facts()->mutable_system()->set_hostname("pc-\xff\xfe");
  SendReport(*stub, bad_utf8, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("mamori.v1.SystemFacts.hostname"),
            std::string::npos)
      << status.error_message();

  // A 100 MB message: refused by size before parsing.
  v1::ReportRequest huge = MakeReport(agent, "huge", 0);
  huge.mutable_facts()->mutable_system()->set_kernel_version(
      std::string(100u << 20, 'x'));
  SendReport(*stub, huge, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();

  // A million packages: over the list limit, named.
  v1::ReportRequest million = MakeReport(agent, "million", 0);
  v1::PackageFacts* packages = million.mutable_facts()->mutable_packages();
  for (int i = 0; i < 1'000'000; ++i) packages->add_packages()->set_name("p");
  SendReport(*stub, million, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(
      status.error_message().find("facts.packages.packages: 1000000 entries"),
      std::string::npos)
      << status.error_message();

  // A timestamp in 1970 is stored as given; one in 2100, beyond the clock
  // skew allowance, as the time received (the harness clock), flagged
  // (#13.10: a future time would count as fresh for ever).
  v1::ReportRequest odd_times = MakeReport(agent, "times", 0);
  odd_times.mutable_collected_at()->set_seconds(0);
  odd_times.mutable_facts()
      ->mutable_antivirus()
      ->mutable_status()
      ->mutable_collected_at()
      ->set_seconds(4'102'444'800);
  EXPECT_EQ(SendReport(*stub, odd_times, &status).outcome(),
            ReportResponse::OUTCOME_STORED);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(
      h.Scalar(
          "SELECT collected_at FROM host_facts WHERE family = 'antivirus'"),
      1'763'900'000);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_evidence_flags WHERE kind = "
                     "'clock_ahead'"),
            1);
  EXPECT_EQ(
      h.Scalar("SELECT collected_at FROM reports WHERE report_id = 'times'"),
      0);

  // Nothing from the hostile ones was stored; the server still serves.
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 1);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM packages"), 0);
  EXPECT_EQ(SendReport(*stub, MakeReport(agent, "after", 5), &status).outcome(),
            ReportResponse::OUTCOME_STORED);
}

// Issue #13 point 2: enrolling with only an existing host's machine id (or
// only its serial) does not take the host over.
TEST_P(CollectorServiceTest, OneIdentifierDoesNotTakeOverAHost) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  std::string token = h.Token("acme");
  Agent victim;
  ASSERT_TRUE(h.Enroll(*stub, token, "m1", "uuid-1", "S1", &victim).ok());
  for (const auto& [machine, serial] :
       {std::pair<std::string, std::string>{"m1", ""}, {"", "S1"}}) {
    Agent attacker;
    v1::EnrollResponse response;
    ASSERT_TRUE(
        h.Enroll(*stub, token, machine, "", serial, &attacker, &response).ok());
    EXPECT_FALSE(response.reattached());
    EXPECT_TRUE(response.possible_duplicate());
    EXPECT_NE(attacker.host_id, victim.host_id);
  }
  grpc::Status status;
  EXPECT_EQ(
      SendReport(*stub, MakeReport(victim, "still-mine", 3), &status).outcome(),
      ReportResponse::OUTCOME_STORED)
      << status.error_message();
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts WHERE duplicate_of = " +
                     victim.host_id),
            2);
  EXPECT_EQ(
      h.Scalar("SELECT enroll_count FROM hosts WHERE id = " + victim.host_id),
      1);
}

// A re-enrolling agent that proves its old node key keeps its host even
// when it reports less identity than before.
TEST_P(CollectorServiceTest, ProofOfTheOldNodeKeyReattaches) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  std::string token = h.Token("acme");
  Agent first;
  ASSERT_TRUE(h.Enroll(*stub, token, "m1", "", "", &first).ok());
  v1::EnrollRequest request;
  request.set_token(token);
  request.mutable_identity()->set_hostname("pc-m1");
  request.mutable_identity()->set_machine_id("m1");
  request.set_previous_host_id(first.host_id);
  request.set_previous_node_key(first.node_key);
  grpc::ClientContext context;
  v1::EnrollResponse response;
  ASSERT_TRUE(stub->Enroll(&context, request, &response).ok());
  EXPECT_TRUE(response.reattached());
  EXPECT_EQ(response.host_id(), first.host_id);
}

// Issue 13.1: credentials are checked before the report is parsed. A
// report that would fail parsing (invalid UTF-8) is UNAUTHENTICATED when its
// key is wrong, and INVALID_ARGUMENT only for its real host.
TEST_P(CollectorServiceTest, WrongKeyIsRefusedBeforeTheReportIsParsed) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "", "", &agent).ok());
  v1::ReportRequest bad_utf8 = MakeReport(agent, "utf8", 0);
  bad_utf8.mutable_facts()->mutable_system()->set_hostname("pc-\xff\xfe");
  grpc::Status status;
  SendReport(*stub, bad_utf8, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  bad_utf8.set_node_key("not-the-key");
  SendReport(*stub, bad_utf8, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
  bad_utf8.set_host_id("999999");
  SendReport(*stub, bad_utf8, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 0);
}

TEST_P(CollectorServiceTest, ReinstallReattachesCloneIsFlagged) {
  Harness h(GetParam());
  h.Start();
  auto stub = h.Stub();
  std::string token = h.Token("acme");
  Agent first;
  ASSERT_TRUE(h.Enroll(*stub, token, "m1", "UUID-1", "S1", &first).ok());
  v1::EnrollResponse response;
  Agent reinstalled;
  ASSERT_TRUE(h.Enroll(*stub, token, "m1-reinstalled", "uuid-1", "S1",
                       &reinstalled, &response)
                  .ok());
  EXPECT_TRUE(response.reattached());
  EXPECT_EQ(reinstalled.host_id, first.host_id);
  Agent clone;
  ASSERT_TRUE(h.Enroll(*stub, token, "m1-reinstalled", "uuid-2", "S2", &clone,
                       &response)
                  .ok());
  EXPECT_TRUE(response.clone_suspected());
  EXPECT_NE(clone.host_id, first.host_id);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts"), 2);
  EXPECT_EQ(
      h.Scalar("SELECT count(*) FROM hosts WHERE is_clone = 1 AND clone_of = " +
               first.host_id),
      1);
}

TEST_P(CollectorServiceTest, EnrollmentRateLimitPerToken) {
  Harness h(GetParam());
  service::ServerConfig config;
  config.service.enroll_burst = 3;
  config.service.enroll_per_minute = 1;
  h.Start(config);
  auto stub = h.Stub();
  std::string token = h.Token("acme");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        h.Enroll(*stub, token, "m" + std::to_string(i), "", "", nullptr).ok());
  }
  grpc::Status s = h.Enroll(*stub, token, "m9", "", "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(h.Enroll(*stub, h.Token("acme"), "m9", "", "", nullptr).ok())
      << "another token has its own budget";
}

// Four agents report while the database's write lock is held, so the
// writer cannot commit: the bound in `config` lets one report in the writer
// (and at most one more waiting); the others must be told to wait, with the
// retry hint, and what was stored is exactly what was acknowledged.
void ExpectBusyAnswersWhileTheWriterIsHeld(
    const service::ServerConfig& config) {
  Harness h;
  h.Start(config);
  auto stub = h.Stub();
  std::vector<Agent> agents(4);
  std::string token = h.Token("acme");
  for (size_t i = 0; i < agents.size(); ++i) {
    ASSERT_TRUE(
        h.Enroll(*stub, token, "m" + std::to_string(i), "", "", &agents[i])
            .ok());
  }
  // Hold the database's write lock so the writer cannot commit: at most one
  // report in the writer plus one queued; the others must be told to wait.
  Result<store::Database> blocker =
      store::Database::Open(h.dir() + "/collector.db");
  ASSERT_TRUE(blocker.ok());
  ASSERT_TRUE(blocker->Exec("BEGIN IMMEDIATE").ok());

  struct Outcome {
    grpc::StatusCode code;
    std::string pushback;
  };
  std::vector<std::future<Outcome>> calls;
  for (size_t i = 0; i < agents.size(); ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      auto own = h.Stub();
      grpc::ClientContext context;
      ReportResponse response;
      grpc::Status s =
          own->Report(&context, MakeReport(agents[i], "r", 0), &response);
      auto trailer =
          context.GetServerTrailingMetadata().find("grpc-retry-pushback-ms");
      std::string pushback;
      if (trailer != context.GetServerTrailingMetadata().end()) {
        pushback.assign(trailer->second.data(), trailer->second.size());
      }
      return Outcome{s.error_code(), pushback};
    }));
  }
  // Busy answers come back while the lock is still held.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(blocker->Exec("COMMIT").ok());
  int busy = 0;
  int stored = 0;
  for (auto& call : calls) {
    Outcome o = call.get();
    if (o.code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++busy;
      EXPECT_FALSE(o.pushback.empty()) << "busy answers carry the retry hint";
    } else {
      EXPECT_EQ(o.code, grpc::StatusCode::OK);
      ++stored;
    }
  }
  EXPECT_GE(busy, 2);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), stored);
}

TEST(CollectorServiceSqliteTest, FullQueueAnswersBusyWithRetryHint) {
  service::ServerConfig config;
  config.writer.max_queued_reports = 1;
  config.writer.max_batch = 1;
  ExpectBusyAnswersWhileTheWriterIsHeld(config);
}

// The memory bound counts the report being stored: with room for one report
// only, the others are refused (before they are parsed, by their size on
// the wire) until it is answered.
TEST(CollectorServiceSqliteTest, MemoryBoundAnswersBusyWithRetryHint) {
  service::ServerConfig config;
  config.writer.max_queued_reports = 100;
  config.writer.max_queued_bytes = 1;
  config.writer.max_batch = 1;
  ExpectBusyAnswersWhileTheWriterIsHeld(config);
}

TEST_P(CollectorServiceTest, ThousandConcurrentAgentsEachStoredExactlyOnce) {
  constexpr int kAgents = 1000;
  Harness h(GetParam());
  service::ServerConfig config;
  config.service.enroll_burst = kAgents;
  // A small queue forces back-pressure; agents honour the (shortened) hint.
  config.writer.max_queued_reports = 64;
  config.service.pushback_base_ms = 20;
  config.service.pushback_spread_ms = 50;
  h.Start(config);
  std::string token = h.Token("acme");
  std::vector<Agent> agents(kAgents);
  constexpr int kThreads = 50;
  std::atomic<int> failures{0};
  std::atomic<int> busy{0};
  std::atomic<int> unavailable{0};
  std::mutex first_failure_mu;
  std::string first_failure;  // what went wrong first, for the log
  auto record_failure = [&](const std::string& what, const grpc::Status& s) {
    ++failures;
    std::lock_guard<std::mutex> lock(first_failure_mu);
    if (first_failure.empty()) {
      first_failure = what + ": code " + std::to_string(s.error_code()) + " " +
                      s.error_message();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = h.Stub();  // one connection per thread
      for (int i = t; i < kAgents; i += kThreads) {
        // A connection that could not be made (UNAVAILABLE: seen when 50
        // TLS handshakes start at once on a loaded machine) is retried, as
        // the agent's spool and backoff do; any other error is a failure.
        grpc::Status enrolled;
        for (int attempt = 0; attempt < 100; ++attempt) {
          enrolled = h.Enroll(*stub, token, "machine-" + std::to_string(i), "",
                              "", &agents[i]);
          if (enrolled.error_code() != grpc::StatusCode::UNAVAILABLE) break;
          ++unavailable;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!enrolled.ok()) {
          record_failure("enroll " + std::to_string(i), enrolled);
          continue;
        }
        // Each report is sent until acknowledged, a duplicate ack counting as
        // delivered, like the agent's spool does.
        for (int attempt = 0; attempt < 200; ++attempt) {
          grpc::ClientContext context;
          ReportResponse response;
          grpc::Status s = stub->Report(
              &context,
              MakeReport(agents[i], "report-" + std::to_string(i), 20),
              &response);
          if (s.ok()) break;
          if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
            ++unavailable;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
          }
          if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
            record_failure("report " + std::to_string(i), s);
            break;
          }
          ++busy;
          auto hint = context.GetServerTrailingMetadata().find(
              "grpc-retry-pushback-ms");
          int ms = hint == context.GetServerTrailingMetadata().end()
                       ? 50
                       : std::stoi(std::string(hint->second.data(),
                                               hint->second.size()));
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << "first failure: " << first_failure;
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts"), kAgents);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), kAgents);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts WHERE reports_stored = 1"),
            kAgents);
  EXPECT_EQ(h.Scalar("SELECT count(DISTINCT host_id) FROM reports"), kAgents);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_packages"), kAgents * 20);
  // Shared packages are stored once.
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM packages"), 20);
  RecordProperty("busy_answers", busy.load());
  RecordProperty("unavailable_retries", unavailable.load());
}

TEST_P(CollectorServiceTest, SecondServerOnSamePortFails) {
  Harness h(GetParam());
  h.Start();
  Harness other;
  service::ServerConfig config;
  Result<pki::KeyAndCert> ca =
      pki::CreateCa("x", FromUnixSeconds(1'763'900'000));
  ASSERT_TRUE(ca.ok());
  config.address = "127.0.0.1:" + std::to_string(h.port());
  config.insecure_plaintext = true;
  Result<std::unique_ptr<service::CollectorServer>> second =
      service::CollectorServer::Start(other.store(), SystemClock::Instance(),
                                      config);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string(h.port())),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectorServiceTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return store::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::testing
