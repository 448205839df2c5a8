#include "collector/cli/cmd_software.h"

#include <boost/program_options.hpp>
#include <optional>

#include "collector/cli/cli_common.h"
#include "collector/software/dictionary.h"
#include "collector/software/ledger.h"
#include "collector/store/open_store.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kCommand = "software";

constexpr const char* kUsage =
    R"(usage: mamori-collector software <command> [--data DIR] [--org NAME] ...

Software dictionary, rules and licences, and the software ledger
(ソフトウェア台帳). Rule changes are graded at the next evaluation
(`mamori-collector grade`, or serve's next re-grade).

commands:
  dictionary [--category ID] [--lang ja|en]
             the built-in categories and titles (ids for the rules)
  match      NAME [--publisher TEXT]
             which dictionary title a program or package name is
  rules      --org NAME             the organisation's rules, floors, licences
  ban        --org NAME (--category ID | --title ID) [--platform windows|linux]
  unban      --org NAME (--category ID | --title ID) [--platform windows|linux]
  require    --org NAME (--category ID | --title ID) [--platform windows|linux]
  unrequire  --org NAME (--category ID | --title ID) [--platform windows|linux]
  floor      --org NAME --title ID (--min-version V | --clear)
  licences   --org NAME --title ID (--owned N | --clear)
  ledger     --org NAME [--format text|csv|xlsx] [--out FILE] [--lang ja|en]
             CSV: UTF-8 with BOM; XLSX: ledger, installs, hosts not inventoried
  history    --org NAME [--limit N]  who changed which rule, newest first

common options:
  --data DIR    collector data directory (default: /var/lib/mamori-collector)
  --actor NAME  who makes the change, for the audit trail (default: your
                user name)
Run `mamori-collector software <command> --help` for a command's options.
)";

struct Common {
  std::string data_dir;
  std::string org;
  std::string actor;
};

void AddCommon(po::options_description* d, Common* c) {
  d->add_options()("data",
                   po::value(&c->data_dir)->default_value(kDefaultDataDir),
                   "collector data directory")("org", po::value(&c->org),
                                               "organisation name (required)")(
      "actor", po::value(&c->actor),
      "who makes the change, for the audit trail (default: your user name)");
}

int Usage(const std::string& message, std::ostream& err) {
  return UsageError(kCommand, message, err);
}

std::optional<int> Parse(std::string_view sub, std::string_view synopsis,
                         const std::vector<std::string>& args,
                         const po::options_description& options,
                         const po::positional_options_description& positional,
                         po::variables_map* vm, std::ostream& out,
                         std::ostream& err) {
  return ParseFlags(std::string(kCommand) + " " + std::string(sub), synopsis,
                    options, positional, args, *vm, out, err);
}

// The software port of the data directory's store, with the dictionary
// brought up to the built-in one and the organisation's id.
struct Opened {
  std::unique_ptr<store::SoftwarePort> port;
  int64_t org_id = 0;
};

Result<Opened> Open(const Common& c) {
  const DataPaths paths = DataPaths::For(c.data_dir);
  // Opening the core store checks the database exists and migrates it.
  auto core = OpenStore(paths, SystemClock::Instance());
  if (!core.ok()) return core.status();
  core->reset();
  const std::string url = store::SqliteUrl(paths.database);
  MAMORI_RETURN_IF_ERROR(software::SyncBuiltinDictionary(url));
  auto port = store::OpenSoftwareStore(url);
  if (!port.ok()) return port.status();
  Opened opened{std::move(*port), 0};
  if (!c.org.empty()) {
    auto id = opened.port->OrgId(c.org);
    if (!id.ok()) return id.status();
    opened.org_id = *id;
  }
  return opened;
}

const software::Dictionary* Dictionary(std::ostream& err) {
  auto d = software::BuiltinDictionary();
  if (!d.ok()) {
    Failure(kCommand, d.status(), err);
    return nullptr;
  }
  return *d;
}

