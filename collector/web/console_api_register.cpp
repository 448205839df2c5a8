// The information-asset register page's API. The register's model, import
// planning and exports are collector/register's (the CLI `register` uses the
// same); these handlers parse, authorise, call the RegisterPort under its
// lock and render. Every change is audited besides the register's own
// history.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "collector/register/csv_format.h"
#include "collector/register/import_file.h"
#include "collector/register/xlsx_writer.h"
#include "collector/store/register_port.h"
#include "collector/web/console_api_parts.h"
#include "common/text.h"

namespace mamori::web {

using asset_register::InformationAsset;
using nlohmann::json;

namespace {

constexpr size_t kMaxTextField = 500;

json AssetDoc(const InformationAsset& a) {
  return {{"name", a.name},
          {"business_area", a.business_area},
          {"note", a.note},
          {"users", a.users},
          {"owning_department", a.owning_department},
          {"medium", asset_register::MediumCode(a.medium)},
          {"personal", a.personal},
          {"sensitive_personal", a.sensitive_personal},
          {"my_number", a.my_number},
          {"confidentiality", a.confidentiality},
          {"integrity", a.integrity},
          {"availability", a.availability},
          {"importance", a.importance()},
          {"retention", a.retention},
          {"registered_on", a.registered_on},
          {"retired", a.retired ? json{{"retired_on", a.retired->retired_on},
                                       {"reason", a.retired->reason},
                                       {"retired_by", a.retired->retired_by}}
                                : json(nullptr)}};
}

json ErrorsJson(const std::vector<asset_register::ImportError>& errors) {
  json out = json::array();
  for (const auto& e : errors) {
    if (out.size() == 200) break;
    out.push_back({{"sheet", e.sheet},
                   {"row", e.row},
                   {"column", e.column},
                   {"reason", e.reason}});
  }
  return out;
}

}  // namespace

HttpResponse RegisterHandlers::Get(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (register_port() == nullptr) return RegisterMissing();
  std::lock_guard<std::mutex> lock(register_mu());
  Result<asset_register::RegisterSnapshot> snapshot =
      register_port()->Snapshot(org->name, options().silent_after);
  if (!snapshot.ok()) return StoreProblem(snapshot.status());
  // Retired assets leave the list and its count; the page shows them
  // under its "retired" filter.
  json assets = json::array();
  json retired = json::array();
  for (const InformationAsset& a : snapshot->assets) {
    (a.retired ? retired : assets).push_back(AssetDoc(a));
  }
  // A link names its device by host name: the state of the device of that
  // name (the best one when several share it: a name taken over by a new PC
  // is active), so a link to a retired, revoked or silent PC says so.
  std::map<std::string, asset_register::DeviceStatus> device_state;
  json devices = json::array();
  for (const asset_register::DeviceAsset& d : snapshot->devices) {
    auto [it, added] = device_state.emplace(d.name, d.status);
    if (!added && d.status < it->second) it->second = d.status;
    devices.push_back(
        {{"host_id", d.host_id},
         {"name", d.name},
         {"role", d.role},
         {"owner", d.owner},
         {"location", d.location},
         {"os", d.os},
         {"serial", d.serial},
         {"status", asset_register::DeviceStatusCode(d.status)},
         {"last_seen", d.last_seen_unix
                           ? json(IsoTime(FromUnixSeconds(d.last_seen_unix)))
                           : json(nullptr)}});
  }
  json links = json::array();
  for (const asset_register::AssetLink& l : snapshot->links) {
    json target_status = nullptr;  // services have none
    if (l.kind == asset_register::LinkKind::kDevice) {
      const auto it = device_state.find(l.target);
      target_status =
          it == device_state.end()
              ? "missing"
              : std::string(asset_register::DeviceStatusCode(it->second));
    }
    links.push_back({{"asset_name", l.asset_name},
                     {"kind", asset_register::LinkKindCode(l.kind)},
                     {"target", l.target},
                     {"target_status", target_status}});
  }
  json media = json::array();
  for (asset_register::Medium m : asset_register::AllMedia()) {
    media.push_back({{"code", asset_register::MediumCode(m)},
                     {"label",
                      {{"ja", asset_register::MediumLabel(m, true)},
                       {"en", asset_register::MediumLabel(m, false)}}}});
  }
  return Json(
      {{"assets", assets},
       {"retired_assets", retired},
       {"counts", {{"assets", assets.size()}, {"retired", retired.size()}}},
       {"devices", devices},
       {"links", links},
       {"media", media},
       {"can_write", CanWrite(org_id)}});
}

HttpResponse RegisterHandlers::PutAsset(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (register_port() == nullptr) return RegisterMissing();
  if (auto p = ParseBody()) return *p;
  InformationAsset a;
  for (auto [field, out] :
       std::initializer_list<std::pair<const char*, std::string*>>{
           {"name", &a.name},
           {"business_area", &a.business_area},
           {"note", &a.note},
           {"users", &a.users},
           {"owning_department", &a.owning_department},
           {"retention", &a.retention},
           {"registered_on", &a.registered_on}}) {
    if (auto p = BodyString(field, out, kMaxTextField)) return *p;
  }
  if (a.name.empty()) return FieldProblem("name", "error.required");
  std::string medium;
  if (auto p = BodyString("medium", &medium, 64)) return *p;
  std::optional<asset_register::Medium> parsed =
      asset_register::ParseMedium(medium);
  if (!parsed) {
    std::string codes;
    for (asset_register::Medium m : asset_register::AllMedia()) {
      codes += (codes.empty() ? "" : ", ") +
               std::string(asset_register::MediumCode(m));
    }
    return FieldProblem("medium", "error.one_of", {{"values", codes}});
  }
  a.medium = *parsed;
  for (auto [field, out] : std::initializer_list<std::pair<const char*, int*>>{
           {"confidentiality", &a.confidentiality},
           {"integrity", &a.integrity},
           {"availability", &a.availability}}) {
    auto it = call.body.find(field);
    if (it == call.body.end() || !it->is_number_integer() ||
        it->get<int64_t>() < 1 || it->get<int64_t>() > 3) {
      return FieldProblem(field, "error.range", {{"min", "1"}, {"max", "3"}});
    }
    *out = it->get<int>();
  }
  for (auto [field, out] : std::initializer_list<std::pair<const char*, bool*>>{
           {"personal", &a.personal},
           {"sensitive_personal", &a.sensitive_personal},
           {"my_number", &a.my_number}}) {
    auto it = call.body.find(field);
    if (it == call.body.end() || it->is_null()) continue;
    if (!it->is_boolean()) return FieldProblem(field, "error.expected_bool");
    *out = it->get<bool>();
  }
  if (a.registered_on.empty()) {
    a.registered_on =
        asset_register::IsoDateFromUnix(ToUnixSeconds(clock().Now()));
  } else if (!asset_register::IsIsoDate(a.registered_on)) {
    return FieldProblem("registered_on", "error.invalid_field");
  }
  std::lock_guard<std::mutex> lock(register_mu());
  Result<InformationAsset> before =
      register_port()->GetAsset(org->name, a.name);
  Result<bool> changed =
      asset_register::PutAsset(*register_port(), org->name, a, call.Actor());
  if (!changed.ok()) return StoreProblem(changed.status());
  Result<InformationAsset> stored =
      register_port()->GetAsset(org->name, a.name);
  if (!stored.ok()) return StoreProblem(stored.status());
  if (*changed) {
    Audit("register.asset", a.name, org_id,
          before.ok() ? AssetDoc(*before) : json::object(), AssetDoc(*stored));
  }
  return Json({{"asset", AssetDoc(*stored)}, {"changed", *changed}});
}

HttpResponse RegisterHandlers::Retire(int64_t org_id, bool retire) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (register_port() == nullptr) return RegisterMissing();
  if (auto p = ParseBody()) return *p;
  std::string name;
  asset_register::AssetRetirement retirement;
  if (auto p = BodyString("name", &name, kMaxTextField)) return *p;
  if (name.empty()) return FieldProblem("name", "error.required");
  std::vector<std::string> allowed = {"name"};
  if (retire) {
    allowed.insert(allowed.end(), {"retired_on", "reason"});
    if (auto p = BodyString("retired_on", &retirement.retired_on, 10)) {
      return *p;
    }
    if (auto p = BodyString("reason", &retirement.reason,
                            asset_register::kMaxNoteText)) {
      return *p;
    }
    const std::string today =
        asset_register::IsoDateFromUnix(ToUnixSeconds(clock().Now()));
    if (retirement.retired_on.empty()) retirement.retired_on = today;
    std::string field;
    const std::string problem =
        asset_register::RetirementProblem(retirement, today, &field);
    if (!problem.empty()) {
      if (field == "reason" && Trim(retirement.reason).empty()) {
        return FieldProblem("reason", "error.required");
      }
      return FieldProblem(field, "register.retire_refused",
                          {{"reason", problem}});
    }
  }
  for (const auto& [key, value] : call.body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return FieldProblem(key, "error.unknown_field");
    }
  }
  std::lock_guard<std::mutex> lock(register_mu());
  Result<InformationAsset> before = register_port()->GetAsset(org->name, name);
  if (!before.ok()) return StoreProblem(before.status());
  Result<InformationAsset> after =
      retire ? register_port()->RetireAsset(org->name, name, retirement,
                                            call.Actor())
             : register_port()->RestoreAsset(org->name, name, call.Actor());
  if (!after.ok()) {
    if (after.status().code() == StatusCode::kFailedPrecondition) {
      return Problem(
          409, retire ? "register.already_retired" : "register.not_retired");
    }
    return StoreProblem(after.status());
  }
  Audit(retire ? "register.asset.retire" : "register.asset.restore", name,
        org_id, AssetDoc(*before), AssetDoc(*after));
  return Json({{"asset", AssetDoc(*after)}});
}

