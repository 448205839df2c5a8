#include "collector/cli/cmd_register.h"

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/policy/policy.h"
#include "collector/register/csv_format.h"
#include "collector/register/import_file.h"
#include "collector/register/xlsx_reader.h"
#include "collector/register/xlsx_writer.h"
#include "collector/store/grading_port.h"
#include "collector/store/register_port.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    R"(usage: mamori-collector register <command> --data DIR --org NAME ...

Information-asset register (情報資産管理台帳).

commands:
  list     --org NAME [--format text|json] [--lang ja|en]
           information assets, devices and links
  export   --org NAME --format xlsx|csv --out FILE [--lang ja|en]
           XLSX: sheets 情報資産台帳 / 機器台帳 / 関連付け (IPA column order)
           and 廃棄済み情報資産 (retired assets)
           CSV: the information-asset sheet with a status column, UTF-8 with BOM
  import   --org NAME FILE [--dry-run]
           XLSX or CSV in the export layout; any bad row rejects the file
  link     --org NAME ASSET DEVICE [--service]
           ASSET is held on DEVICE (host name or id), or on an external
           service of that name with --service
  set      --org NAME ASSET [--medium M] [--c N] [--i N] [--a N] ...
           create or change one information asset
  retire   --org NAME ASSET --reason TEXT [--date YYYY-MM-DD]
           mark an information asset retired (廃棄): kept, marked, audited
  restore  --org NAME ASSET
           put a retired information asset back in service
  device   --org NAME DEVICE [--owner TEXT] [--location TEXT]
           [--retire | --unretire]
  risks    --org NAME [--format text|json]
           per asset, most important first, the worst state per rule
           among its linked devices
  history  --org NAME [--limit N]

common options:
  --data DIR        collector data directory (default: /var/lib/mamori-collector)
  --actor NAME      who is making the change (default: your user name)
  --lang ja|en      language of headers, sheet names and messages (default ja)
  --stale-after D   a device with no report for D is stale (default 7d)
Run `mamori-collector register <command> --help` for a command's options.
)";

constexpr std::string_view kCommand = "register";

struct Common {
  std::string data_dir;
  std::string store_url;  // --store: a PostgreSQL database instead
  std::string org;
  std::string actor;
  std::string lang = "ja";
  std::string stale_after = kDefaultStaleAfter;
  std::chrono::seconds stale{7 * 86400};
};

void AddCommon(po::options_description* d, Common* c) {
  d->add_options()("data",
                   po::value(&c->data_dir)->default_value(kDefaultDataDir),
                   "collector data directory")("org", po::value(&c->org),
                                               "organisation name (required)")(
      "actor", po::value(&c->actor),
      "who makes the change, for the history (default: your user name)")(
      "lang", po::value(&c->lang)->default_value("ja"),
      "ja or en: headers, sheet names and messages")(
      "stale-after",
      po::value(&c->stale_after)->default_value(kDefaultStaleAfter),
      "a device with no report for this long is stale (90m, 24h, 14d, 2w)");
  AddStoreFlag(*d, &c->store_url);
}

// Parses the flags of `command`. Returns nullopt to go on, or the exit code
// (0 after --help, 2 after a usage error).
std::optional<int> Parse(std::string_view command, std::string_view synopsis,
                         const std::vector<std::string>& args,
                         const po::options_description& options,
                         const po::positional_options_description& positional,
                         po::variables_map* vm, std::ostream& out,
                         std::ostream& err) {
  return ParseFlags(std::string(kCommand) + " " + std::string(command),
                    synopsis, options, positional, args, *vm, out, err);
}

int Usage(const std::string& message, std::ostream& err) {
  return UsageError(kCommand, message, err);
}

int CheckCommon(Common* c, std::ostream& err) {
  if (c->org.empty()) return Usage("--org NAME is required", err);
  if (c->lang != "ja" && c->lang != "en") {
    return Usage("--lang must be ja or en, not \"" + c->lang + "\"", err);
  }
  auto stale = ParseDuration(c->stale_after);
  if (!stale) {
    return Usage(
        "--stale-after: expected a duration such as 7d or 24h, "
        "not \"" +
            c->stale_after + "\"",
        err);
  }
  c->stale = *stale;
  if (c->actor.empty()) c->actor = DefaultActor();
  return kExitOk;
}

