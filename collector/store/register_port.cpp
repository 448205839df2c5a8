#include "collector/store/register_port.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/store/records/check_records.h"
#include "common/text.h"

namespace mamori::asset_register {

Result<InformationAsset> RegisterPort::GetAsset(const std::string& org,
                                                const std::string& name) {
  auto assets = ListAssets(org);
  if (!assets.ok()) return assets.status();
  for (InformationAsset& asset : *assets) {
    if (asset.name == name) return std::move(asset);
  }
  return NotFoundError("no information asset named \"" + name + "\"");
}

Result<bool> RegisterPort::Link(const std::string& org,
                                const std::string& asset_name, LinkKind kind,
                                const std::string& target,
                                const std::string& actor) {
  if (Trim(target).empty()) {
    return InvalidArgumentError("the device or service name is empty");
  }
  ImportPlan plan;
  plan.link_sheet = "register link";
  plan.links.push_back({{asset_name, kind, std::string(Trim(target))}, 1});
  auto summary = Import(org, plan, actor, false);
  if (!summary.ok()) return summary.status();
  if (!summary->errors.empty()) {
    const std::string& reason = summary->errors[0].reason;
    return StartsWith(reason, "several") ? InvalidArgumentError(reason)
                                         : NotFoundError(reason);
  }
  return summary->links_added > 0;
}

std::string AssetJson(const InformationAsset& a) {
  return nlohmann::json{
      {"business_area", a.business_area},
      {"name", a.name},
      {"note", a.note},
      {"users", a.users},
      {"owning_department", a.owning_department},
      {"medium", MediumCode(a.medium)},
      {"personal", a.personal},
      {"sensitive_personal", a.sensitive_personal},
      {"my_number", a.my_number},
      {"confidentiality", a.confidentiality},
      {"integrity", a.integrity},
      {"availability", a.availability},
      {"importance", a.importance()},
      {"retention", a.retention},
      {"registered_on", a.registered_on},
      {"retired", a.retired
                      ? nlohmann::json{{"retired_on", a.retired->retired_on},
                                       {"reason", a.retired->reason},
                                       {"retired_by", a.retired->retired_by}}
                      : nlohmann::json(nullptr)}}
      .dump();
}

StoredAssets AssetsByName(
    std::vector<std::pair<int64_t, InformationAsset>> assets) {
  StoredAssets by_name;
  for (auto& [id, asset] : assets) {
    std::string name = asset.name;
    by_name.emplace(std::move(name), std::make_pair(id, std::move(asset)));
  }
  return by_name;
}

Result<std::vector<PlannedLink>> CheckImport(
    const ImportPlan& plan, const StoredAssets& stored,
    const std::function<Result<int64_t>(const std::string& device)>&
        resolve_device,
    ImportSummary* summary) {
  // A file never retires or restores (docs/register.md, import rules).
  for (const auto& p : plan.assets) {
    const auto found = stored.find(p.asset.name);
    const std::string problem = ImportedStateProblem(
        p, found == stored.end() ? nullptr : &found->second.second);
    if (!problem.empty()) {
      summary->errors.push_back(
          {p.sheet.empty() ? plan.asset_sheet : p.sheet, p.row,
           p.column.empty() ? "情報資産名称 / Asset name" : p.column, problem});
    }
  }

  // Links are checked before anything is written so errors are complete.
  std::set<std::string> names_in_file;
  for (const auto& p : plan.assets) names_in_file.insert(p.asset.name);
  std::vector<PlannedLink> links;
  const std::string link_column_asset = "情報資産名称 / Asset name";
  const std::string link_column_target = "保存先 / Held on";
  for (const auto& pl : plan.links) {
    if (!names_in_file.count(pl.link.asset_name) &&
        !stored.count(pl.link.asset_name)) {
      summary->errors.push_back(
          {plan.link_sheet, pl.row, link_column_asset,
           "no information asset named \"" + pl.link.asset_name + "\""});
      continue;
    }
    if (pl.link.kind == LinkKind::kService) {
      links.push_back({&pl, std::nullopt});
      continue;
    }
    Result<int64_t> host = resolve_device(pl.link.target);
    if (!host.ok()) {
      const StatusCode code = host.status().code();
      if (code != StatusCode::kNotFound &&
          code != StatusCode::kInvalidArgument) {
        return host.status();
      }
      summary->errors.push_back({plan.link_sheet, pl.row, link_column_target,
                                 host.status().message()});
      continue;
    }
    links.push_back({&pl, *host});
  }
  return links;
}

std::vector<AssetWrite> PlanAssetWrites(const ImportPlan& plan,
                                        const StoredAssets& stored,
                                        ImportSummary* summary) {
  std::vector<AssetWrite> writes;
  for (const auto& parsed : plan.assets) {
    // The state is the register's (CheckImport refused any other); the rest
    // is the file's.
    AssetWrite w;
    w.asset = parsed.asset;
    const auto found = stored.find(w.asset.name);
    if (found != stored.end()) {
      w.asset.retired = found->second.second.retired;
      if (found->second.second == w.asset) {
        ++summary->unchanged;
        continue;
      }
      w.id = found->second.first;
      w.before_json = AssetJson(found->second.second);
      ++summary->updated;
    } else {
      ++summary->created;
    }
    w.after_json = AssetJson(w.asset);
    writes.push_back(std::move(w));
  }
  return writes;
}

std::string LinkJson(const AssetLink& link) {
  return nlohmann::json{{"kind", LinkKindCode(link.kind)},
                        {"target", link.target}}
      .dump();
}

namespace {

std::string DeviceFieldsJson(const DeviceFields& fields) {
  return nlohmann::json{{"owner", fields.owner},
                        {"location", fields.location},
                        {"retired", fields.retired_at.has_value()}}
      .dump();
}

}  // namespace

Status CheckDeviceEdit(const DeviceEdit& edit) {
  for (const auto* field : {&edit.owner, &edit.location}) {
    if (*field && (!IsValidUtf8(**field) || (*field)->size() > kMaxShortText)) {
      return InvalidArgumentError(
          "owner/location must be valid UTF-8 of at most " +
          std::to_string(kMaxShortText) + " bytes");
    }
  }
  return Status::Ok();
}

std::optional<DeviceChange> PlanDeviceEdit(
    const std::optional<DeviceFields>& current, const DeviceEdit& edit,
    int64_t now) {
  const DeviceFields before = current.value_or(DeviceFields{});
  DeviceChange change;
  change.after.owner = edit.owner.value_or(before.owner);
  change.after.location = edit.location.value_or(before.location);
  change.after.retired_at = before.retired_at;
  if (edit.retired) {
    if (*edit.retired && !before.retired_at) change.after.retired_at = now;
    if (!*edit.retired) change.after.retired_at.reset();
  }
  const DeviceFields& after = change.after;
  if (current && after.owner == before.owner &&
      after.location == before.location &&
      after.retired_at.has_value() == before.retired_at.has_value()) {
    return std::nullopt;
  }
  if (!current && after.owner.empty() && after.location.empty() &&
      !after.retired_at) {
    return std::nullopt;
  }
  const bool retiring = after.retired_at && !before.retired_at;
  change.action = retiring ? "retire" : "update";
  change.before_json = current ? DeviceFieldsJson(before) : "";
  change.after_json = DeviceFieldsJson(after);
  return change;
}

namespace {

// Ascending sort key, worst first (grading::StatusSeverity).
int Severity(std::string_view state) { return -grading::StatusSeverity(state); }

std::string RoleName(std::string_view proto_enum) {
  constexpr std::string_view kPrefix = "ENDPOINT_ROLE_";
  if (!StartsWith(proto_enum, kPrefix)) return std::string(proto_enum);
  const std::string role = ToLowerAscii(proto_enum.substr(kPrefix.size()));
  return role == "unspecified" ? std::string() : role;
}

// Keeps the worse of `state` and the state already kept for `rule`.
void KeepWorst(std::map<std::string, std::string>* worst,
               const std::string& rule, const std::string& state) {
  auto [it, inserted] = worst->emplace(rule, state);
  if (!inserted && Severity(state) < Severity(it->second)) it->second = state;
}

}  // namespace

DeviceAsset DeviceFromRow(const DeviceRow& row, int64_t stale_before) {
  DeviceAsset d;
  d.host_id = std::to_string(row.host_id);
  d.name = row.hostname;
  d.os = row.os_name;
  if (!row.os_version.empty() &&
      d.os.find(row.os_version) == std::string::npos) {
    d.os += (d.os.empty() ? "" : " ") + row.os_version;
  }
  d.serial = row.host_serial.empty() ? row.hardware_serial : row.host_serial;
  d.last_seen_unix = row.last_seen;
  d.role = RoleName(row.role);
  d.model = row.model;
  if (!row.vendor.empty() && d.model.find(row.vendor) == std::string::npos) {
    d.model = row.vendor + (d.model.empty() ? "" : " ") + d.model;
  }
  d.owner = row.owner;
  d.location = row.location;
  if (row.retired) {
    d.status = DeviceStatus::kRetired;
  } else if (row.revoked) {
    d.status = DeviceStatus::kRevoked;
  } else if (d.last_seen_unix < stale_before) {
    d.status = DeviceStatus::kStale;
  }
  return d;
}

void HostRuleStates::Add(int64_t host_id, const std::string& check_id,
                         const std::string& state) {
  ++results_;
  const auto rule = check_to_rule_.find(check_id);
  if (rule == check_to_rule_.end()) ++unmapped_;
  KeepWorst(&worst_[host_id],
            rule == check_to_rule_.end() ? check_id : rule->second, state);
}

HostRuleStateList HostRuleStates::Finish(std::string* source) const {
  HostRuleStateList out;
  for (const auto& [host, states] : worst_) {
    std::vector<RuleState> list;
    for (const auto& [rule, state] : states) list.push_back({rule, state});
    out.emplace_back(host, std::move(list));
  }
  *source = "check_results (grading module): " + std::to_string(results_) +
            " current results";
  if (unmapped_ > 0) {
    *source += ", " + std::to_string(unmapped_) +
               " grouped by check id (no rule known for them)";
  }
  return out;
}

void AttachChecks(const HostRuleStateList& checks,
                  std::vector<DeviceAsset>* devices) {
  for (const auto& [host_id, states] : checks) {
    for (DeviceAsset& d : *devices) {
      if (d.host_id == std::to_string(host_id)) d.checks = states;
    }
  }
}

void AssetRiskBuilder::FinishAsset() {
  if (out_.empty()) return;
  for (const auto& [rule, state] : worst_) {
    out_.back().worst.push_back({rule, state});
  }
  std::stable_sort(out_.back().worst.begin(), out_.back().worst.end(),
                   [](const RuleState& a, const RuleState& b) {
                     return Severity(a.state) < Severity(b.state);
                   });
  worst_.clear();
}

void AssetRiskBuilder::Add(const std::string& asset_name, int importance,
                           std::optional<int64_t> host_id,
                           const std::string& hostname,
                           const std::optional<std::string>& service) {
  if (out_.empty() || out_.back().asset_name != asset_name) {
    FinishAsset();
    out_.push_back({asset_name, importance, {}, {}, {}});
  }
  if (host_id) {
    out_.back().devices.push_back(hostname);
    for (const RuleState& rs : by_host_[*host_id]) {
      KeepWorst(&worst_, rs.rule_id, rs.state);
    }
  } else if (service) {
    out_.back().services.push_back(*service);
  }
}

std::vector<AssetRisk> AssetRiskBuilder::Finish() {
  FinishAsset();
  return std::move(out_);
}

}  // namespace mamori::asset_register