namespace {

json DeviceDoc(const asset_register::DeviceAsset& d) {
  return {{"host_id", d.host_id},
          {"name", d.name},
          {"owner", d.owner},
          {"location", d.location},
          {"status", asset_register::DeviceStatusCode(d.status)}};
}

}  // namespace

HttpResponse RegisterHandlers::PatchDevice(int64_t org_id, int64_t host_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (register_port() == nullptr) return RegisterMissing();
  if (auto p = ParseBody()) return *p;
  asset_register::DeviceEdit edit;
  for (auto [field, out] : std::initializer_list<
           std::pair<const char*, std::optional<std::string>*>>{
           {"owner", &edit.owner}, {"location", &edit.location}}) {
    if (!call.body.contains(field)) continue;
    std::string value;
    if (auto p = BodyString(field, &value, kMaxTextField)) return *p;
    *out = value;
  }
  if (auto it = call.body.find("retired"); it != call.body.end()) {
    if (!it->is_boolean())
      return FieldProblem("retired", "error.expected_bool");
    edit.retired = it->get<bool>();
  }
  for (const auto& [key, value] : call.body.items()) {
    if (key != "owner" && key != "location" && key != "retired") {
      return FieldProblem(key, "error.unknown_field");
    }
  }
  const std::string id = std::to_string(host_id);
  std::lock_guard<std::mutex> lock(register_mu());
  auto find = [&]() -> std::optional<asset_register::DeviceAsset> {
    auto devices =
        register_port()->ListDevices(org->name, options().silent_after);
    if (!devices.ok()) return std::nullopt;
    for (auto& d : *devices) {
      if (d.host_id == id) return d;
    }
    return std::nullopt;
  };
  // The device must be this organisation's: another's host id is 404.
  std::optional<asset_register::DeviceAsset> before = find();
  if (!before) return Problem(404, "error.not_found");
  Result<bool> changed =
      register_port()->EditDevice(org->name, id, edit, call.Actor());
  if (!changed.ok()) return StoreProblem(changed.status());
  std::optional<asset_register::DeviceAsset> after = find();
  if (!after) return Problem(404, "error.not_found");
  if (*changed) {
    Audit("register.device", before->name, org_id, DeviceDoc(*before),
          DeviceDoc(*after));
  }
  return Json({{"device", DeviceDoc(*after)}, {"changed", *changed}});
}

