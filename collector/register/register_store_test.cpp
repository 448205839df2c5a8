// The register port's cases run over both backends (Backends/*): SQLite,
// and PostgreSQL when MAMORI_TEST_PG_URL names a cluster
// (scripts/pg-cluster.sh run; scripts/test.sh's postgres step).
#include <gtest/gtest.h>

#include <thread>

#include "collector/pki/crypto.h"
#include "collector/register/csv_format.h"
#include "collector/register/import_file.h"
#include "collector/store/open_store.h"
#include "collector/store/register_port.h"
#include "collector/store/testing/test_database.h"

namespace mamori::asset_register {
namespace {

using std::chrono::hours;
using store::EnrollInput;
using store::FamilyUpdate;
using store::ReportInput;
using store::testing::Backend;
using store::testing::TestDatabase;

constexpr int64_t kStart = 1'795'392'000;  // 2026-11-23
constexpr auto kStale = std::chrono::hours(24 * 7);

InformationAsset Asset(std::string name, int c, bool personal = false) {
  InformationAsset a;
  a.business_area = "営業";
  a.name = std::move(name);
  a.medium = Medium::kOfficePc;
  a.personal = personal;
  a.confidentiality = c;
  a.registered_on = "2026-04-01";
  return a;
}

class RegisterStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki::InitCrypto().ok());
    if (GetParam() == Backend::kPostgres &&
        !store::testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    auto db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto opened = store::OpenStore(db_->url(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"globex", "", std::nullopt, ""}).ok());
    auto reg = store_->OpenRegister(clock_);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    reg_ = std::move(reg).value();
  }

  // Enrolls a host with `machine` as its identity; returns its host id.
  int64_t Enroll(const std::string& org, const std::string& hostname,
                 const std::string& machine) {
    auto token = store_->CreateToken({org, std::nullopt, std::nullopt});
    EXPECT_TRUE(token.ok());
    EnrollInput in;
    in.token = token->token;
    in.identity = {hostname, machine, "uuid-" + machine, "SN-" + machine, {}};
    in.os_name = "Windows 11 Pro";
    in.os_version = "10.0.22631";
    in.agent_version = "0.1.0";
    in.node_key_hash = pki::Sha256Hex("key-" + machine);
    auto out = store_->Enroll(in);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->host_id : 0;
  }

  void ReportHardware(int64_t host, const std::string& machine) {
    ReportInput r;
    r.host_id = host;
    r.node_key_hash = pki::Sha256Hex("key-" + machine);
    r.report_id = "r-" + machine + std::to_string(++reports_);
    r.collected_at = ToUnixSeconds(clock_.Now());
    const std::string system = R"({"role":"ENDPOINT_ROLE_LAPTOP"})";
    const std::string hardware =
        R"({"vendor":"LENOVO","model":"ThinkPad X1","serial":"PF-1"})";
    r.families.push_back({"system", "STATUS_OK", r.collected_at, system,
                          pki::Sha256Hex(system)});
    r.families.push_back({"hardware", "STATUS_OK", r.collected_at, hardware,
                          pki::Sha256Hex(hardware)});
    auto results = store_->StoreReports(std::span<const ReportInput>(&r, 1));
    ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  }

  ImportPlan Plan(const std::vector<InformationAsset>& assets) {
    auto plan = PlanImport(AssetsToCsv(assets, true), "2026-11-23");
    EXPECT_TRUE(plan.ok());
    EXPECT_TRUE(plan->errors.empty());
    return *plan;
  }

  // One value read with plain SQL on a connection of the test's own.
  int64_t Count(const std::string& sql) {
    auto value = db_->Scalar(sql);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : -1;
  }

  bool Exec(const std::string& sql) { return db_->Query(sql).ok(); }

  FakeClock clock_{FromUnixSeconds(kStart)};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RegisterPort> reg_;
  int reports_ = 0;
};

