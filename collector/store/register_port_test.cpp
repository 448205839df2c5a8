#include "collector/store/register_port.h"

#include <gtest/gtest.h>

namespace mamori::asset_register {
namespace {

InformationAsset Asset(const std::string& name) {
  InformationAsset a;
  a.business_area = "sales";
  a.name = name;
  a.medium = Medium::kOfficePc;
  a.registered_on = "2026-01-05";
  return a;
}

ParsedAsset Row(const InformationAsset& asset, int64_t row) {
  ParsedAsset p;
  p.asset = asset;
  p.row = row;
  return p;
}

TEST(RegisterImportRulesTest, PlansCreatesUpdatesAndSkipsUnchangedRows) {
  InformationAsset kept = Asset("kept");
  InformationAsset changed = Asset("changed");
  InformationAsset retired = Asset("retired");
  retired.retired = AssetRetirement{"2026-02-01", "shredded", "alice"};
  const StoredAssets stored =
      AssetsByName({{7, kept}, {8, changed}, {9, retired}});

  ImportPlan plan;
  InformationAsset changed_now = changed;
  changed_now.note = "moved to the NAS";
  InformationAsset retired_now = retired;
  retired_now.retired.reset();  // a file carries no retirement
  retired_now.note = "kept for the audit";
  ParsedAsset retired_row = Row(retired_now, 4);
  retired_row.listed_retired = true;
  plan.assets = {Row(kept, 1), Row(changed_now, 2), Row(Asset("new"), 3),
                 retired_row};

  ImportSummary summary;
  const std::vector<AssetWrite> writes =
      PlanAssetWrites(plan, stored, &summary);
  EXPECT_EQ(summary.unchanged, 1);
  EXPECT_EQ(summary.updated, 2);
  EXPECT_EQ(summary.created, 1);
  ASSERT_EQ(writes.size(), 3u);
  EXPECT_EQ(writes[0].id, 8);
  EXPECT_EQ(writes[0].before_json, AssetJson(changed));
  EXPECT_EQ(writes[0].after_json, AssetJson(changed_now));
  EXPECT_EQ(writes[1].id, std::nullopt);
  EXPECT_EQ(writes[1].before_json, "");
  // The register's retirement stays; the file's other fields are taken.
  EXPECT_EQ(writes[2].id, 9);
  EXPECT_EQ(writes[2].asset.retired, retired.retired);
  EXPECT_EQ(writes[2].asset.note, "kept for the audit");
}

TEST(RegisterImportRulesTest, RowProblemsAreErrorsAndStoreFailuresAreNot) {
  const StoredAssets stored = AssetsByName({{1, Asset("ledger")}});
  ImportPlan plan;
  plan.link_sheet = "links";
  ParsedAsset claims_retired = Row(Asset("ledger"), 2);
  claims_retired.listed_retired = true;
  plan.assets = {claims_retired};
  plan.links = {{{"ledger", LinkKind::kDevice, "pc-01"}, 2},
                {{"ledger", LinkKind::kDevice, "pc-02"}, 3},
                {{"ledger", LinkKind::kService, "kintone"}, 4},
                {{"nowhere", LinkKind::kService, "kintone"}, 5}};
  auto resolve = [](const std::string& device) -> Result<int64_t> {
    if (device == "pc-01") return int64_t{41};
    return NotFoundError("no device named \"" + device + "\"");
  };
  ImportSummary summary;
  auto links = CheckImport(plan, stored, resolve, &summary);
  ASSERT_TRUE(links.ok()) << links.status().ToString();
  ASSERT_EQ(links->size(), 2u);
  EXPECT_EQ((*links)[0].host_id, 41);
  EXPECT_EQ((*links)[0].row, &plan.links[0]);
  EXPECT_EQ((*links)[1].host_id, std::nullopt);
  ASSERT_EQ(summary.errors.size(), 3u);
  EXPECT_EQ(summary.errors[0].row, 2);  // the asset row's retired state
  EXPECT_EQ(summary.errors[1].row, 3);
  EXPECT_EQ(summary.errors[1].reason, "no device named \"pc-02\"");
  EXPECT_EQ(summary.errors[2].row, 5);
  EXPECT_NE(summary.errors[2].reason.find("nowhere"), std::string::npos);

  auto broken = [](const std::string&) -> Result<int64_t> {
    return InternalError("disk I/O error");
  };
  ImportSummary other;
  auto failed = CheckImport(plan, stored, broken, &other);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInternal);
}

TEST(RegisterDeviceEditRulesTest, RefusesInvalidText) {
  DeviceEdit edit;
  edit.owner = std::string("\xff\xfe");
  EXPECT_EQ(CheckDeviceEdit(edit).code(), StatusCode::kInvalidArgument);
  edit.owner = std::string(kMaxShortText + 1, 'a');
  EXPECT_EQ(CheckDeviceEdit(edit).code(), StatusCode::kInvalidArgument);
  edit.owner = "鈴木";
  EXPECT_TRUE(CheckDeviceEdit(edit).ok());
}

TEST(RegisterDeviceEditRulesTest, PlansOnlyRealChanges) {
  DeviceEdit nothing;
  EXPECT_EQ(PlanDeviceEdit(std::nullopt, nothing, 100), std::nullopt);
  const DeviceFields stored{"suzuki", "floor 2", std::nullopt};
  DeviceEdit same;
  same.owner = "suzuki";
  same.retired = false;
  EXPECT_EQ(PlanDeviceEdit(stored, same, 100), std::nullopt);

  DeviceEdit retire;
  retire.retired = true;
  auto change = PlanDeviceEdit(stored, retire, 100);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->action, "retire");
  EXPECT_EQ(change->after.retired_at, 100);
  EXPECT_EQ(change->after.owner, "suzuki");
  EXPECT_EQ(change->before_json,
            R"({"location":"floor 2","owner":"suzuki","retired":false})");
  EXPECT_EQ(change->after_json,
            R"({"location":"floor 2","owner":"suzuki","retired":true})");