int CmdDictionary(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  std::string category;
  std::string lang = "ja";
  po::options_description d("software dictionary");
  d.add_options()("category", po::value(&category),
                  "only this category's titles")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en");
  po::variables_map vm;
  if (auto rc = Parse("dictionary", "[--category ID] [--lang ja|en]", args, d,
                      {}, &vm, out, err)) {
    return *rc;
  }
  if (lang != "ja" && lang != "en")
    return Usage("--lang must be ja or en", err);
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  if (!category.empty() && dict->FindCategory(category) == nullptr) {
    return Usage("unknown category \"" + TerminalSafe(category) +
                     "\"; run `software dictionary` for the list",
                 err);
  }
  for (const auto& c : dict->categories) {
    if (!category.empty() && c.id != category) continue;
    out << c.id << "  " << c.name.In(lang) << "\n";
    for (const auto& t : dict->titles) {
      if (t.category != c.id) continue;
      out << "  " << Column(t.id, 26) << " " << t.name.In(lang) << "\n";
    }
  }
  return kExitOk;
}

int CmdMatch(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  std::string name;
  std::string publisher;
  po::options_description d("software match");
  d.add_options()("name", po::value(&name), "program or package name")(
      "publisher", po::value(&publisher), "its publisher, when known");
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (auto rc = Parse("match", "NAME [--publisher TEXT]", args, d, pos, &vm,
                      out, err)) {
    return *rc;
  }
  if (name.empty()) return Usage("NAME is required", err);
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  const software::Title* t = dict->Match(name, publisher);
  if (t == nullptr) {
    out << "no title: \"" << TerminalSafe(name)
        << "\" is not in the dictionary\n";
    return kExitOk;
  }
  out << t->id << " (" << t->category << "): " << t->name.ja << " / "
      << t->name.en << "\n";
  return kExitOk;
}