TEST_P(RegisterStoreTest, DatabaseImportanceMatchesTheRuleEverywhere) {
  int64_t n = 0;
  for (int c = 1; c <= 3; ++c) {
    for (int i = 1; i <= 3; ++i) {
      for (int a = 1; a <= 3; ++a) {
        for (int flags = 0; flags < 8; ++flags) {
          const std::string values =
              std::to_string(++n) + "', 'paper', " + std::to_string(flags & 1) +
              ", " + std::to_string((flags >> 1) & 1) + ", " +
              std::to_string((flags >> 2) & 1) + ", " + std::to_string(c) +
              ", " + std::to_string(i) + ", " + std::to_string(a);
          auto importance = db_->Scalar(
              "INSERT INTO register_assets (org_id, name, medium, personal, "
              "sensitive_personal, my_number, confidentiality, integrity, "
              "availability, registered_on, created_at, updated_at) VALUES "
              "(1, '" +
              values + ", '2026-01-01', 0, 0) RETURNING importance");
          ASSERT_TRUE(importance.ok()) << importance.status().ToString();
          EXPECT_EQ(*importance,
                    ComputeImportance(c, i, a, flags & 1, flags & 2, flags & 4))
              << c << i << a << flags;
        }
      }
    }
  }
  // Importance cannot be typed in, even with SQL.
  EXPECT_FALSE(Exec("UPDATE register_assets SET importance = 1"));
  EXPECT_FALSE(Exec("UPDATE register_assets SET confidentiality = 4"));
}

TEST_P(RegisterStoreTest, ImportCreatesThenReimportIsANoOp) {
  const std::vector<InformationAsset> assets = {Asset("顧客名簿", 3, true),
                                                Asset("見積書", 2)};
  auto first = reg_->Import("acme", Plan(assets), "alice", false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->applied);
  EXPECT_EQ(first->created, 2);
  const int64_t history = Count("SELECT COUNT(*) FROM register_history");
  EXPECT_EQ(history, 2);

  auto listed = reg_->ListAssets("acme");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);

  clock_.Advance(hours(1));
  auto again = reg_->Import("acme", Plan(*listed), "bob", false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), history);
  EXPECT_EQ(Count("SELECT MAX(updated_at) FROM register_assets"), kStart);

  // Other organisations see nothing.
  auto other = reg_->ListAssets("globex");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  EXPECT_EQ(reg_->ListAssets("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(RegisterStoreTest, UpdateIsRecordedWithActorBeforeAndAfter) {
  ASSERT_TRUE(
      reg_->Import("acme", Plan({Asset("顧客名簿", 1)}), "alice", false).ok());
  clock_.Advance(hours(2));
  auto changed =
      reg_->Import("acme", Plan({Asset("顧客名簿", 3)}), "bob", false);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->updated, 1);
  auto history = reg_->History("acme", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].actor, "bob");
  EXPECT_EQ((*history)[0].action, "update");
  EXPECT_EQ((*history)[0].changed_at, kStart + 7200);
  EXPECT_NE((*history)[0].before_json.find("\"confidentiality\":1"),
            std::string::npos);
  EXPECT_NE((*history)[0].after_json.find("\"importance\":3"),
            std::string::npos);
  EXPECT_EQ((*history)[1].action, "create");
  EXPECT_EQ((*history)[1].before_json, "");
}

TEST_P(RegisterStoreTest, AnyErrorLeavesEverythingUnchanged) {
  ASSERT_TRUE(
      reg_->Import("acme", Plan({Asset("既存", 1)}), "alice", false).ok());
  ImportPlan plan = Plan({Asset("既存", 3), Asset("新規", 1)});
  plan.links.push_back({{"新規", LinkKind::kDevice, "PC-404"}, 2});
  plan.link_sheet = "関連付け";
  auto result = reg_->Import("acme", plan, "alice", false);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->applied);
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(
      result->errors[0].ToString(),
      "関連付け row 2, column 保存先 / Held on: no device named \"PC-404\"");
  auto listed = reg_->ListAssets("acme");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].confidentiality, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), 1);
}

TEST_P(RegisterStoreTest, DryRunReportsButWritesNothing) {
  auto dry =
      reg_->Import("acme", Plan({Asset("a", 1), Asset("b", 2)}), "alice", true);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->created, 2);
  EXPECT_FALSE(dry->applied);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), 0);
}