  // Retiring again keeps the first date and changes nothing.
  const DeviceFields retired{"suzuki", "floor 2", 50};
  EXPECT_EQ(PlanDeviceEdit(retired, retire, 100), std::nullopt);

  DeviceEdit owner;
  owner.owner = "tanaka";
  change = PlanDeviceEdit(std::nullopt, owner, 100);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->action, "update");
  EXPECT_EQ(change->before_json, "");
  EXPECT_EQ(change->after.retired_at, std::nullopt);
}

TEST(RegisterReadRulesTest, DeviceRowBecomesADeviceAsset) {
  DeviceRow row;
  row.host_id = 12;
  row.hostname = "pc-12";
  row.os_name = "Debian GNU/Linux";
  row.os_version = "12";
  row.hardware_serial = "HW-1";
  row.last_seen = 1000;
  row.role = "ENDPOINT_ROLE_WORKSTATION";
  row.vendor = "LENOVO";
  row.model = "ThinkPad";
  DeviceAsset d = DeviceFromRow(row, 500);
  EXPECT_EQ(d.host_id, "12");
  EXPECT_EQ(d.os, "Debian GNU/Linux 12");
  EXPECT_EQ(d.serial, "HW-1");
  EXPECT_EQ(d.role, "workstation");
  EXPECT_EQ(d.model, "LENOVO ThinkPad");
  EXPECT_EQ(d.status, DeviceStatus::kActive);

  row.host_serial = "HOST-1";
  row.model = "LENOVO ThinkPad";  // the vendor already named
  row.role = "ENDPOINT_ROLE_UNSPECIFIED";
  d = DeviceFromRow(row, 1001);
  EXPECT_EQ(d.serial, "HOST-1");
  EXPECT_EQ(d.model, "LENOVO ThinkPad");
  EXPECT_EQ(d.role, "");
  EXPECT_EQ(d.status, DeviceStatus::kStale);
  row.revoked = true;
  EXPECT_EQ(DeviceFromRow(row, 1001).status, DeviceStatus::kRevoked);
  row.retired = true;  // retired wins over revoked and stale
  EXPECT_EQ(DeviceFromRow(row, 1001).status, DeviceStatus::kRetired);
}

TEST(RegisterReadRulesTest, FoldsWorstStatePerRuleAndAsset) {
  const std::map<std::string, std::string> rules = {{"av_on", "R1"},
                                                    {"av_fresh", "R1"}};
  HostRuleStates states(rules);
  states.Add(1, "av_on", "pass");
  states.Add(1, "av_fresh", "fail");
  states.Add(1, "orphan", "unknown");
  states.Add(2, "av_on", "pass");
  std::string source;
  const HostRuleStateList list = states.Finish(&source);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, 1);
  EXPECT_EQ(list[0].second,
            (std::vector<RuleState>{{"R1", "fail"}, {"orphan", "unknown"}}));
  EXPECT_EQ(list[1].second, (std::vector<RuleState>{{"R1", "pass"}}));
  EXPECT_EQ(source,
            "check_results (grading module): 4 current results, 1 grouped "
            "by check id (no rule known for them)");

  std::vector<DeviceAsset> devices(2);
  devices[0].host_id = "2";
  devices[1].host_id = "3";
  AttachChecks(list, &devices);
  EXPECT_EQ(devices[0].checks, list[1].second);
  EXPECT_TRUE(devices[1].checks.empty());

  AssetRiskBuilder risks(list);
  risks.Add("customers", 3, 1, "pc-1", std::nullopt);
  risks.Add("customers", 3, 2, "pc-2", std::nullopt);
  risks.Add("customers", 3, std::nullopt, "", std::string("kintone"));
  risks.Add("menu", 1, std::nullopt, "", std::nullopt);
  const std::vector<AssetRisk> out = risks.Finish();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].devices, (std::vector<std::string>{"pc-1", "pc-2"}));
  EXPECT_EQ(out[0].services, (std::vector<std::string>{"kintone"}));
  // Worst first: the failing rule before the unknown one.
  EXPECT_EQ(out[0].worst,
            (std::vector<RuleState>{{"R1", "fail"}, {"orphan", "unknown"}}));
  EXPECT_EQ(out[1].asset_name, "menu");
  EXPECT_TRUE(out[1].worst.empty());
}

}  // namespace
}  // namespace mamori::asset_register