HttpResponse RegisterHandlers::AddLink(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (register_port() == nullptr) return RegisterMissing();
  if (auto p = ParseBody()) return *p;
  std::string asset, kind_text, target;
  if (auto p = BodyString("asset_name", &asset, kMaxTextField)) return *p;
  if (auto p = BodyString("kind", &kind_text, 32)) return *p;
  if (auto p = BodyString("target", &target, kMaxTextField)) return *p;
  if (asset.empty()) return FieldProblem("asset_name", "error.required");
  if (target.empty()) return FieldProblem("target", "error.required");
  std::optional<asset_register::LinkKind> kind =
      asset_register::ParseLinkKind(kind_text);
  if (!kind) {
    return FieldProblem("kind", "error.one_of",
                        {{"values", "device, service"}});
  }
  std::lock_guard<std::mutex> lock(register_mu());
  Result<bool> added =
      register_port()->Link(org->name, asset, *kind, target, call.Actor());
  if (!added.ok()) {
    // The register names what it could not resolve (in English).
    const std::string reason = added.status().message();
    if (added.status().code() == StatusCode::kNotFound ||
        added.status().code() == StatusCode::kInvalidArgument) {
      return FieldProblem(reason.find("information asset") != std::string::npos
                              ? "asset_name"
                              : "target",
                          "register.link_refused", {{"reason", reason}});
    }
    return StoreProblem(added.status());
  }
  const json link = {{"asset_name", asset},
                     {"kind", asset_register::LinkKindCode(*kind)},
                     {"target", target}};
  if (*added) Audit("register.link", asset, org_id, json::object(), link);
  return Json({{"link", link}, {"added", *added}});
}