TEST_P(RegisterStoreTest, DevicesAreDerivedFromHostsAndGoStale) {
  const int64_t pc = Enroll("acme", "PC-05", "m5");
  ReportHardware(pc, "m5");
  Enroll("globex", "PC-99", "m99");

  auto devices = reg_->ListDevices("acme", kStale);
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  ASSERT_EQ(devices->size(), 1u);
  const DeviceAsset& d = (*devices)[0];
  EXPECT_EQ(d.name, "PC-05");
  EXPECT_EQ(d.host_id, std::to_string(pc));
  EXPECT_EQ(d.role, "laptop");
  EXPECT_EQ(d.model, "LENOVO ThinkPad X1");
  EXPECT_EQ(d.serial, "SN-m5");
  EXPECT_EQ(d.os, "Windows 11 Pro 10.0.22631");
  EXPECT_EQ(d.last_seen_unix, kStart);
  EXPECT_EQ(d.status, DeviceStatus::kActive);

  clock_.Advance(kStale + hours(1));
  devices = reg_->ListDevices("acme", kStale);
  EXPECT_EQ((*devices)[0].status, DeviceStatus::kStale);
  ReportHardware(pc, "m5");  // reporting again makes it current
  devices = reg_->ListDevices("acme", kStale);
  EXPECT_EQ((*devices)[0].status, DeviceStatus::kActive);
  EXPECT_EQ((*devices)[0].last_seen_unix, ToUnixSeconds(clock_.Now()));
}

// A revoked host is a device that can no longer report: said plainly,
// until it enrolls again; a person's retired mark wins over it.
TEST_P(RegisterStoreTest, RevokedDevicesAreMarkedUntilTheyEnrollAgain) {
  const int64_t pc = Enroll("acme", "PC-05", "m5");
  clock_.Advance(hours(1));
  ASSERT_TRUE(store_->RevokeHost("acme", pc).ok());
  auto devices = reg_->ListDevices("acme", kStale);
  ASSERT_TRUE(devices.ok()) << devices.status().ToString();
  EXPECT_EQ((*devices)[0].status, DeviceStatus::kRevoked);
  DeviceEdit retire;
  retire.retired = true;
  ASSERT_TRUE(reg_->EditDevice("acme", "PC-05", retire, "alice").ok());
  EXPECT_EQ(reg_->ListDevices("acme", kStale)->at(0).status,
            DeviceStatus::kRetired);
  retire.retired = false;
  ASSERT_TRUE(reg_->EditDevice("acme", "PC-05", retire, "alice").ok());
  clock_.Advance(hours(1));
  EXPECT_EQ(Enroll("acme", "PC-05", "m5"), pc);
  EXPECT_EQ(reg_->ListDevices("acme", kStale)->at(0).status,
            DeviceStatus::kActive);
}

TEST_P(RegisterStoreTest, EditsSurviveReenrollmentAndRetiredIsKept) {
  const int64_t pc = Enroll("acme", "PC-05", "m5");
  DeviceEdit edit;
  edit.owner = "山田 太郎";
  edit.location = "本社 2F 営業部";
  auto changed = reg_->EditDevice("acme", "PC-05", edit, "alice");
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_FALSE(*reg_->EditDevice("acme", "PC-05", edit, "alice"));

  // Reinstalled PC: same identity, new token → same host row, same edits.
  EXPECT_EQ(Enroll("acme", "PC-05", "m5"), pc);
  auto devices = reg_->ListDevices("acme", kStale);
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].owner, "山田 太郎");
  EXPECT_EQ((*devices)[0].location, "本社 2F 営業部");

  DeviceEdit retire;
  retire.retired = true;
  ASSERT_TRUE(*reg_->EditDevice("acme", std::to_string(pc), retire, "alice"));
  devices = reg_->ListDevices("acme", kStale);
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].status, DeviceStatus::kRetired);
  EXPECT_EQ((*devices)[0].owner, "山田 太郎");
  auto history = reg_->History("acme", 1);
  EXPECT_EQ((*history)[0].action, "retire");

  EXPECT_EQ(reg_->EditDevice("acme", "PC-404", edit, "a").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(reg_->EditDevice("globex", "PC-05", edit, "a").status().code(),
            StatusCode::kNotFound);
}

