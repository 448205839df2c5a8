#include "collector/cli/cmd_register.h"

#include <pwd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "collector/register/csv_format.h"
#include "collector/register/import_file.h"
#include "collector/register/xlsx_reader.h"
#include "collector/register/xlsx_writer.h"
#include "collector/store/register_store.h"
#include "collector/store/sqlite_store.h"
#include "common/text.h"

namespace mamori::cli {
namespace {

namespace po = boost::program_options;
using asset_register::RegisterStore;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    R"(usage: mamori-collector register <command> --data DIR --org NAME ...

Information-asset register (情報資産管理台帳).

commands:
  list     --org NAME [--format text|json] [--lang ja|en]
           information assets, devices and links
  export   --org NAME --format xlsx|csv --out FILE [--lang ja|en]
           XLSX: sheets 情報資産台帳 / 機器台帳 / 関連付け (IPA column order)
           CSV: the information-asset sheet, UTF-8 with BOM
  import   --org NAME FILE [--dry-run]
           XLSX or CSV in the export layout; any bad row rejects the file
  link     --org NAME ASSET DEVICE [--service]
           ASSET is held on DEVICE (host name or id), or on an external
           service of that name with --service
  set      --org NAME ASSET [--medium M] [--c N] [--i N] [--a N] ...
           create or change one information asset
  device   --org NAME DEVICE [--owner TEXT] [--location TEXT]
           [--retire | --unretire]
  risks    --org NAME [--format text|json]
           per asset, most important first, the worst state per rule
           among its linked devices
  history  --org NAME [--limit N]

common options:
  --data DIR        collector data directory (default: /var/lib/mamori)
  --actor NAME      who is making the change (default: your user name)
  --stale-days N    a device not seen for N days is stale (default 14)
Run `mamori-collector register <command> --help` for a command's options.
)";

struct Common {
  std::string data_dir = "/var/lib/mamori";
  std::string org;
  std::string actor;
  std::string lang = "ja";
  int stale_days = 14;
};

void AddCommon(po::options_description* d, Common* c) {
  d->add_options()("help,h", "show this help")(
      "data", po::value(&c->data_dir)->default_value(c->data_dir),
      "collector data directory")("org", po::value(&c->org),
                                  "organisation name (required)")(
      "actor", po::value(&c->actor), "who makes the change")(
      "lang", po::value(&c->lang)->default_value("ja"), "ja or en")(
      "stale-days", po::value(&c->stale_days)->default_value(14),
      "days without a report before a device is stale");
}

std::string DefaultActor() {
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name) {
    return pw->pw_name;
  }
  return "uid:" + std::to_string(getuid());
}

int Usage(const std::string& message) {
  std::cerr << "mamori-collector register: " << message << "\n"
            << "Run `mamori-collector register --help` for usage.\n";
  return kExitUsage;
}

int Fail(const Status& status) {
  std::cerr << "mamori-collector register: " << status.message() << "\n";
  return kExitFailure;
}

