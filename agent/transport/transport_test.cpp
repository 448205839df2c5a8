// Agent transport against an in-process Collector over real TLS: enrollment
// (CA file, pinned fingerprint, bad token, wrong CA) and delivery from the
// spool (ordering, acknowledgement, digests, back-pressure, lost acks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>
#include <string>

#include "agent/platform/files.h"
#include "agent/spool/spool.h"
#include "agent/transport/collector_client.h"
#include "agent/transport/delivery.h"
#include "agent/transport/enrollment.h"
#include "agent/transport/part_digest.h"
#include "agent/transport/state_store.h"
#include "agent/transport/testing/fake_collector.h"
#include "agent/transport/testing/test_pki.h"
#include "agent/transport/tls_pin.h"
#include "common/text.h"

namespace mamori::transport {
namespace {

using testing::FakeCollector;
using ::testing::HasSubstr;
using testing::MakeTestPki;
using testing::TestPki;

mamori::v1::EndpointFacts SampleFacts(int packages, int64_t at) {
  mamori::v1::EndpointFacts f;
  f.set_agent_version("0.1.0");
  f.mutable_identity()->set_hostname("pc-05");
  f.mutable_identity()->set_machine_id("0123456789abcdef0123456789abcdef");
  f.mutable_collected_at()->set_seconds(at);
  f.mutable_system()->set_hostname("pc-05");
  f.mutable_system()->set_os_name("Debian GNU/Linux 12 (bookworm)");
  auto* pk = f.mutable_packages();
  pk->mutable_status()->set_state(mamori::v1::STATUS_OK);
  pk->mutable_status()->mutable_collected_at()->set_seconds(at);
  for (int i = 0; i < packages; ++i) {
    auto* p = pk->add_packages();
    p->set_name("pkg-" + std::to_string(i));
    p->set_version("1.0-" + std::to_string(i));
  }
  return f;
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A fresh directory, portably (mkdtemp is POSIX; the Windows agent's
    // tests run under Wine too).
    const std::string tmpl =
        (std::filesystem::temp_directory_path() /
         ("mamori-transport-test-" + std::to_string(std::random_device{}())))
            .string();
    ASSERT_TRUE(std::filesystem::create_directories(tmpl));
    root_ = tmpl;
    state_ = root_ + "/state";
    ca_file_ = root_ + "/ca.pem";
    ASSERT_TRUE(WriteFileAtomically(ca_file_, pki_.ca_cert_pem).ok());
    server_ = std::make_unique<FakeCollector>(pki_);
    server_->AddToken("good-token");
  }
  // The client, the spool and the server first: Windows refuses to delete a
  // file that is still open (the spool), where POSIX unlinks it anyway.
  void TearDown() override {
    client_.reset();
    spool_.reset();
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    EXPECT_FALSE(ec) << "cannot remove " << root_ << ": " << ec.message();
  }

  EnrollOptions Options() {
    return {.server = server_->address(),
            .token = "good-token",
            .ca_file = ca_file_,
            .ca_sha256 = "",
            .state_dir = state_,
            .timeout = std::chrono::seconds(10)};
  }

  // Enrolls and opens the spool and a client, as `once` does.
  void EnrollAndConnect(agent::SpoolLimits limits = {}) {
    auto out = Enroll(Options(), SampleFacts(1, 1));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    auto id = LoadIdentity(state_);
    ASSERT_TRUE(id.ok());
    identity_ = *id;
    auto spool = agent::Spool::Open(SpoolPath(state_), limits, clock_);
    ASSERT_TRUE(spool.ok());
    spool_ = std::move(spool).value();
    auto client = CollectorClient::Create({.server = identity_.server,
                                           .ca_pem = *ReadFile(CaPath(state_)),
                                           .timeout = std::chrono::seconds(10),
                                           .max_send_bytes = max_send_bytes_});
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }

  void Spool(const std::string& id, const mamori::v1::EndpointFacts& f) {
    ASSERT_TRUE(spool_->Enqueue(id, f.SerializeAsString()).ok());
  }

  TestPki pki_ = MakeTestPki();
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::string root_, state_, ca_file_;
  std::unique_ptr<FakeCollector> server_;
  AgentIdentity identity_;
  std::unique_ptr<agent::Spool> spool_;
  std::unique_ptr<CollectorClient> client_;
  int max_send_bytes_ = 64 << 20;
};

// Private as the platform makes it: on POSIX exactly `posix_mode` (0600
// files, a 0700 directory); on Windows platform::CheckPrivate, whose DACL
// may name nobody but the owner, LocalSystem and Administrators. (Under
// Wine, which keeps no DACL but maps it to the Unix mode, a file created
// with the private DACL in the agent's private directory reads back
// private too; a file written loose would show Everyone.)
void ExpectPrivate(const std::string& path, int posix_mode) {
#ifdef _WIN32
  (void)posix_mode;
  const Status check = platform::CheckPrivate(path);
  EXPECT_TRUE(check.ok()) << check.ToString();
#else
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
  EXPECT_EQ(static_cast<int>(st.st_mode & 0777), posix_mode) << path;
#endif
}

TEST_F(TransportTest, EnrollWithCaFileStoresPrivateIdentity) {
  auto out = Enroll(Options(), SampleFacts(1, 1));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->identity.host_id, "host-1");
  EXPECT_EQ(out->identity.organization, "Test Org");
  ExpectPrivate(IdentityPath(state_), 0600);
  ExpectPrivate(CaPath(state_), 0600);
  ExpectPrivate(state_, 0700);
  auto id = LoadIdentity(state_);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->node_key, "key-of-host-1");
  EXPECT_EQ(id->server, server_->address());
  EXPECT_EQ(*ReadFile(CaPath(state_)), pki_.ca_cert_pem);
}