TEST_P(RegisterStoreTest, LinksToDevicesAndServices) {
  const int64_t pc = Enroll("acme", "PC-05", "m5");
  Enroll("acme", "NAS-01", "n1");
  ASSERT_TRUE(
      reg_->Import("acme",
                   Plan({Asset("顧客名簿", 2, true), Asset("見積書", 1)}),
                   "alice", false)
          .ok());
  EXPECT_TRUE(*reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "PC-05", "a"));
  EXPECT_FALSE(*reg_->Link("acme", "顧客名簿", LinkKind::kDevice,
                           std::to_string(pc), "a"));  // same device by id
  EXPECT_TRUE(
      *reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "NAS-01", "a"));
  EXPECT_TRUE(
      *reg_->Link("acme", "見積書", LinkKind::kService, "kintone", "a"));
  EXPECT_EQ(reg_->Link("acme", "無い", LinkKind::kDevice, "PC-05", "a")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(reg_->Link("acme", "見積書", LinkKind::kDevice, "PC-404", "a")
                .status()
                .code(),
            StatusCode::kNotFound);
  Enroll("acme", "PC-05", "other-machine");  // a second host named PC-05
  EXPECT_EQ(reg_->Link("acme", "見積書", LinkKind::kDevice, "PC-05", "a")
                .status()
                .code(),
            StatusCode::kInvalidArgument);

  auto links = reg_->ListLinks("acme");
  ASSERT_TRUE(links.ok());
  ASSERT_EQ(links->size(), 3u);
  EXPECT_EQ((*links)[0], (AssetLink{"見積書", LinkKind::kService, "kintone"}));
  EXPECT_EQ((*links)[1], (AssetLink{"顧客名簿", LinkKind::kDevice, "NAS-01"}));
  EXPECT_EQ((*links)[2], (AssetLink{"顧客名簿", LinkKind::kDevice, "PC-05"}));

  std::string source;
  auto risks = reg_->AssetRisks("acme", &source);
  ASSERT_TRUE(risks.ok()) << risks.status().ToString();
  ASSERT_EQ(risks->size(), 2u);
  EXPECT_EQ((*risks)[0].asset_name, "顧客名簿");  // importance 3 first
  EXPECT_EQ((*risks)[0].importance, 3);
  EXPECT_EQ((*risks)[0].devices, (std::vector<std::string>{"NAS-01", "PC-05"}));
  EXPECT_EQ((*risks)[1].services, (std::vector<std::string>{"kintone"}));
  EXPECT_FALSE(source.empty());
}

TEST_P(RegisterStoreTest, WorstStatePerRuleAmongLinkedDevices) {
  const int64_t pc = Enroll("acme", "PC-05", "m5");
  const int64_t nas = Enroll("acme", "NAS-01", "n1");
  const int64_t other = Enroll("acme", "PC-06", "m6");
  ASSERT_TRUE(
      reg_->Import("acme",
                   Plan({Asset("顧客名簿", 1, true), Asset("見積書", 1)}),
                   "alice", false)
          .ok());
  ASSERT_TRUE(*reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "PC-05", "a"));
  ASSERT_TRUE(
      *reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "NAS-01", "a"));
  ASSERT_TRUE(*reg_->Link("acme", "見積書", LinkKind::kDevice, "PC-06", "a"));

  // Results as the grading module stores them (check_results).
  const auto result = [&](int64_t host, const std::string& check,
                          const std::string& status) {
    ASSERT_TRUE(
        Exec("INSERT INTO check_results (org_id, host_id, check_id, "
             "status, evidence_json, collected_at, status_since, "
             "evaluated_at, policy_version) VALUES (1, " +
             std::to_string(host) + ", '" + check + "', '" + status +
             "', '{}', 0, 0, 0, 'v')"));
  };
  result(pc, "av_definitions_age", "fail");
  result(pc, "av_realtime", "pass");
  result(pc, "usb_storage_blocked", "pass");
  result(nas, "av_definitions_age", "pass");
  result(nas, "usb_storage_blocked", "unknown");
  result(nas, "os_supported", "pass");
  result(other, "usb_storage_blocked", "fail");
  reg_->SetCheckRules({{"av_definitions_age", "antivirus"},
                       {"av_realtime", "antivirus"},
                       {"usb_storage_blocked", "removable_media"}});

  std::string source;
  auto risks = reg_->AssetRisks("acme", &source);
  ASSERT_TRUE(risks.ok()) << risks.status().ToString();
  EXPECT_NE(source.find("check_results"), std::string::npos);
  EXPECT_NE(source.find("7 current results"), std::string::npos);
  ASSERT_EQ(risks->size(), 2u);
  const AssetRisk& list = (*risks)[0];
  EXPECT_EQ(list.asset_name, "顧客名簿");
  EXPECT_EQ(list.worst, (std::vector<RuleState>{{"antivirus", "fail"},
                                                {"removable_media", "unknown"},
                                                {"os_supported", "pass"}}));
  // PC-06's failure does not leak into an asset not stored on it.
  EXPECT_EQ((*risks)[1].worst,
            (std::vector<RuleState>{{"removable_media", "fail"}}));

  auto devices = reg_->ListDevices("acme", kStale);
  ASSERT_TRUE(devices.ok());
  EXPECT_EQ((*devices)[1].name, "PC-05");
  EXPECT_EQ((*devices)[1].checks,
            (std::vector<RuleState>{{"antivirus", "fail"},
                                    {"removable_media", "pass"}}));
}