int CmdRules(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  Common c;
  po::options_description d("software rules");
  AddCommon(&d, &c);
  po::variables_map vm;
  if (auto rc = Parse("rules", "--org NAME", args, d, {}, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto rules = opened->port->LoadRules(opened->org_id);
  if (!rules.ok()) return Failure(kCommand, rules.status(), err);
  if (rules->rules.empty() && rules->floors.empty() &&
      rules->licences.empty()) {
    out << "no software rules for " << TerminalSafe(c.org) << "\n";
    return kExitOk;
  }
  for (const auto& r : rules->rules) {
    out << r.action << " " << r.target_kind << " " << r.target;
    if (!r.platform.empty()) out << " (" << r.platform << ")";
    out << "\n";
  }
  for (const auto& f : rules->floors) {
    out << "floor " << f.title << " >= " << TerminalSafe(f.min_version) << "\n";
  }
  for (const auto& l : rules->licences) {
    out << "licences " << l.title << " = " << l.owned << "\n";
  }
  return kExitOk;
}

// ban, unban, require, unrequire.
int CmdRule(const std::string& sub, const std::vector<std::string>& args,
            std::ostream& out, std::ostream& err) {
  Common c;
  std::string category;
  std::string title;
  std::string platform;
  po::options_description d("software " + sub);
  AddCommon(&d, &c);
  d.add_options()("category", po::value(&category), "a dictionary category")(
      "title", po::value(&title), "a dictionary title")(
      "platform", po::value(&platform),
      "only hosts of this platform: windows or linux (default: every host)");
  po::variables_map vm;
  if (auto rc = Parse(sub,
                      "--org NAME (--category ID | --title ID) "
                      "[--platform windows|linux]",
                      args, d, {}, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (category.empty() == title.empty()) {
    return Usage("give exactly one of --category ID and --title ID", err);
  }
  if (!platform.empty() && platform != "windows" && platform != "linux") {
    return Usage("--platform must be windows or linux, not \"" +
                     TerminalSafe(platform) + "\"",
                 err);
  }
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  if (!category.empty() && dict->FindCategory(category) == nullptr) {
    return Usage("unknown category \"" + TerminalSafe(category) +
                     "\"; run `software dictionary` for the list",
                 err);
  }
  if (!title.empty() && dict->FindTitle(title) == nullptr) {
    return Usage("unknown title \"" + TerminalSafe(title) +
                     "\"; run `software dictionary` for the list",
                 err);
  }
  if (c.actor.empty()) c.actor = DefaultActor();
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  const bool ban = sub == "ban" || sub == "unban";
  const bool add = sub == "ban" || sub == "require";
  const store::SoftwareRule rule{ban ? "ban" : "require",
                                 category.empty() ? "title" : "category",
                                 category.empty() ? title : category, platform};
  const TimePoint now = SystemClock::Instance().Now();
  Status s = add ? opened->port->AddRule(opened->org_id, rule, c.actor, now)
                 : opened->port->RemoveRule(opened->org_id, rule, c.actor, now);
  if (!s.ok()) return Failure(kCommand, s, err);
  out << (add ? "added: " : "removed: ") << rule.action << " "
      << rule.target_kind << " " << rule.target
      << (platform.empty() ? "" : " (" + platform + ")") << "\n";
  return kExitOk;
}

int CmdFloor(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  Common c;
  std::string title;
  std::string min_version;
  po::options_description d("software floor");
  AddCommon(&d, &c);
  d.add_options()("title", po::value(&title), "a dictionary title")(
      "min-version", po::value(&min_version),
      "installs older than this fail software_version_floors")(
      "clear", po::bool_switch(), "remove the title's floor");
  po::variables_map vm;
  if (auto rc =
          Parse("floor", "--org NAME --title ID (--min-version V | --clear)",
                args, d, {}, &vm, out, err)) {
    return *rc;
  }
  const bool clear = vm["clear"].as<bool>();
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (title.empty()) return Usage("--title ID is required", err);
  if (clear == !min_version.empty()) {
    return Usage("give exactly one of --min-version V and --clear", err);
  }
  if (!clear && (min_version.size() > 64 || !IsValidUtf8(min_version) ||
                 TerminalSafe(min_version) != min_version)) {
    return Usage("--min-version: expected a version such as 7.2.3", err);
  }
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  if (dict->FindTitle(title) == nullptr) {
    return Usage("unknown title \"" + TerminalSafe(title) + "\"", err);
  }
  if (c.actor.empty()) c.actor = DefaultActor();
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  Status s = opened->port->SetFloor(opened->org_id, {title, min_version},
                                    c.actor, SystemClock::Instance().Now());
  if (!s.ok()) return Failure(kCommand, s, err);
  out << (clear ? "cleared floor of " + title
                : "floor " + title + " >= " + min_version)
      << "\n";
  return kExitOk;
}

int CmdLicences(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  Common c;
  std::string title;
  std::string owned_text;
  po::options_description d("software licences");
  AddCommon(&d, &c);
  d.add_options()("title", po::value(&title), "a dictionary title")(
      "owned", po::value(&owned_text), "licences owned (0 or more)")(
      "clear", po::bool_switch(), "remove the title's licence count");
  po::variables_map vm;
  if (auto rc = Parse("licences", "--org NAME --title ID (--owned N | --clear)",
                      args, d, {}, &vm, out, err)) {
    return *rc;
  }
  const bool clear = vm["clear"].as<bool>();
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (title.empty()) return Usage("--title ID is required", err);
  if (clear == !owned_text.empty()) {
    return Usage("give exactly one of --owned N and --clear", err);
  }
  std::optional<int64_t> owned;
  if (!clear) {
    owned = ParseInt64(owned_text);
    if (!owned || *owned < 0 || *owned > 10'000'000) {
      return Usage(
          "--owned: expected a whole number from 0 to 10000000, not \"" +
              TerminalSafe(owned_text) + "\"",
          err);
    }
  }
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  if (dict->FindTitle(title) == nullptr) {
    return Usage("unknown title \"" + TerminalSafe(title) + "\"", err);
  }
  if (c.actor.empty()) c.actor = DefaultActor();
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  Status s = opened->port->SetLicences(opened->org_id, title, owned, c.actor,
                                       SystemClock::Instance().Now());
  if (!s.ok()) return Failure(kCommand, s, err);
  out << (clear ? "cleared licences of " + title
                : "licences " + title + " = " + std::to_string(*owned))
      << "\n";
  return kExitOk;
}

int CmdLedger(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  Common c;
  std::string format = "text";
  std::string path;
  std::string lang = "ja";
  po::options_description d("software ledger");
  AddCommon(&d, &c);
  d.add_options()("format", po::value(&format)->default_value("text"),
                  "text, csv or xlsx")("out", po::value(&path),
                                       "file to write (required for xlsx)")(
      "lang", po::value(&lang)->default_value("ja"), "ja or en");
  po::variables_map vm;
  if (auto rc = Parse("ledger",
                      "--org NAME [--format text|csv|xlsx] [--out FILE] "
                      "[--lang ja|en]",
                      args, d, {}, &vm, out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (format != "text" && format != "csv" && format != "xlsx") {
    return Usage("--format must be text, csv or xlsx", err);
  }
  if (lang != "ja" && lang != "en")
    return Usage("--lang must be ja or en", err);
  if (format == "xlsx" && path.empty()) {
    return Usage("--format xlsx needs --out FILE", err);
  }
  const software::Dictionary* dict = Dictionary(err);
  if (dict == nullptr) return kExitFailure;
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto rules = opened->port->LoadRules(opened->org_id);
  if (!rules.ok()) return Failure(kCommand, rules.status(), err);
  auto inventory = opened->port->Inventory(opened->org_id);
  if (!inventory.ok()) return Failure(kCommand, inventory.status(), err);
  const software::Ledger ledger =
      software::BuildLedger(*dict, *rules, *inventory, lang == "ja");
  if (format == "xlsx") {
    Status s = software::WriteLedgerXlsx(ledger, path);
    if (!s.ok()) return Failure(kCommand, s, err);
    out << "wrote " << path << "\n";
    return kExitOk;
  }
  if (format == "csv") {
    const std::string csv = software::LedgerToCsv(ledger);
    if (path.empty()) {
      out << csv;
      return kExitOk;
    }
    Status s = WriteFileAtomic(path, csv, 0600);
    if (!s.ok()) return Failure(kCommand, s, err);
    out << "wrote " << path << "\n";
    return kExitOk;
  }
  for (const auto& row : ledger.rows) {
    out << Column(row.category, 22) << " "
        << Column(TerminalSafe(row.title), 24) << " " << row.installed;
    if (row.owned) out << "/" << *row.owned;
    if (row.OverDeployed() > 0) {
      out << (lang == "ja" ? "  ライセンス超過 " : "  over-deployed by ")
          << row.OverDeployed();
    }
    if (!row.rule.empty()) out << "  [" << row.rule << "]";
    if (!row.min_version.empty() && row.below_floor > 0) {
      out << "  " << row.below_floor << " < " << TerminalSafe(row.min_version);
    }
    out << "\n";
  }
  if (!ledger.hosts_without_inventory.empty()) {
    out << (lang == "ja" ? "ソフトウェア未収集の端末: "
                         : "hosts not inventoried: ");
    for (size_t i = 0; i < ledger.hosts_without_inventory.size(); ++i) {
      out << (i ? ", " : "") << TerminalSafe(ledger.hosts_without_inventory[i]);
    }
    out << "\n";
  }
  return kExitOk;
}

int CmdHistory(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  Common c;
  int limit = 50;
  po::options_description d("software history");
  AddCommon(&d, &c);
  d.add_options()("limit", po::value(&limit)->default_value(50),
                  "at most this many entries");
  po::variables_map vm;
  if (auto rc = Parse("history", "--org NAME [--limit N]", args, d, {}, &vm,
                      out, err)) {
    return *rc;
  }
  if (c.org.empty()) return Usage("--org NAME is required", err);
  if (limit < 1 || limit > 100000) return Usage("--limit: 1 to 100000", err);
  auto opened = Open(c);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  auto history = opened->port->History(opened->org_id, limit);
  if (!history.ok()) return Failure(kCommand, history.status(), err);
  for (const auto& h : *history) {
    out << FormatTime(h.at) << "  " << TerminalSafe(h.who) << "  " << h.action
        << "  " << TerminalSafe(h.detail) << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunSoftware(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  // ban, unban, require and unrequire share CmdRule, which takes the name.
  auto rule = [](std::string_view name) {
    return [name](const std::vector<std::string>& rest, std::ostream& out,
                  std::ostream& err) {
      return CmdRule(std::string(name), rest, out, err);
    };
  };
  static const std::vector<Subcommand> kSubcommands = {
      {"dictionary", CmdDictionary},
      {"match", CmdMatch},
      {"rules", CmdRules},
      {"ban", rule("ban")},
      {"unban", rule("unban")},
      {"require", rule("require")},
      {"unrequire", rule("unrequire")},
      {"floor", CmdFloor},
      {"licences", CmdLicences},
      {"licenses", CmdLicences},
      {"ledger", CmdLedger},
      {"history", CmdHistory},
  };
  return RunSubcommand(kCommand, kUsage, kSubcommands, args, out, err);
}

}  // namespace mamori::collector_cli