TEST_F(TransportTest, EnrollWithPinnedFingerprintFetchesAndStoresTheCa) {
  EnrollOptions opts = Options();
  opts.ca_file.clear();
  opts.ca_sha256 = *CertificateFingerprint(pki_.ca_cert_pem);
  auto out = Enroll(opts, SampleFacts(1, 1));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->ca_fingerprint, opts.ca_sha256);
  EXPECT_EQ(*ReadFile(CaPath(state_)), pki_.ca_cert_pem);
}

TEST_F(TransportTest, EnrollWithWrongFingerprintWritesNothing) {
  EnrollOptions opts = Options();
  opts.ca_file.clear();
  opts.ca_sha256 = *CertificateFingerprint(MakeTestPki("x").ca_cert_pem);
  auto out = Enroll(opts, SampleFacts(1, 1));
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(state_));
  // The token was not spent on an untrusted server.
  EXPECT_TRUE(Enroll(Options(), SampleFacts(1, 1)).ok());
}

TEST_F(TransportTest, EnrollWithBadTokenIsUnauthenticated) {
  EnrollOptions opts = Options();
  opts.token = "forged";
  auto out = Enroll(opts, SampleFacts(1, 1));
  EXPECT_EQ(out.status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(std::filesystem::exists(IdentityPath(state_)));
  ASSERT_TRUE(Enroll(Options(), SampleFacts(1, 1)).ok());
  // Used up now.
  EXPECT_EQ(Enroll(Options(), SampleFacts(1, 1)).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(TransportTest, EnrollTrustingAnotherCaFailsTheHandshake) {
  ASSERT_TRUE(
      WriteFileAtomically(ca_file_, MakeTestPki("stranger").ca_cert_pem).ok());
  auto out = Enroll(Options(), SampleFacts(1, 1));
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(out.status().message(), HasSubstr("not signed by the trusted"));
  EXPECT_FALSE(std::filesystem::exists(IdentityPath(state_)));
}

TEST_F(TransportTest, EnrollWithCaFileWithoutCertificateIsAClearError) {
  ASSERT_TRUE(WriteFileAtomically(ca_file_, "hello").ok());
  auto out = Enroll(Options(), SampleFacts(1, 1));
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr(ca_file_));
}

TEST_F(TransportTest, DeliversInOrderAndEmptiesTheSpool) {
  EnrollAndConnect();
  Spool("r1", SampleFacts(3, 100));
  Spool("r2", SampleFacts(3, 200));
  Spool("r3", SampleFacts(3, 300));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_, 2);
  EXPECT_EQ(r.state, DeliveryState::kAllDelivered) << r.last_error.ToString();
  EXPECT_EQ(r.acknowledged, 3);
  EXPECT_EQ(r.remaining, 0);
  auto stored = server_->stored();
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].request.report_id(), "r1");
  EXPECT_EQ(stored[2].request.report_id(), "r3");
  EXPECT_EQ(stored[1].request.collected_at().seconds(), 200);
  EXPECT_EQ(stored[0].request.node_key(), "key-of-host-1");
}