// Parses `args` against `options` (+ `positional`). Returns kExitOk to go
// on, another exit code to stop with (help shown, usage error).
int Parse(const std::vector<std::string>& args,
          const po::options_description& options,
          const po::positional_options_description& positional,
          const std::string& help, po::variables_map* vm) {
  try {
    po::store(po::command_line_parser(args)
                  .options(options)
                  .positional(positional)
                  .run(),
              *vm);
    if (vm->count("help")) {
      std::cout << help << "\n" << options << "\n";
      return -1;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    return Usage(e.what());
  }
  return kExitOk;
}

int CheckCommon(Common* c) {
  if (c->org.empty()) return Usage("--org NAME is required");
  if (c->lang != "ja" && c->lang != "en") {
    return Usage("--lang must be ja or en, not \"" + c->lang + "\"");
  }
  if (c->stale_days < 1) return Usage("--stale-days must be at least 1");
  if (c->actor.empty()) c->actor = DefaultActor();
  return kExitOk;
}

// The collector database under the data directory, migrated.
Result<std::unique_ptr<store::SqliteStore>> OpenStore(const Common& c) {
  const std::string path = c.data_dir + "/collector.db";
  if (access(path.c_str(), F_OK) != 0) {
    return NotFoundError("no collector database at " + path +
                         " (run `mamori-collector init --data " + c.data_dir +
                         "` first, or pass --data)");
  }
  return store::SqliteStore::Open(path, SystemClock::Instance());
}

std::string Today() {
  return asset_register::IsoDateFromUnix(
      ToUnixSeconds(SystemClock::Instance().Now()));
}

void PrintErrors(const std::vector<asset_register::ImportError>& errors) {
  for (const auto& e : errors) std::cerr << "  " << e.ToString() << "\n";
}

// Pads `text` to `width` display columns (East Asian characters count 2).
std::string Pad(const std::string& text, size_t width) {
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

int CmdList(const std::vector<std::string>& args) {
  Common c;
  std::string format = "text";
  po::options_description d("register list options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format)->default_value("text"),
                  "text or json");
  po::variables_map vm;
  if (int rc = Parse(args, d, {},
                     "usage: mamori-collector register list "
                     "--org NAME [--format text|json]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (format != "text" && format != "json") {
    return Usage("--format must be text or json, not \"" + format + "\"");
  }
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto snap = reg.Snapshot(c.org, std::chrono::hours(24 * c.stale_days));
  if (!snap.ok()) return Fail(snap.status());
  const bool ja = c.lang == "ja";

  if (format == "json") {
    nlohmann::json out;
    out["organization"] = c.org;
    out["assets"] = nlohmann::json::array();
    for (const auto& a : snap->assets) {
      out["assets"].push_back(
          nlohmann::json::parse(asset_register::AssetJson(a)));
    }
    out["devices"] = nlohmann::json::array();
    for (const auto& d : snap->devices) {
      nlohmann::json checks = nlohmann::json::object();
      for (const auto& rs : d.checks) checks[rs.rule_id] = rs.state;
      out["devices"].push_back(
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
    out["links"] = nlohmann::json::array();
    for (const auto& l : snap->links) {
      out["links"].push_back({{"asset", l.asset_name},
                              {"kind", asset_register::LinkKindCode(l.kind)},
                              {"target", l.target}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  std::cout << (ja ? "情報資産 (" : "Information assets (")
            << snap->assets.size() << ")\n";
  std::cout << "  " << Pad(ja ? "重要度" : "Imp", 8)
            << Pad(ja ? "情報資産名称" : "Asset name", 28)
            << Pad(ja ? "媒体・保存先" : "Medium", 16) << "C I A  "
            << (ja ? "個人情報" : "Personal") << "\n";
  for (const auto& a : snap->assets) {
    std::string personal;
    if (a.personal) personal += ja ? "個人 " : "personal ";
    if (a.sensitive_personal) personal += ja ? "要配慮 " : "sensitive ";
    if (a.my_number) personal += ja ? "マイナンバー" : "My Number";
    std::cout << "  " << Pad(std::to_string(a.importance()), 8)
              << Pad(a.name, 28)
              << Pad(std::string(asset_register::MediumLabel(a.medium, ja)), 16)
              << a.confidentiality << " " << a.integrity << " "
              << a.availability << "  " << personal << "\n";
  }
  std::cout << "\n"
            << (ja ? "機器 (" : "Devices (") << snap->devices.size() << ")\n";
  for (const auto& d : snap->devices) {
    std::cout
        << "  " << Pad(d.name, 16)
        << Pad(std::string(asset_register::DeviceStatusLabel(d.status, ja)), 10)
        << Pad(d.owner.empty() ? "-" : d.owner, 14)
        << Pad(d.location.empty() ? "-" : d.location, 16)
        << asset_register::IsoDateTimeFromUnix(d.last_seen_unix);
    const std::string checks = asset_register::ChecksSummary(d.checks);
    if (!checks.empty()) std::cout << "  " << checks;
    std::cout << "\n";
  }
  std::cout << "\n"
            << (ja ? "関連付け (" : "Links (") << snap->links.size() << ")\n";
  for (const auto& l : snap->links) {
    std::cout << "  " << l.asset_name << " → " << l.target;
    if (l.kind == asset_register::LinkKind::kService) {
      std::cout << (ja ? " (外部サービス)" : " (service)");
    }
    std::cout << "\n";
  }
  return kExitOk;
}

int CmdExport(const std::vector<std::string>& args) {
  Common c;
  std::string format;
  std::string out;
  po::options_description d("register export options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format), "xlsx or csv (required)")(
      "out", po::value(&out), "output file (required)");
  po::variables_map vm;
  if (int rc = Parse(args, d, {},
                     "usage: mamori-collector register export --org NAME "
                     "--format xlsx|csv --out FILE [--lang ja|en]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (format != "xlsx" && format != "csv") {
    return Usage("--format must be xlsx or csv" +
                 (format.empty() ? std::string(" (required)")
                                 : ", not \"" + format + "\""));
  }
  if (out.empty()) return Usage("--out FILE is required");
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto snap = reg.Snapshot(c.org, std::chrono::hours(24 * c.stale_days));
  if (!snap.ok()) return Fail(snap.status());
  const bool ja = c.lang == "ja";
  if (format == "xlsx") {
    if (Status s = asset_register::WriteXlsx(*snap, ja, out); !s.ok()) {
      return Fail(s);
    }
  } else {
    const std::string csv = asset_register::AssetsToCsv(snap->assets, ja);
    const std::string temp = out + ".tmp";
    std::ofstream f(temp, std::ios::binary | std::ios::trunc);
    f.write(csv.data(), static_cast<std::streamsize>(csv.size()));
    f.close();
    if (!f || std::rename(temp.c_str(), out.c_str()) != 0) {
      std::remove(temp.c_str());
      return Fail(InternalError("cannot write " + out));
    }
  }
  std::cout << (ja ? "書き出しました: " : "exported: ") << out << " ("
            << snap->assets.size() << (ja ? " 件の情報資産, " : " assets, ")
            << snap->devices.size() << (ja ? " 台の機器, " : " devices, ")
            << snap->links.size() << (ja ? " 件の関連付け)" : " links)")
            << "\n";
  return kExitOk;
}

int CmdImport(const std::vector<std::string>& args) {
  Common c;
  std::string file;
  po::options_description d("register import options");
  AddCommon(&d, &c);
  d.add_options()("file", po::value(&file), "XLSX or CSV file")(
      "dry-run", "validate and report what would change; change nothing");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (int rc = Parse(args, d, pos,
                     "usage: mamori-collector register import --org NAME "
                     "FILE [--dry-run]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (file.empty()) return Usage("FILE to import is required");
  const bool dry_run = vm.count("dry-run") > 0;
  const size_t limit =
      std::max(asset_register::kMaxCsvBytes, asset_register::kMaxXlsxBytes);
  auto bytes = ReadFile(file, limit);
  if (!bytes.ok()) return Fail(bytes.status());
  auto plan = asset_register::PlanImport(*bytes, Today());
  if (!plan.ok()) return Fail(plan.status().WithContext(file));
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto summary = reg.Import(c.org, *plan, c.actor, dry_run);
  if (!summary.ok()) return Fail(summary.status());
  for (const auto& w : summary->warnings) std::cerr << "warning: " << w << "\n";
  const bool ja = c.lang == "ja";
  if (!summary->errors.empty()) {
    std::cerr << file << ": "
              << (ja ? "取り込みを中止しました（何も変更していません）。"
                       "エラー "
                     : "import rejected, nothing was changed; errors: ")
              << summary->errors.size() << "\n";
    PrintErrors(summary->errors);
    return kExitFailure;
  }
  std::cout << (dry_run ? (ja ? "確認のみ（変更なし）: "
                              : "dry run, nothing changed: ")
                        : (ja ? "取り込みました: " : "imported: "))
            << (ja ? "新規 " : "created ") << summary->created
            << (ja ? ", 更新 " : ", updated ") << summary->updated
            << (ja ? ", 変更なし " : ", unchanged ") << summary->unchanged
            << (ja ? ", 関連付け追加 " : ", links added ")
            << summary->links_added << "\n";
  return kExitOk;
}

int CmdLink(const std::vector<std::string>& args) {
  Common c;
  std::vector<std::string> words;
  po::options_description d("register link options");
  AddCommon(&d, &c);
  d.add_options()("service", "DEVICE names an external service (cloud)")(
      "words", po::value(&words), "ASSET DEVICE");
  po::positional_options_description pos;
  pos.add("words", 2);
  po::variables_map vm;
  if (int rc = Parse(args, d, pos,
                     "usage: mamori-collector register link --org NAME ASSET "
                     "DEVICE [--service]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (words.size() != 2) return Usage("link needs ASSET and DEVICE");
  const auto kind = vm.count("service") ? asset_register::LinkKind::kService
                                        : asset_register::LinkKind::kDevice;
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto added = reg.Link(c.org, words[0], kind, words[1], c.actor);
  if (!added.ok()) return Fail(added.status());
  std::cout << words[0] << " → " << words[1]
            << (*added ? (c.lang == "ja" ? ": 関連付けました" : ": linked")
                       : (c.lang == "ja" ? ": 既に関連付け済みです"
                                         : ": already linked"))
            << "\n";
  return kExitOk;
}

int CmdSet(const std::vector<std::string>& args) {
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
  if (int rc = Parse(args, d, pos,
                     "usage: mamori-collector register set --org NAME ASSET "
                     "[--medium M] [--c N] [--i N] [--a N] ...\n"
                     "A new asset needs --medium, --personal, --sensitive, "
                     "--my-number, --c, --i and --a.",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (Trim(name).empty()) return Usage("ASSET name is required");
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  asset_register::InformationAsset a;
  auto existing = reg.GetAsset(c.org, std::string(Trim(name)));
  const bool is_new = !existing.ok();
  if (existing.ok()) {
    a = *existing;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return Fail(existing.status());
  } else {
    for (const char* required :
         {"medium", "personal", "sensitive", "my-number", "c", "i", "a"}) {
      if (!vm.count(required)) {
        return Usage(std::string("a new asset needs --") + required);
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
      return Usage("--medium: unknown medium \"" +
                   vm["medium"].as<std::string>() + "\"");
    }
    a.medium = *m;
  }
  for (auto [key, field] :
       {std::pair<const char*, bool*>{"personal", &a.personal},
        {"sensitive", &a.sensitive_personal},
        {"my-number", &a.my_number}}) {
    if (!vm.count(key)) continue;
    auto v = ParseYesNo(vm[key].as<std::string>());
    if (!v) return Usage(std::string("--") + key + " must be yes or no");
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
                   std::to_string(v));
    }
    *field = v;
  }
  auto changed = reg.PutAsset(c.org, a, c.actor);
  if (!changed.ok()) return Fail(changed.status());
  const bool ja = c.lang == "ja";
  std::cout << a.name << ": "
            << (!*changed ? (ja ? "変更なし" : "unchanged")
                : is_new  ? (ja ? "登録しました" : "created")
                          : (ja ? "更新しました" : "updated"))
            << (ja ? " (重要度 " : " (importance ") << a.importance() << ")\n";
  return kExitOk;
}

int CmdDevice(const std::vector<std::string>& args) {
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
  if (int rc = Parse(args, d, pos,
                     "usage: mamori-collector register device --org NAME "
                     "DEVICE [--owner TEXT] [--location TEXT] "
                     "[--retire|--unretire]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (device.empty()) return Usage("DEVICE is required");
  if (vm.count("retire") && vm.count("unretire")) {
    return Usage("--retire and --unretire exclude each other");
  }
  asset_register::DeviceEdit edit;
  if (vm.count("owner")) edit.owner = vm["owner"].as<std::string>();
  if (vm.count("location")) edit.location = vm["location"].as<std::string>();
  if (vm.count("retire")) edit.retired = true;
  if (vm.count("unretire")) edit.retired = false;
  if (!edit.owner && !edit.location && !edit.retired) {
    return Usage(
        "nothing to change: give --owner, --location, --retire or "
        "--unretire");
  }
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto changed = reg.EditDevice(c.org, device, edit, c.actor);
  if (!changed.ok()) return Fail(changed.status());
  std::cout << device << ": "
            << (*changed ? (c.lang == "ja" ? "更新しました" : "updated")
                         : (c.lang == "ja" ? "変更なし" : "unchanged"))
            << "\n";
  return kExitOk;
}

int CmdRisks(const std::vector<std::string>& args) {
  Common c;
  std::string format = "text";
  po::options_description d("register risks options");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format)->default_value("text"),
                  "text or json");
  po::variables_map vm;
  if (int rc = Parse(args, d, {},
                     "usage: mamori-collector register risks --org NAME "
                     "[--format text|json]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (format != "text" && format != "json") {
    return Usage("--format must be text or json, not \"" + format + "\"");
  }
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  std::string source;
  auto risks = reg.AssetRisks(c.org, &source);
  if (!risks.ok()) return Fail(risks.status());
  const bool ja = c.lang == "ja";
  if (format == "json") {
    nlohmann::json out = {{"organization", c.org}, {"source", source}};
    out["assets"] = nlohmann::json::array();
    for (const auto& r : *risks) {
      nlohmann::json worst = nlohmann::json::array();
      for (const auto& rs : r.worst) {
        worst.push_back({{"rule", rs.rule_id}, {"state", rs.state}});
      }
      out["assets"].push_back({{"name", r.asset_name},
                               {"importance", r.importance},
                               {"devices", r.devices},
                               {"services", r.services},
                               {"worst", worst}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << (ja ? "点検結果の出所: " : "check results from: ") << source
            << "\n";
  for (const auto& r : *risks) {
    std::cout << "[" << r.importance << "] " << r.asset_name << " → ";
    std::string held;
    for (const auto& d : r.devices) held += (held.empty() ? "" : ", ") + d;
    for (const auto& s : r.services) {
      held += (held.empty() ? "" : ", ") + s +
              (ja ? " (外部サービス)" : " (service)");
    }
    std::cout << (held.empty() ? (ja ? "(保存先未登録)" : "(not linked)")
                               : held)
              << "\n";
    for (const auto& rs : r.worst) {
      if (rs.state == "pass" || rs.state == "not_applicable") continue;
      std::cout << "    " << rs.rule_id << ": " << rs.state << "\n";
    }
  }
  return kExitOk;
}

int CmdHistory(const std::vector<std::string>& args) {
  Common c;
  int64_t limit = 50;
  po::options_description d("register history options");
  AddCommon(&d, &c);
  d.add_options()("limit", po::value(&limit)->default_value(50),
                  "newest N changes");
  po::variables_map vm;
  if (int rc = Parse(args, d, {},
                     "usage: mamori-collector register history --org NAME "
                     "[--limit N]",
                     &vm);
      rc != kExitOk) {
    return rc < 0 ? kExitOk : rc;
  }
  if (int rc = CheckCommon(&c); rc != kExitOk) return rc;
  if (limit < 1) return Usage("--limit must be at least 1");
  auto st = OpenStore(c);
  if (!st.ok()) return Fail(st.status());
  RegisterStore reg((*st)->database(), SystemClock::Instance());
  auto history = reg.History(c.org, limit);
  if (!history.ok()) return Fail(history.status());
  for (const auto& h : *history) {
    std::cout << asset_register::IsoDateTimeFromUnix(h.changed_at) << "  "
              << Pad(h.actor, 12) << Pad(h.action, 8) << h.entity << " "
              << h.entity_name << "\n";
    if (!h.before_json.empty()) std::cout << "    - " << h.before_json << "\n";
    if (!h.after_json.empty()) std::cout << "    + " << h.after_json << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunRegister(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" ||
      args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string& command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "list") return CmdList(rest);
  if (command == "export") return CmdExport(rest);
  if (command == "import") return CmdImport(rest);
  if (command == "link") return CmdLink(rest);
  if (command == "set") return CmdSet(rest);
  if (command == "device") return CmdDevice(rest);
  if (command == "risks") return CmdRisks(rest);
  if (command == "history") return CmdHistory(rest);
  return Usage("unknown command \"" + command + "\"");
}

}  // namespace mamori::cli