Result<std::unique_ptr<store::Store>> Open(const Common& c) {
  return OpenStore(DataPaths::For(c.data_dir, c.store_url),
                   SystemClock::Instance());
}

// Check id → employee rule (or trend topic) from the policy set in force:
// the built-in checks plus the last custom set that validated. Device
// check summaries and per-asset worst states are grouped by these rules.
std::map<std::string, std::string> CheckRules(const Common& c,
                                              std::ostream& err) {
  std::map<std::string, std::string> rules;
  const auto add = [&](const std::vector<policy::Check>& checks) {
    for (const auto& check : checks) {
      rules[check.id] = check.rule.empty() ? check.topic : check.rule;
    }
  };
  auto builtin = policy::BuildPolicySet(policy::BuiltinPolicySources(), true);
  if (builtin.ok()) add(builtin->checks);
  auto core = Open(c);
  if (!core.ok()) return rules;
  auto grading = (*core)->OpenGrading();
  if (!grading.ok()) return rules;
  auto custom = (*grading)->LastGoodCustomPolicies();
  if (!custom.ok()) {
    err << "warning: custom policies not read (" << custom.status().message()
        << "); checks they define are shown by check id\n";
    return rules;
  }
  if (custom->has_value()) {
    auto set = policy::BuildPolicySet(**custom, false);
    if (set.ok()) add(set->checks);
  }
  return rules;
}

std::string Today() {
  return asset_register::IsoDateFromUnix(
      ToUnixSeconds(SystemClock::Instance().Now()));
}

void PrintErrors(const std::vector<asset_register::ImportError>& errors,
                 std::ostream& err) {
  for (const auto& e : errors) err << "  " << e.ToString() << "\n";
}

// Pads `text` to `width` display columns (East Asian characters count 2).
std::string Pad(const std::string& raw, size_t width) {
  // Names come from agents and imported files: nothing may act on the
  // terminal.
  const std::string text = TerminalSafe(raw);
  size_t columns = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    columns += len >= 3 ? 2 : 1;
    i += len;
  }
  return columns >= width ? text + " "
                          : text + std::string(width - columns, ' ');
}