TEST_P(RegisterStoreTest, PutAssetValidatesLikeAnImportRow) {
  InformationAsset a = Asset("顧客名簿", 2);
  EXPECT_TRUE(*PutAsset(*reg_, "acme", a, "alice"));
  EXPECT_FALSE(*PutAsset(*reg_, "acme", a, "alice"));
  a.integrity = 3;
  EXPECT_TRUE(*PutAsset(*reg_, "acme", a, "alice"));
  EXPECT_EQ(reg_->GetAsset("acme", "顧客名簿")->importance(), 3);
  a.name = "";
  EXPECT_EQ(PutAsset(*reg_, "acme", a, "alice").status().code(),
            StatusCode::kInvalidArgument);
}

// Several collectors on one PostgreSQL database: two importing the same
// new asset at once both succeed, and it is created once (the import's
// advisory lock per organisation; without it one would hit the unique key).
TEST_P(RegisterStoreTest, ConcurrentImportsFromTwoCollectorsCreateOnce) {
  if (GetParam() != Backend::kPostgres) {
    GTEST_SKIP() << "one SQLite collector per database";
  }
  auto other_store = store::OpenStore(db_->url(), clock_);
  ASSERT_TRUE(other_store.ok()) << other_store.status().ToString();
  auto other = (*other_store)->OpenRegister(clock_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  for (int round = 0; round < 10; ++round) {
    const ImportPlan plan = Plan({Asset("資産" + std::to_string(round), 2)});
    Result<ImportSummary> first = InternalError("not run");
    std::thread t([&] { first = reg_->Import("acme", plan, "a", false); });
    auto second = (*other)->Import("acme", plan, "b", false);
    t.join();
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ(first->created + second->created, 1);
    EXPECT_EQ(first->unchanged + second->unchanged, 1);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), 10);
}

