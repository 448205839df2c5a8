// Device assets from real agent traffic: a collector serving gRPC over TLS on
// loopback (in process, real SQLite file), hosts enrolling and reporting like
// agents, and the register reading the same database through its own
// connection.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "collector/policy/grading_service.h"
#include "collector/register/import_file.h"
#include "collector/store/sqlite/register_store.h"
#include "common/text.h"
#include "tests/collector_harness.h"

namespace mamori::asset_register {
namespace {

using std::chrono::hours;
using testing::Agent;
using testing::Harness;

constexpr int64_t kHarnessNow = 1'763'900'000;  // the harness clock
constexpr auto kStaleAfter = hours(24 * 14);

v1::ReportResponse Send(v1::Collector::Stub& stub,
                        const v1::ReportRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  v1::ReportResponse response;
  const grpc::Status status = stub.Report(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

class RegisterDevicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_.Start();
    stub_ = harness_.Stub();
    auto db = store::Database::Open(harness_.dir() + "/collector.db", false);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::make_unique<store::Database>(std::move(*db));
    reg_ = std::make_unique<RegisterStore>(*db_, clock_);
  }
  void TearDown() override {
    reg_.reset();
    db_.reset();
    harness_.Stop();
  }

  DeviceAsset OnlyDevice(std::chrono::seconds stale_after = kStaleAfter) {
    auto devices = reg_->ListDevices("acme", stale_after);
    EXPECT_TRUE(devices.ok()) << devices.status().ToString();
    EXPECT_EQ(devices->size(), 1u);
    return devices->empty() ? DeviceAsset{} : devices->front();
  }

  Harness harness_;
  std::unique_ptr<v1::Collector::Stub> stub_;
  FakeClock clock_{FromUnixSeconds(kHarnessNow)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RegisterStore> reg_;
};

TEST_F(RegisterDevicesTest,
       AgentsBecomeDevicesThatUpdateGoStaleAndSurviveReenrollment) {
  const std::string token = harness_.Token("acme");
  Agent agent;
  const grpc::Status enrolled =
      harness_.Enroll(*stub_, token, "m5", "uuid-5", "SN-5", &agent);
  ASSERT_TRUE(enrolled.ok()) << enrolled.error_message();

  // Enrolled: the device is there before any report.
  DeviceAsset d = OnlyDevice();
  EXPECT_EQ(d.name, "pc-m5");
  EXPECT_EQ(d.serial, "SN-5");
  EXPECT_EQ(d.host_id, agent.host_id);
  EXPECT_EQ(d.status, DeviceStatus::kActive);
  EXPECT_EQ(d.model, "");

  // A report with system and hardware facts updates it.
  v1::ReportRequest report = testing::MakeReport(agent, "r1", 3);
  report.mutable_facts()->mutable_system()->set_role(v1::ENDPOINT_ROLE_LAPTOP);
  report.mutable_facts()->mutable_system()->set_os_name("Windows 11 Pro");
  report.mutable_facts()->mutable_system()->set_os_version("10.0.22631");
  v1::HardwareFacts* hw = report.mutable_facts()->mutable_hardware();
  hw->mutable_status()->set_state(v1::STATUS_OK);
  hw->set_vendor("LENOVO");
  hw->set_model("ThinkPad X1 Carbon");
  hw->set_serial("PF-12345");
  EXPECT_EQ(Send(*stub_, report).outcome(), v1::ReportResponse::OUTCOME_STORED);
  d = OnlyDevice();
  EXPECT_EQ(d.name, "pc-" + agent.host_id);  // hostname as reported
  EXPECT_EQ(d.role, "laptop");
  EXPECT_EQ(d.model, "LENOVO ThinkPad X1 Carbon");
  EXPECT_EQ(d.os, "Windows 11 Pro 10.0.22631");
  EXPECT_EQ(d.last_seen_unix, kHarnessNow);

  // People add what the agent cannot know, and link information to it.
  DeviceEdit edit;
  edit.owner = "山田 太郎";
  edit.location = "本社 2F 営業部";
  ASSERT_TRUE(*reg_->EditDevice("acme", d.name, edit, "alice"));
  InformationAsset list;
  list.name = "顧客名簿";
  list.medium = Medium::kOfficePc;
  list.personal = true;
  list.registered_on = "2026-11-23";
  ASSERT_TRUE(*PutAsset(*reg_, "acme", list, "alice"));
  ASSERT_TRUE(*reg_->Link("acme", "顧客名簿", LinkKind::kDevice, d.name, "a"));

  // A host that stops reporting becomes stale after the configured period.
  clock_.Advance(kStaleAfter - hours(1));
  EXPECT_EQ(OnlyDevice().status, DeviceStatus::kActive);
  clock_.Advance(hours(2));
  EXPECT_EQ(OnlyDevice().status, DeviceStatus::kStale);
  EXPECT_EQ(OnlyDevice(kStaleAfter * 2).status, DeviceStatus::kActive);

  // The PC is reinstalled: same hardware, new agent, new token.
  Agent again;
  v1::EnrollResponse response;
  ASSERT_TRUE(harness_
                  .Enroll(*stub_, harness_.Token("acme"), "m5", "uuid-5",
                          "SN-5", &again, &response)
                  .ok());
  EXPECT_TRUE(response.reattached());
  EXPECT_EQ(again.host_id, agent.host_id);
  d = OnlyDevice();
  EXPECT_EQ(d.owner, "山田 太郎");
  EXPECT_EQ(d.location, "本社 2F 営業部");
  auto links = reg_->ListLinks("acme");
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 1u);
  EXPECT_EQ((*links)[0].target, d.name);

  // Another organisation's agent never shows up here.
  Agent stranger;
  ASSERT_TRUE(harness_
                  .Enroll(*stub_, harness_.Token("globex"), "g1", "uuid-g1",
                          "SN-g1", &stranger)
                  .ok());
  EXPECT_EQ(reg_->ListDevices("acme", kStaleAfter)->size(), 1u);
  EXPECT_EQ(reg_->ListDevices("globex", kStaleAfter)->size(), 1u);
}

TEST_F(RegisterDevicesTest, WorstStatesComeFromTheGradingEngine) {
  Agent agent;
  ASSERT_TRUE(harness_
                  .Enroll(*stub_, harness_.Token("acme"), "m7", "uuid-7",
                          "SN-7", &agent)
                  .ok());
  EXPECT_EQ(Send(*stub_, testing::MakeReport(agent, "r1", 5)).outcome(),
            v1::ReportResponse::OUTCOME_STORED);
  InformationAsset payroll;
  payroll.name = "給与台帳";
  payroll.medium = Medium::kOfficePc;
  payroll.my_number = true;
  payroll.registered_on = "2026-11-23";
  ASSERT_TRUE(*PutAsset(*reg_, "acme", payroll, "alice"));
  ASSERT_TRUE(*reg_->Link("acme", "給与台帳", LinkKind::kDevice,
                          "pc-" + agent.host_id, "alice"));

  std::string source;
  auto before = reg_->AssetRisks("acme", &source);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE((*before)[0].worst.empty());  // nothing graded yet

  // The real grading engine runs the built-in checks over the stored facts.
  auto grading = policy::GradingService::Open(
      {harness_.dir() + "/collector.db", ""}, clock_);
  ASSERT_TRUE(grading.ok()) << grading.status().ToString();
  ASSERT_TRUE((*grading)->Evaluate("acme").ok());
  std::map<std::string, std::string> check_rules;
  for (const auto& check : (*grading)->policies().checks) {
    check_rules[check.id] = check.rule.empty() ? check.topic : check.rule;
  }
  reg_->SetCheckRules(check_rules);

  // The oracle: straight from check_results, worst per rule for this host.
  const std::vector<std::string> order = {"fail", "error", "unknown", "pass",
                                          "not_applicable"};
  const auto rank = [&](const std::string& state) {
    return std::find(order.begin(), order.end(), state) - order.begin();
  };
  std::map<std::string, std::string> expected;
  auto rows = db_->Prepare(
      "SELECT check_id, status FROM check_results WHERE host_id = ?");
  ASSERT_TRUE(rows.ok());
  rows->Bind(1, *ParseInt64(agent.host_id));
  while (*rows->Step()) {
    const std::string rule = check_rules.at(rows->ColumnText(0));
    const std::string state = rows->ColumnText(1);
    auto [it, inserted] = expected.emplace(rule, state);
    if (!inserted && rank(state) < rank(it->second)) it->second = state;
  }
  ASSERT_FALSE(expected.empty());

  auto risks = reg_->AssetRisks("acme", &source);
  ASSERT_TRUE(risks.ok()) << risks.status().ToString();
  EXPECT_NE(source.find("check_results"), std::string::npos) << source;
  EXPECT_EQ(source.find("grouped by check id"), std::string::npos) << source;
  ASSERT_EQ(risks->size(), 1u);
  const AssetRisk& risk = (*risks)[0];
  EXPECT_EQ(risk.importance, 3);
  std::map<std::string, std::string> got;
  for (const auto& rs : risk.worst) got[rs.rule_id] = rs.state;
  EXPECT_EQ(got, expected);
  for (size_t i = 1; i < risk.worst.size(); ++i) {
    EXPECT_LE(rank(risk.worst[i - 1].state), rank(risk.worst[i].state));
  }
}

}  // namespace
}  // namespace mamori::asset_register