TEST_F(TransportTest, UnchangedLargeFamilyGoesAsDigestAndFullOnRequest) {
  EnrollAndConnect();
  Spool("r1", SampleFacts(300, 100));
  ASSERT_EQ(DeliverPending(*spool_, *client_, identity_).acknowledged, 1);
  Spool("r2", SampleFacts(300, 200));
  ASSERT_EQ(DeliverPending(*spool_, *client_, identity_).acknowledged, 1);
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_TRUE(reqs[0].facts().has_packages());
  EXPECT_FALSE(reqs[1].facts().has_packages());
  ASSERT_EQ(reqs[1].unchanged_parts_size(), 1);
  EXPECT_EQ(reqs[1].unchanged_parts(0).family(), "packages");
  EXPECT_LT(reqs[1].ByteSizeLong() * 5, reqs[0].ByteSizeLong());
  // The collector rebuilt the full list from what it held.
  EXPECT_EQ(server_->stored()[1].facts.packages().packages_size(), 300);

  // The collector lost the parts: it asks, the agent resends the same id.
  server_->ForgetParts();
  Spool("r3", SampleFacts(300, 300));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.acknowledged, 1) << r.last_error.ToString();
  reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[2].report_id(), "r3");
  EXPECT_EQ(reqs[2].unchanged_parts_size(), 1);
  EXPECT_EQ(reqs[3].report_id(), "r3");
  EXPECT_EQ(reqs[3].unchanged_parts_size(), 0);
  EXPECT_EQ(reqs[3].facts().packages().packages_size(), 300);
  EXPECT_EQ(server_->stored().size(), 3u);
}

TEST_F(TransportTest, ChangedFamilyIsSentInFull) {
  EnrollAndConnect();
  Spool("r1", SampleFacts(300, 100));
  ASSERT_EQ(DeliverPending(*spool_, *client_, identity_).acknowledged, 1);
  Spool("r2", SampleFacts(301, 200));
  ASSERT_EQ(DeliverPending(*spool_, *client_, identity_).acknowledged, 1);
  auto reqs = server_->requests();
  EXPECT_EQ(reqs[1].facts().packages().packages_size(), 301);
  EXPECT_EQ(reqs[1].unchanged_parts_size(), 0);
}

TEST_F(TransportTest, ShortOverloadIsRetriedAfterThePushback) {
  EnrollAndConnect();
  server_->SetBusy(1, 1500);
  Spool("r1", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kAllDelivered) << r.last_error.ToString();
  auto times = server_->call_times();
  ASSERT_EQ(times.size(), 2u);
  // Without the hint gRPC's own first backoff is at most 0.5 s; a gap past
  // 1.2 s shows the server's 1.5 s pushback was honoured (timers may fire a
  // little early, hence the margin).
  EXPECT_GE(times[1] - times[0], std::chrono::milliseconds(1200));
  EXPECT_EQ(server_->stored().size(), 1u);
}

TEST_F(TransportTest, LongOverloadLeavesTheReportQueuedWithRetryAfter) {
  EnrollAndConnect();
  server_->SetBusy(1000, 50);
  Spool("r1", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kQueued);
  EXPECT_EQ(r.last_error.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.retry_after, std::chrono::milliseconds(50));
  EXPECT_EQ(r.remaining, 1);
  EXPECT_EQ(server_->report_calls(), 4);  // the retry policy's maxAttempts
}

