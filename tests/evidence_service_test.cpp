// Evidence the collector can trust (issue #13 point 10), through the real
// gRPC service over TLS on loopback with a real SQLite file: collected_at
// from the future is stored as received and flagged; a report whose
// identity contradicts the enrolled machine's is refused and flagged; SQL
// error text never reaches the client.
#include <gtest/gtest.h>

#include <cstdio>

#include "collector/store/sqlite/sqlite.h"
#include "tests/collector_harness.h"

namespace mamori::testing {
namespace {

// The harness's clock.
constexpr int64_t kNow = 1'763'900'000;

grpc::Status Send(v1::Collector::Stub& stub, const v1::ReportRequest& request,
                  v1::ReportResponse* response = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  v1::ReportResponse ignored;
  return stub.Report(&context, request, response ? response : &ignored);
}

TEST(EvidenceServiceTest, FutureCollectedAtIsStoredAsReceivedAndFlagged) {
  Harness h;
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());

  // Within the skew allowance: kept as sent.
  v1::ReportRequest close = MakeReport(agent, "rep-close", 0);
  close.mutable_collected_at()->set_seconds(kNow + 120);
  ASSERT_TRUE(Send(*stub, close).ok());
  EXPECT_EQ(h.Scalar("SELECT last_collected_at FROM hosts"), kNow + 120);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_evidence_flags"), 0);

  // 9999-12-31T23:59:59Z, the largest time protobuf's JSON can express,
  // on the report and on one family's own status.
  v1::ReportRequest far = MakeReport(agent, "rep-9999", 0);
  far.mutable_collected_at()->set_seconds(253'402'300'799);
  far.mutable_facts()
      ->mutable_antivirus()
      ->mutable_status()
      ->mutable_collected_at()
      ->set_seconds(253'402'300'799);
  far.mutable_facts()->mutable_antivirus()->mutable_products(0)->set_name(
      "changed so the family is written");
  v1::ReportResponse response;
  grpc::Status status = Send(*stub, far, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.outcome(), v1::ReportResponse::OUTCOME_STORED);
  EXPECT_EQ(h.Scalar("SELECT last_collected_at FROM hosts"), kNow);
  EXPECT_EQ(h.Scalar("SELECT max(collected_at) FROM host_facts"), kNow);
  EXPECT_EQ(h.Scalar("SELECT max(collected_at) FROM fact_collected"), kNow);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_evidence_flags WHERE kind = "
                     "'clock_ahead' AND detail LIKE '%rep-9999%'"),
            1);
  // A second one counts on the same flag.
  v1::ReportRequest again = MakeReport(agent, "rep-9999-b", 0);
  again.mutable_collected_at()->set_seconds(kNow + 3600);
  ASSERT_TRUE(Send(*stub, again).ok());
  EXPECT_EQ(h.Scalar("SELECT count FROM host_evidence_flags"), 2);
}

TEST(EvidenceServiceTest, ReportFromAnotherMachineIsRefusedAndFlagged) {
  Harness h;
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  v1::ReportRequest own = MakeReport(agent, "rep-own", 0);
  own.mutable_facts()->mutable_identity()->set_machine_id("m1");
  own.mutable_facts()->mutable_identity()->set_smbios_uuid("U1");  // case
  ASSERT_TRUE(Send(*stub, own).ok());

  // The same node key, another machine's identity facts.
  v1::ReportRequest copied = MakeReport(agent, "rep-copied", 0);
  copied.mutable_facts()->mutable_identity()->set_machine_id("m2");
  copied.mutable_facts()->mutable_system()->set_hostname("pc-other");
  grpc::Status status = Send(*stub, copied);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("another machine"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 1);
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM host_evidence_flags WHERE kind = "
                     "'copied_state' AND detail LIKE '%machine_id%'"),
            1);
  // The enrolled machine's record was not touched by the copy.
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM hosts WHERE hostname = 'pc-other'"),
            0);
  // And the enrolled machine still reports.
  v1::ReportRequest later = MakeReport(agent, "rep-own-2", 0);
  later.mutable_facts()->mutable_identity()->set_machine_id("m1");
  EXPECT_TRUE(Send(*stub, later).ok());
  EXPECT_EQ(h.Scalar("SELECT count(*) FROM reports"), 2);
}

TEST(EvidenceServiceTest, SqlErrorTextIsNotSentToClients) {
  Harness h;
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  {
    // A broken schema: every stored report now fails inside SQLite with
    // "no such table: main.secret_table_xyz".
    Result<store::Database> db =
        store::Database::Open(h.dir() + "/collector.db", false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE doomed (x); CREATE TRIGGER boom BEFORE "
                         "INSERT ON reports BEGIN INSERT INTO doomed SELECT * "
                         "FROM secret_table_xyz; END; CREATE TABLE "
                         "secret_table_xyz (x); DROP TABLE secret_table_xyz;")
                    .ok());
  }
  grpc::Status status = Send(*stub, MakeReport(agent, "rep-1", 0));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error_message().find("secret_table_xyz"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(status.error_message().find("SQL"), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("incident"), std::string::npos)
      << status.error_message();
  // Client-facing refusals keep their words.
  v1::ReportRequest wrong_key = MakeReport(agent, "rep-2", 0);
  wrong_key.set_node_key("not-the-key");
  status = Send(*stub, wrong_key);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "unknown host id or wrong node key");
}

// Runs `mamori-collector ARGS --data DIR` and returns what it printed.
std::string CollectorCli(const std::string& args, const std::string& dir) {
  const std::string command = std::string(MAMORI_COLLECTOR_BIN) + " " + args +
                              " --data '" + dir + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while (pipe != nullptr && (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    out.append(buffer, n);
  }
  if (pipe != nullptr) {
    EXPECT_EQ(::pclose(pipe), 0) << out;
  }
  return out;
}

TEST(EvidenceServiceTest, HostNamesCannotRewriteTheOperatorsTerminal) {
  Harness h;
  h.Start();
  auto stub = h.Stub();
  Agent agent;
  ASSERT_TRUE(h.Enroll(*stub, h.Token("acme"), "m1", "u1", "s1", &agent).ok());
  v1::ReportRequest report = MakeReport(agent, "rep-1", 0);
  // Erase the line, return the cursor, then a C1 CSI and a right-to-left
  // override: each would let a host disguise itself in `hosts`.
  report.mutable_facts()->mutable_system()->set_hostname(
      "pc\x1b[2K\r\xc2\x9b"
      "31m\xe2\x80\xae"
      "evil");
  ASSERT_TRUE(Send(*stub, report).ok());
  h.Stop();
  const std::string out = CollectorCli("hosts --org acme", h.dir());
  for (unsigned char c : out) {
    EXPECT_FALSE((c < 0x20 && c != '\n') || c == 0x7f)
        << "control byte " << static_cast<int>(c) << " in:\n"
        << out;
  }
  EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(out.find("\xe2\x80\xae"), std::string::npos);
  // Shown escaped (the HOSTNAME column is 20 wide, so the rest is cut).
  EXPECT_NE(out.find("pc\\x1b[2K\\x0d\\x9b"), std::string::npos) << out;
}

}  // namespace
}  // namespace mamori::testing