// Retiring keeps the row, its links and history; an import neither
// restores nor retires; restoring clears the mark. Both backends.
TEST_P(RegisterStoreTest, RetireAndRestoreKeepEverythingAndImportsNeverFlip) {
  Enroll("acme", "PC-05", "m5");
  ASSERT_TRUE(reg_->Import("acme",
                           Plan({Asset("顧客名簿", 3), Asset("見積書", 1)}),
                           "alice", false)
                  .ok());
  ASSERT_TRUE(
      reg_->Link("acme", "顧客名簿", LinkKind::kDevice, "PC-05", "alice").ok());
  const std::string hostile =
      "<script>alert(1)</script>'; DROP TABLE "
      "register_assets;--\n=HYPERLINK(1)";
  clock_.Advance(hours(1));
  auto retired = reg_->RetireAsset(
      "acme", "顧客名簿", {"2026-11-20", hostile, "someone else"}, "alice");
  ASSERT_TRUE(retired.ok()) << retired.status().ToString();
  ASSERT_TRUE(retired->retired.has_value());
  EXPECT_EQ(*retired->retired,
            (AssetRetirement{"2026-11-20", hostile, "alice"}));

  // Kept, marked, linked; left out of the risks.
  auto listed = reg_->ListAssets("acme");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  const InformationAsset& stored =
      (*listed)[0].name == "顧客名簿" ? (*listed)[0] : (*listed)[1];
  EXPECT_EQ(stored, *retired);
  EXPECT_EQ(reg_->ListLinks("acme")->size(), 1u);
  std::string source;
  auto risks = reg_->AssetRisks("acme", &source);
  ASSERT_TRUE(risks.ok());
  ASSERT_EQ(risks->size(), 1u);
  EXPECT_EQ((*risks)[0].asset_name, "見積書");
  auto history = reg_->History("acme", 1);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ((*history)[0].action, "retire");
  EXPECT_EQ((*history)[0].actor, "alice");
  EXPECT_NE((*history)[0].before_json.find("\"retired\":null"),
            std::string::npos);
  EXPECT_NE((*history)[0].after_json.find("\"retired_on\":\"2026-11-20\""),
            std::string::npos);

  // Clear refusals, nothing written.
  const int64_t changes = Count("SELECT COUNT(*) FROM register_history");
  EXPECT_EQ(
      reg_->RetireAsset("acme", "顧客名簿", {"2026-11-21", "x", ""}, "bob")
          .status()
          .code(),
      StatusCode::kFailedPrecondition);
  auto future =
      reg_->RetireAsset("acme", "見積書", {"2026-11-25", "x", ""}, "b");
  EXPECT_EQ(future.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(future.status().message().rfind("retired_on:", 0), 0u);
  EXPECT_EQ(reg_->RetireAsset("acme", "見積書", {"2026-11-20", " ", ""}, "b")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->RetireAsset("acme", "nope", {"2026-11-20", "x", ""}, "b")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(reg_->RetireAsset("globex", "見積書", {"2026-11-20", "x", ""}, "b")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(reg_->RestoreAsset("acme", "見積書", "b").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), changes);

  // The export (CSV with its status column) re-imports as a no-op.
  auto again = reg_->Import("acme", Plan(*listed), "bob", false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->errors.empty()) << again->errors[0].ToString();
  EXPECT_EQ(again->unchanged, 2);
  // A file listing it in service does not resurrect it; one listing the
  // other as retired does not retire it: errors, nothing applied.
  InformationAsset other = Asset("見積書", 1);
  other.retired = AssetRetirement{"2026-11-20", "x", "bob"};
  auto flipped =
      reg_->Import("acme", Plan({Asset("顧客名簿", 2), other}), "bob", false);
  ASSERT_TRUE(flipped.ok());
  EXPECT_FALSE(flipped->applied);
  ASSERT_EQ(flipped->errors.size(), 2u);
  EXPECT_NE(flipped->errors[0].reason.find("does not restore"),
            std::string::npos);
  EXPECT_EQ(flipped->errors[0].column, "状態");
  EXPECT_NE(flipped->errors[1].reason.find("does not retire"),
            std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_history"), changes);
  // Editing a retired asset's fields keeps it retired.
  auto edited = PutAsset(*reg_, "acme", Asset("顧客名簿", 2), "bob");
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_TRUE(*edited);
  EXPECT_TRUE(reg_->GetAsset("acme", "顧客名簿")->retired.has_value());

  auto restored = reg_->RestoreAsset("acme", "顧客名簿", "bob");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_FALSE(restored->retired.has_value());
  EXPECT_EQ(restored->confidentiality, 2);
  EXPECT_FALSE(reg_->GetAsset("acme", "顧客名簿")->retired.has_value());
  EXPECT_EQ(reg_->History("acme", 1)->at(0).action, "restore");
  EXPECT_EQ(reg_->RestoreAsset("acme", "顧客名簿", "bob").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM register_assets"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegisterStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return store::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::asset_register