HttpResponse RegisterHandlers::Export(int64_t org_id, bool xlsx) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (register_port() == nullptr) return RegisterMissing();
  const bool japanese = call.lang == "ja";
  Result<asset_register::RegisterSnapshot> snapshot = [&] {
    std::lock_guard<std::mutex> lock(register_mu());
    return register_port()->Snapshot(org->name, options().silent_after);
  }();
  if (!snapshot.ok()) return StoreProblem(snapshot.status());
  HttpResponse r;
  const std::string stem =
      "attachment; filename=\"mamori-register-" + std::to_string(org_id);
  if (!xlsx) {
    r.content_type = "text/csv; charset=utf-8";
    r.body = asset_register::AssetsToCsv(snapshot->assets, japanese);
    r.AddHeader("Content-Disposition", stem + ".csv\"");
    return r;
  }
  // libxlsxwriter writes only to a path: a private directory, removed after.
  const char* base = getenv("TMPDIR");
  std::string dir =
      std::string(base && *base ? base : "/tmp") + "/mamori-register-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) return Problem(500, "error.internal");
  const std::string path = dir + "/register.xlsx";
  Status written = asset_register::WriteXlsx(*snapshot, japanese, path);
  std::ostringstream bytes;
  if (written.ok()) {
    std::ifstream in(path, std::ios::binary);
    bytes << in.rdbuf();
  }
  unlink(path.c_str());
  unlink((path + ".tmp").c_str());
  rmdir(dir.c_str());
  if (!written.ok()) return StoreProblem(written);
  r.content_type =
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  r.body = bytes.str();
  r.AddHeader("Content-Disposition", stem + ".xlsx\"");
  return r;
}

HttpResponse RegisterHandlers::Import(int64_t org_id) {
  Result<store::OrgOverview> org = ScopedOrg(org_id);
  if (!org.ok()) return StoreProblem(org.status());
  if (!CanWrite(org_id)) return Problem(403, "auth.forbidden");
  if (register_port() == nullptr) return RegisterMissing();
  const std::string dry = call.request.Query("dry_run");
  if (dry != "true" && dry != "false") {
    return FieldProblem("dry_run", "error.one_of", {{"values", "true, false"}});
  }
  const bool dry_run = dry == "true";
  if (call.request.body.empty()) return FieldProblem("file", "error.required");
  // The web server refused bodies over its limit before reading them.
  Result<asset_register::ImportPlan> plan = asset_register::PlanImport(
      call.request.body,
      asset_register::IsoDateFromUnix(ToUnixSeconds(clock().Now())));
  if (!plan.ok()) {
    return FieldProblem("file", "register.unreadable",
                        {{"reason", plan.status().message()}});
  }
  std::lock_guard<std::mutex> lock(register_mu());
  Result<asset_register::ImportSummary> summary =
      register_port()->Import(org->name, *plan, call.Actor(), dry_run);
  if (!summary.ok()) return StoreProblem(summary.status());
  const json doc = {{"dry_run", dry_run},
                    {"applied", summary->applied},
                    {"created", summary->created},
                    {"updated", summary->updated},
                    {"unchanged", summary->unchanged},
                    {"links_added", summary->links_added},
                    {"errors", ErrorsJson(summary->errors)},
                    {"warnings", summary->warnings}};
  if (summary->applied) {
    Audit("register.import", org->name, org_id, json::object(),
          {{"created", summary->created},
           {"updated", summary->updated},
           {"links_added", summary->links_added}});
  }
  return Json(doc);
}

}  // namespace mamori::web