std::optional<bool> ParseYesNo(const std::string& text) {
  const std::string t = ToLowerAscii(Trim(text));
  if (t == "yes" || t == "y" || t == "true" || t == "1" || t == "有") {
    return true;
  }
  if (t == "no" || t == "n" || t == "false" || t == "0" || t == "無") {
    return false;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------

int CmdList(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  Common c;
  std::string format = "text";
  po::options_description d("register list options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format)->default_value("text"),
                  "text or json");
  po::variables_map vm;
  if (auto exit = Parse("list", "--org NAME [--format text|json]", args, d, {},
                        &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (format != "text" && format != "json") {
    return Usage("--format must be text or json, not \"" + format + "\"", err);
  }
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  reg.SetCheckRules(CheckRules(c, err));
  auto snap = reg.Snapshot(c.org, c.stale);
  if (!snap.ok()) return Failure(kCommand, snap.status(), err);
  const bool ja = c.lang == "ja";

  // Retired assets leave the list and its count; they are shown apart.
  std::vector<asset_register::InformationAsset> retired;
  std::erase_if(snap->assets, [&](asset_register::InformationAsset& a) {
    if (!a.retired) return false;
    retired.push_back(std::move(a));
    return true;
  });

  if (format == "json") {
    nlohmann::json doc;
    doc["organization"] = c.org;
    doc["assets"] = nlohmann::json::array();
    for (const auto& a : snap->assets) {
      doc["assets"].push_back(
          nlohmann::json::parse(asset_register::AssetJson(a)));
    }
    doc["retired_assets"] = nlohmann::json::array();
    for (const auto& a : retired) {
      doc["retired_assets"].push_back(
          nlohmann::json::parse(asset_register::AssetJson(a)));
    }
    doc["devices"] = nlohmann::json::array();
    for (const auto& d : snap->devices) {
      nlohmann::json checks = nlohmann::json::object();
      for (const auto& rs : d.checks) checks[rs.rule_id] = rs.state;
      doc["devices"].push_back(
          {{"host_id", d.host_id},
           {"name", d.name},
           {"role", d.role},
           {"owner", d.owner},
           {"location", d.location},
           {"os", d.os},
           {"serial", d.serial},
           {"model", d.model},
           {"last_seen", d.last_seen_unix},
           {"status", asset_register::DeviceStatusCode(d.status)},
           {"checks", checks}});
    }
    doc["links"] = nlohmann::json::array();
    for (const auto& l : snap->links) {
      doc["links"].push_back({{"asset", l.asset_name},
                              {"kind", asset_register::LinkKindCode(l.kind)},
                              {"target", l.target}});
    }
    out << doc.dump(2) << "\n";
    return kExitOk;
  }

  out << (ja ? "情報資産 (" : "Information assets (") << snap->assets.size()
      << ")\n";
  out << "  " << Pad(ja ? "重要度" : "Imp", 8)
      << Pad(ja ? "情報資産名称" : "Asset name", 28)
      << Pad(ja ? "媒体・保存先" : "Medium", 16) << "C I A  "
      << (ja ? "個人情報" : "Personal") << "\n";
  for (const auto& a : snap->assets) {
    std::string personal;
    if (a.personal) personal += ja ? "個人 " : "personal ";
    if (a.sensitive_personal) personal += ja ? "要配慮 " : "sensitive ";
    if (a.my_number) personal += ja ? "マイナンバー" : "My Number";
    out << "  " << Pad(std::to_string(a.importance()), 8) << Pad(a.name, 28)
        << Pad(std::string(asset_register::MediumLabel(a.medium, ja)), 16)
        << a.confidentiality << " " << a.integrity << " " << a.availability
        << "  " << personal << "\n";
  }
  if (!retired.empty()) {
    out << "\n"
        << (ja ? "廃棄済みの情報資産 (" : "Retired assets (") << retired.size()
        << ")\n";
    for (const auto& a : retired) {
      out << "  " << Pad(a.name, 28) << Pad(a.retired->retired_on, 12)
          << Pad(a.retired->retired_by, 14)
          << TerminalSafe(a.retired->reason.substr(0, 200)) << "\n";
    }
  }
  out << "\n" << (ja ? "機器 (" : "Devices (") << snap->devices.size() << ")\n";
  for (const auto& d : snap->devices) {
    out << "  " << Pad(d.name, 16)
        << Pad(std::string(asset_register::DeviceStatusLabel(d.status, ja)), 10)
        << Pad(d.owner.empty() ? "-" : d.owner, 14)
        << Pad(d.location.empty() ? "-" : d.location, 16)
        << asset_register::IsoDateTimeFromUnix(d.last_seen_unix);
    const std::string checks = asset_register::ChecksSummary(d.checks);
    if (!checks.empty()) out << "  " << checks;
    out << "\n";
  }
  out << "\n" << (ja ? "関連付け (" : "Links (") << snap->links.size() << ")\n";
  for (const auto& l : snap->links) {
    out << "  " << TerminalSafe(l.asset_name) << " → "
        << TerminalSafe(l.target);
    if (l.kind == asset_register::LinkKind::kService) {
      out << (ja ? " (外部サービス)" : " (service)");
    }
    out << "\n";
  }
  return kExitOk;
}

int CmdExport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  Common c;
  std::string format;
  std::string out_path;
  po::options_description d("register export options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format), "xlsx or csv (required)")(
      "out", po::value(&out_path), "output file (required)");
  po::variables_map vm;
  if (auto exit = Parse(
          "export", "--org NAME --format xlsx|csv --out FILE [--lang ja|en]",
          args, d, {}, &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (format != "xlsx" && format != "csv") {
    return Usage("--format must be xlsx or csv" +
                     (format.empty() ? std::string(" (required)")
                                     : ", not \"" + format + "\""),
                 err);
  }
  if (out_path.empty()) return Usage("--out FILE is required", err);
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  reg.SetCheckRules(CheckRules(c, err));
  auto snap = reg.Snapshot(c.org, c.stale);
  if (!snap.ok()) return Failure(kCommand, snap.status(), err);
  const bool ja = c.lang == "ja";
  if (format == "xlsx") {
    if (Status s = asset_register::WriteXlsx(*snap, ja, out_path); !s.ok()) {
      return Failure(kCommand, s, err);
    }
  } else {
    const std::string csv = asset_register::AssetsToCsv(snap->assets, ja);
    // The register names personal information: readable by the owner only.
    if (Status s = WriteFileAtomic(out_path, csv, 0600); !s.ok()) {
      return Failure(kCommand, s, err);
    }
  }
  out << (ja ? "書き出しました: " : "exported: ") << out_path << " ("
      << snap->assets.size() << (ja ? " 件の情報資産, " : " assets, ")
      << snap->devices.size() << (ja ? " 台の機器, " : " devices, ")
      << snap->links.size() << (ja ? " 件の関連付け)" : " links)") << "\n";
  return kExitOk;
}

int CmdImport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  Common c;
  std::string file;
  po::options_description d("register import options");
  AddCommon(&d, &c);
  d.add_options()("file", po::value(&file), "XLSX or CSV file")(
      "dry-run", "validate and report what would change; change nothing");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (auto exit = Parse("import", "--org NAME FILE [--dry-run]", args, d, pos,
                        &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (file.empty()) return Usage("FILE to import is required", err);
  const bool dry_run = vm.count("dry-run") > 0;
  const size_t limit =
      std::max(asset_register::kMaxCsvBytes, asset_register::kMaxXlsxBytes);
  auto bytes = ReadFile(file, limit);
  if (!bytes.ok()) return Failure(kCommand, bytes.status(), err);
  auto plan = asset_register::PlanImport(*bytes, Today());
  if (!plan.ok())
    return Failure(kCommand, plan.status().WithContext(file), err);
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  auto summary = reg.Import(c.org, *plan, c.actor, dry_run);
  if (!summary.ok()) return Failure(kCommand, summary.status(), err);
  for (const auto& w : summary->warnings) err << "warning: " << w << "\n";
  const bool ja = c.lang == "ja";
  if (!summary->errors.empty()) {
    err << file << ": "
        << (ja ? "取り込みを中止しました（何も変更していません）。"
                 "エラー "
               : "import rejected, nothing was changed; errors: ")
        << summary->errors.size() << "\n";
    PrintErrors(summary->errors, err);
    return kExitFailure;
  }
  out << (dry_run
              ? (ja ? "確認のみ（変更なし）: " : "dry run, nothing changed: ")
              : (ja ? "取り込みました: " : "imported: "))
      << (ja ? "新規 " : "created ") << summary->created
      << (ja ? ", 更新 " : ", updated ") << summary->updated
      << (ja ? ", 変更なし " : ", unchanged ") << summary->unchanged
      << (ja ? ", 関連付け追加 " : ", links added ") << summary->links_added
      << "\n";
  return kExitOk;
}

int CmdLink(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err) {
  Common c;
  std::vector<std::string> words;
  po::options_description d("register link options");
  AddCommon(&d, &c);
  d.add_options()("service", "DEVICE names an external service (cloud)")(
      "words", po::value(&words), "ASSET DEVICE");
  po::positional_options_description pos;
  pos.add("words", 2);
  po::variables_map vm;
  if (auto exit = Parse("link", "--org NAME ASSET DEVICE [--service]", args, d,
                        pos, &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (words.size() != 2) return Usage("link needs ASSET and DEVICE", err);
  const auto kind = vm.count("service") ? asset_register::LinkKind::kService
                                        : asset_register::LinkKind::kDevice;
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  auto added = reg.Link(c.org, words[0], kind, words[1], c.actor);
  if (!added.ok()) return Failure(kCommand, added.status(), err);
  out << words[0] << " → " << words[1]
      << (*added ? (c.lang == "ja" ? ": 関連付けました" : ": linked")
                 : (c.lang == "ja" ? ": 既に関連付け済みです"
                                   : ": already linked"))
      << "\n";
  return kExitOk;
}

int CmdSet(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err) {
  Common c;
  std::string name;
  po::options_description d("register set options");
  AddCommon(&d, &c);
  d.add_options()("asset", po::value(&name), "asset name")(
      "business-area", po::value<std::string>(), "業務分類")(
      "note", po::value<std::string>(), "備考")(
      "users", po::value<std::string>(), "利用者範囲")(
      "department", po::value<std::string>(), "管理部署")(
      "medium", po::value<std::string>(),
      "媒体・保存先: paper, removable_media, office_pc, mobile_device, "
      "internal_server, external_server (or the ja/en label)")(
      "personal", po::value<std::string>(), "個人情報 yes|no")(
      "sensitive", po::value<std::string>(), "要配慮個人情報 yes|no")(
      "my-number", po::value<std::string>(), "特定個人情報 yes|no")(
      "c", po::value<int>(), "機密性 1-3")("i", po::value<int>(), "完全性 1-3")(
      "a", po::value<int>(), "可用性 1-3")(
      "retention", po::value<std::string>(), "保存期限")(
      "registered-on", po::value<std::string>(), "登録日 YYYY-MM-DD");
  po::positional_options_description pos;
  pos.add("asset", 1);
  po::variables_map vm;
  if (auto exit = Parse("set",
                        "--org NAME ASSET [--medium M] [--c N] [--i N] [--a N] "
                        "...\nA new asset needs --medium, --personal, "
                        "--sensitive, --my-number, --c, --i and --a.",
                        args, d, pos, &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (Trim(name).empty()) return Usage("ASSET name is required", err);
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  asset_register::InformationAsset a;
  auto existing = reg.GetAsset(c.org, std::string(Trim(name)));
  const bool is_new = !existing.ok();
  if (existing.ok()) {
    a = *existing;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return Failure(kCommand, existing.status(), err);
  } else {
    for (const char* required :
         {"medium", "personal", "sensitive", "my-number", "c", "i", "a"}) {
      if (!vm.count(required)) {
        return Usage(std::string("a new asset needs --") + required, err);
      }
    }
    a.name = std::string(Trim(name));
    a.registered_on = Today();
  }
  const auto text = [&](const char* key, std::string* field) {
    if (vm.count(key)) *field = vm[key].as<std::string>();
  };
  text("business-area", &a.business_area);
  text("note", &a.note);
  text("users", &a.users);
  text("department", &a.owning_department);
  text("retention", &a.retention);
  text("registered-on", &a.registered_on);
  if (vm.count("medium")) {
    auto m = asset_register::ParseMedium(vm["medium"].as<std::string>());
    if (!m) {
      return Usage(
          "--medium: unknown medium \"" + vm["medium"].as<std::string>() + "\"",
          err);
    }
    a.medium = *m;
  }
  for (auto [key, field] :
       {std::pair<const char*, bool*>{"personal", &a.personal},
        {"sensitive", &a.sensitive_personal},
        {"my-number", &a.my_number}}) {
    if (!vm.count(key)) continue;
    auto v = ParseYesNo(vm[key].as<std::string>());
    if (!v) return Usage(std::string("--") + key + " must be yes or no", err);
    *field = *v;
  }
  for (auto [key, field] :
       {std::pair<const char*, int*>{"c", &a.confidentiality},
        {"i", &a.integrity},
        {"a", &a.availability}}) {
    if (!vm.count(key)) continue;
    const int v = vm[key].as<int>();
    if (v < 1 || v > 3) {
      return Usage(std::string("--") + key + " must be 1, 2 or 3, not " +
                       std::to_string(v),
                   err);
    }
    *field = v;
  }
  auto changed = PutAsset(reg, c.org, a, c.actor);
  if (!changed.ok()) return Failure(kCommand, changed.status(), err);
  const bool ja = c.lang == "ja";
  out << TerminalSafe(a.name) << ": "
      << (!*changed ? (ja ? "変更なし" : "unchanged")
          : is_new  ? (ja ? "登録しました" : "created")
                    : (ja ? "更新しました" : "updated"))
      << (ja ? " (重要度 " : " (importance ") << a.importance() << ")\n";
  return kExitOk;
}

int CmdDevice(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  Common c;
  std::string device;
  po::options_description d("register device options");
  AddCommon(&d, &c);
  d.add_options()("device", po::value(&device), "device name or host id")(
      "owner", po::value<std::string>(), "owner / user")(
      "location", po::value<std::string>(), "location / department")(
      "retire", "mark the device retired (kept, never deleted)")(
      "unretire", "return a retired device to service");
  po::positional_options_description pos;
  pos.add("device", 1);
  po::variables_map vm;
  if (auto exit = Parse("device",
                        "--org NAME DEVICE [--owner TEXT] [--location TEXT] "
                        "[--retire|--unretire]",
                        args, d, pos, &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (device.empty()) return Usage("DEVICE is required", err);
  if (vm.count("retire") && vm.count("unretire")) {
    return Usage("--retire and --unretire exclude each other", err);
  }
  asset_register::DeviceEdit edit;
  if (vm.count("owner")) edit.owner = vm["owner"].as<std::string>();
  if (vm.count("location")) edit.location = vm["location"].as<std::string>();
  if (vm.count("retire")) edit.retired = true;
  if (vm.count("unretire")) edit.retired = false;
  if (!edit.owner && !edit.location && !edit.retired) {
    return Usage(
        "nothing to change: give --owner, --location, --retire or "
        "--unretire",
        err);
  }
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  auto changed = reg.EditDevice(c.org, device, edit, c.actor);
  if (!changed.ok()) return Failure(kCommand, changed.status(), err);
  out << device << ": "
      << (*changed ? (c.lang == "ja" ? "更新しました" : "updated")
                   : (c.lang == "ja" ? "変更なし" : "unchanged"))
      << "\n";
  return kExitOk;
}

// `register retire` and `register restore`: one asset's state, audited in
// the register's history. Nothing is deleted either way.
int CmdRetire(bool retire, const std::vector<std::string>& args,
              std::ostream& out, std::ostream& err) {
  Common c;
  std::string name;
  asset_register::AssetRetirement retirement;
  const char* command = retire ? "retire" : "restore";
  po::options_description d(std::string("register ") + command + " options");
  AddCommon(&d, &c);
  d.add_options()("asset", po::value(&name), "information asset name");
  if (retire) {
    d.add_options()("reason", po::value(&retirement.reason),
                    "why it was retired (required): handed back, destroyed, "
                    "deleted, ...")(
        "date", po::value(&retirement.retired_on),
        "the day it was disposed of, YYYY-MM-DD (default: today, UTC)");
  }
  po::positional_options_description pos;
  pos.add("asset", 1);
  po::variables_map vm;
  if (auto exit = Parse(command,
                        retire ? "--org NAME ASSET --reason TEXT "
                                 "[--date YYYY-MM-DD]"
                               : "--org NAME ASSET",
                        args, d, pos, &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (Trim(name).empty()) return Usage("ASSET name is required", err);
  if (retire) {
    if (retirement.retired_on.empty()) retirement.retired_on = Today();
    std::string field;
    const std::string problem =
        asset_register::RetirementProblem(retirement, Today(), &field);
    if (!problem.empty()) {
      return Usage((field == "reason" ? "--reason: " : "--date: ") + problem,
                   err);
    }
  }
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  const std::string asset(Trim(name));
  auto done = retire ? reg.RetireAsset(c.org, asset, retirement, c.actor)
                     : reg.RestoreAsset(c.org, asset, c.actor);
  if (!done.ok()) return Failure(kCommand, done.status(), err);
  const bool ja = c.lang == "ja";
  out << TerminalSafe(asset) << ": ";
  if (retire) {
    out << (ja ? "廃棄済みにしました (" : "retired (")
        << done->retired->retired_on << ")\n";
  } else {
    out << (ja ? "使用中に戻しました" : "restored to service") << "\n";
  }
  return kExitOk;
}

int CmdRisks(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  Common c;
  std::string format = "text";
  po::options_description d("register risks options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format)->default_value("text"),
                  "text or json");
  po::variables_map vm;
  if (auto exit = Parse("risks", "--org NAME [--format text|json]", args, d, {},
                        &vm, out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (format != "text" && format != "json") {
    return Usage("--format must be text or json, not \"" + format + "\"", err);
  }
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  reg.SetCheckRules(CheckRules(c, err));
  std::string source;
  auto risks = reg.AssetRisks(c.org, &source);
  if (!risks.ok()) return Failure(kCommand, risks.status(), err);
  const bool ja = c.lang == "ja";
  if (format == "json") {
    nlohmann::json doc = {{"organization", c.org}, {"source", source}};
    doc["assets"] = nlohmann::json::array();
    for (const auto& r : *risks) {
      nlohmann::json worst = nlohmann::json::array();
      for (const auto& rs : r.worst) {
        worst.push_back({{"rule", rs.rule_id}, {"state", rs.state}});
      }
      doc["assets"].push_back({{"name", r.asset_name},
                               {"importance", r.importance},
                               {"devices", r.devices},
                               {"services", r.services},
                               {"worst", worst}});
    }
    out << doc.dump(2) << "\n";
    return kExitOk;
  }
  out << (ja ? "点検結果の出所: " : "check results from: ") << source << "\n";
  for (const auto& r : *risks) {
    out << "[" << r.importance << "] " << TerminalSafe(r.asset_name) << " → ";
    std::string held;
    for (const auto& d : r.devices) held += (held.empty() ? "" : ", ") + d;
    for (const auto& s : r.services) {
      held += (held.empty() ? "" : ", ") + s +
              (ja ? " (外部サービス)" : " (service)");
    }
    out << (held.empty() ? (ja ? "(保存先未登録)" : "(not linked)")
                         : TerminalSafe(held))
        << "\n";
    for (const auto& rs : r.worst) {
      if (rs.state == "pass" || rs.state == "not_applicable") continue;
      out << "    " << rs.rule_id << ": " << rs.state << "\n";
    }
  }
  return kExitOk;
}

int CmdHistory(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  Common c;
  int64_t limit = 50;
  po::options_description d("register history options");
  AddCommon(&d, &c);
  d.add_options()("limit", po::value(&limit)->default_value(50),
                  "newest N changes");
  po::variables_map vm;
  if (auto exit = Parse("history", "--org NAME [--limit N]", args, d, {}, &vm,
                        out, err)) {
    return *exit;
  }
  if (int rc = CheckCommon(&c, err); rc != kExitOk) return rc;
  if (limit < 1) return Usage("--limit must be at least 1", err);
  auto st = Open(c);
  if (!st.ok()) return Failure(kCommand, st.status(), err);
  auto reg_port = (*st)->OpenRegister(SystemClock::Instance());
  if (!reg_port.ok()) return Failure(kCommand, reg_port.status(), err);
  asset_register::RegisterPort& reg = **reg_port;
  auto history = reg.History(c.org, limit);
  if (!history.ok()) return Failure(kCommand, history.status(), err);
  for (const auto& h : *history) {
    out << asset_register::IsoDateTimeFromUnix(h.changed_at) << "  "
        << Pad(h.actor, 12) << Pad(h.action, 8) << TerminalSafe(h.entity) << " "
        << TerminalSafe(h.entity_name) << "\n";
    if (!h.before_json.empty()) {
      out << "    - " << TerminalSafe(h.before_json) << "\n";
    }
    if (!h.after_json.empty()) {
      out << "    + " << TerminalSafe(h.after_json) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

int RunRegister(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  static const std::vector<Subcommand> kSubcommands = {
      {"list", CmdList},
      {"export", CmdExport},
      {"import", CmdImport},
      {"link", CmdLink},
      {"set", CmdSet},
      {"device", CmdDevice},
      {"retire",
       [](const std::vector<std::string>& rest, std::ostream& out,
          std::ostream& err) { return CmdRetire(true, rest, out, err); }},
      {"restore",
       [](const std::vector<std::string>& rest, std::ostream& out,
          std::ostream& err) { return CmdRetire(false, rest, out, err); }},
      {"risks", CmdRisks},
      {"history", CmdHistory},
  };
  return RunSubcommand(kCommand, kUsage, kSubcommands, args, out, err);
}

}  // namespace mamori::collector_cli