TEST_F(TransportTest, UnreachableCollectorLeavesReportsQueued) {
  EnrollAndConnect();
  const std::string address = server_->address();
  server_.reset();
  Spool("r1", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kQueued);
  EXPECT_EQ(r.last_error.code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.remaining, 1);
}

TEST_F(TransportTest, LostAckIsRetriedAndStoredOnce) {
  EnrollAndConnect();
  server_->LoseAcks(1);
  Spool("r1", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kAllDelivered) << r.last_error.ToString();
  EXPECT_EQ(server_->report_calls(), 2);
  EXPECT_EQ(server_->stored().size(), 1u);
  EXPECT_EQ(r.remaining, 0);
}

TEST_F(TransportTest, DroppedReportsAreReportedOnceAcknowledged) {
  const auto f = SampleFacts(40, 100);
  // Room for two reports and a half.
  EnrollAndConnect({.max_bytes = f.ByteSizeLong() * 5 / 2,
                    .max_age = std::chrono::hours(1)});
  Spool("r1", f);
  Spool("r2", f);
  Spool("r3", f);  // r1 dropped
  Spool("r4", f);  // r2 dropped
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  ASSERT_EQ(r.acknowledged, 2) << r.last_error.ToString();
  auto stored = server_->stored();
  EXPECT_EQ(stored[0].request.report_id(), "r3");
  EXPECT_EQ(stored[0].request.dropped_reports(), 2u);
  EXPECT_EQ(stored[1].request.dropped_reports(), 0u);
  EXPECT_EQ(server_->dropped_total(), 2u);
  EXPECT_EQ(spool_->Stats()->dropped_unreported, 0u);
}

TEST_F(TransportTest, BadNodeKeyFailsAndKeepsTheReport) {
  EnrollAndConnect();
  identity_.node_key = "stolen";
  Spool("r1", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kFailed);
  EXPECT_EQ(r.last_error.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.remaining, 1);
}

TEST_F(TransportTest, RejectedReportIsDiscardedAndCounted) {
  EnrollAndConnect();
  server_->RejectReports(true);
  Spool("bad", SampleFacts(3, 100));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(spool_->Stats()->dropped_unreported, 1u);
  server_->RejectReports(false);
  Spool("good", SampleFacts(3, 200));
  r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.acknowledged, 1);
  EXPECT_EQ(server_->stored()[0].request.dropped_reports(), 1u);
}

TEST_F(TransportTest, ReportOverTheSizeLimitIsDiscardedNotRetried) {
  // gRPC refuses a message over the limit with RESOURCE_EXHAUSTED, which
  // otherwise means "busy": the report would be retried for ever and block
  // the ones behind it. Here the channel's own limit refuses it; the
  // collector's limit answers the same way (tests/agent_spool_heal_test).
  max_send_bytes_ = 4096;
  EnrollAndConnect();
  Spool("big", SampleFacts(300, 100));
  Spool("small", SampleFacts(3, 200));
  DeliveryResult r = DeliverPending(*spool_, *client_, identity_);
  EXPECT_EQ(r.state, DeliveryState::kAllDelivered) << r.last_error.ToString();
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.acknowledged, 1);
  EXPECT_THAT(r.last_error.message(), HasSubstr("larger than max"));
  EXPECT_EQ(r.remaining, 0);
  auto stored = server_->stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].request.report_id(), "small");
  EXPECT_EQ(stored[0].request.dropped_reports(), 1u);
}

TEST(ServiceConfigTest, RetriesOnlyReportOnOverloadAndUnavailability) {
  const std::string config = CollectorServiceConfig();
  EXPECT_THAT(config, HasSubstr("\"method\": \"Report\""));
  EXPECT_THAT(config, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(config, ::testing::Not(HasSubstr("Enroll")));
}

}  // namespace
}  // namespace mamori::transport
