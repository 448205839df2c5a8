#include "collector/cli/cmd_devices.h"

#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_grade.h"
#include "collector/store/open_store.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;
constexpr std::string_view kCommand = "devices";

struct Opened {
  std::unique_ptr<policy::GradingService> grading;
  std::unique_ptr<store::DeviceStore> devices;
  int64_t org_id = 0;
};

// Opens the grading service (which refreshes the vendor table from
// ieee-data when it changed) and the device store; resolves the org.
// `store_url` (--store) names a PostgreSQL database instead of the data
// directory's SQLite file.
Result<Opened> Open(const std::string& data_dir, const std::string& store_url,
                    const std::string& org) {
  Opened o;
  auto grading = OpenGradingService(data_dir, "", store_url);
  if (!grading.ok()) return grading.status();
  o.grading = std::move(*grading);
  auto id = o.grading->store().OrgId(org);
  if (!id.ok()) return id.status();
  o.org_id = *id;
  auto devices =
      store::OpenDeviceStore(DataPaths::For(data_dir, store_url).store_url);
  if (!devices.ok()) return devices.status();
  o.devices = std::move(*devices);
  return o;
}

std::string Verdict(const store::NetworkDevice& d) {
  if (d.enrolled) return "enrolled";
  if (d.mark == "not_pc") return "not-pc:" + d.mark_kind;
  if (d.mark == "needs_agent") return "needs-agent";
  return d.looks_like_pc ? "pc?" : "-";
}

int List(const std::vector<std::string>& args, std::ostream& out,
         std::ostream& err) {
  po::options_description options("Options");
  std::string data_dir, store_url, org, format, since;
  bool all = false, pcs = false;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "all", po::bool_switch(&all), "also list the enrolled hosts")(
      "pcs", po::bool_switch(&pcs), "only devices that look like PCs")(
      "since", po::value(&since)->default_value("30d"),
      "only devices seen within this long")(
      "format", po::value(&format)->default_value("text"), "text or json");
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand,
          "--org NAME [--all] [--pcs] [--since 30d] [--format text|json]\n"
          "       mamori-collector devices mark --org NAME --mac MAC "
          "(--not-pc KIND | --needs-agent) [--note TEXT]\n"
          "       mamori-collector devices unmark --org NAME --mac MAC",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (format != "text" && format != "json") {
    return UsageError(
        kCommand, "--format: expected text or json, got '" + format + "'", err);
  }
  std::optional<std::chrono::seconds> window = ParseDuration(since);
  if (!window) {
    return UsageError(
        kCommand,
        "--since: expected a duration such as 30d, got '" + since + "'", err);
  }
  auto opened = Open(data_dir, store_url, org);
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  store::DeviceQuery query;
  query.include_enrolled = all;
  query.pcs_only = pcs;
  query.seen_since = SystemClock::Instance().Now() - *window;
  auto list = opened->devices->ListDevices(opened->org_id, query);
  if (!list.ok()) return Failure(kCommand, list.status(), err);

  if (format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const store::NetworkDevice& d : *list) {
      nlohmann::json witnesses = nlohmann::json::array();
      for (const store::DeviceWitness& w : d.witnesses) {
        witnesses.push_back({{"host_id", w.host_id},
                             {"hostname", w.hostname},
                             {"ips", w.ips},
                             {"interface", w.interface},
                             {"first_seen", FormatTime(w.first_seen)},
                             {"last_seen", FormatTime(w.last_seen)},
                             {"current", w.current}});
      }
      j.push_back({{"mac", d.mac},
                   {"ips", d.ips},
                   {"vendor", d.vendor},
                   {"locally_administered", d.locally_administered},
                   {"gateway", d.gateway},
                   {"looks_like_pc", d.looks_like_pc},
                   {"enrolled", d.enrolled},
                   {"mark", d.mark.empty() ? nlohmann::json(nullptr)
                                           : nlohmann::json(d.mark)},
                   {"mark_kind", d.mark_kind},
                   {"mark_note", d.mark_note},
                   {"first_seen", FormatTime(d.first_seen)},
                   {"last_seen", FormatTime(d.last_seen)},
                   {"witnesses", witnesses}});
    }
    // Replace invalid UTF-8 rather than throw: names come from agents.
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    return kExitOk;
  }
  out << "Devices seen by '" << TerminalSafe(org) << "' / 近隣機器 ("
      << list->size() << ")\n";
  out << Column("MAC", 19) << Column("IP", 18) << Column("VENDOR", 26)
      << Column("VERDICT", 16) << Column("LAST-SEEN", 22) << "SEEN-BY\n";
  for (const store::NetworkDevice& d : *list) {
    std::string vendor = d.vendor;
    if (d.locally_administered) vendor = "(random/local MAC)";
    if (d.gateway && vendor.empty()) vendor = "(gateway)";
    std::string seen_by;
    for (const store::DeviceWitness& w : d.witnesses) {
      if (!seen_by.empty()) seen_by += ", ";
      seen_by +=
          w.hostname.empty() ? "#" + std::to_string(w.host_id) : w.hostname;
    }
    out << Column(d.mac, 19) << Column(d.ips.empty() ? "-" : d.ips, 18)
        << Column(vendor.empty() ? "?" : vendor, 26) << Column(Verdict(d), 16)
        << Column(FormatTime(d.last_seen), 22) << TerminalSafe(seen_by) << "\n";
  }
  out << "VERDICT: pc? = looks like a PC without the agent / "
         "エージェント未導入の"
         "PC の可能性, not-pc:KIND / needs-agent = marked / 登録済みの判定\n";
  return kExitOk;
}

int Mark(const std::vector<std::string>& args, bool unmark, std::ostream& out,
         std::ostream& err) {
  const std::string command = unmark ? "devices unmark" : "devices mark";
  po::options_description options("Options");
  std::string data_dir, store_url, org, mac, not_pc, note;
  bool needs_agent = false;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "mac", po::value(&mac), "the device's MAC (required)");
  if (!unmark) {
    options.add_options()("not-pc", po::value(&not_pc),
                          "not a PC: printer, router, nas, phone or other")(
        "needs-agent", po::bool_switch(&needs_agent),
        "a PC that should run the agent")("note", po::value(&note),
                                          "free text (500 bytes at most)");
  }
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          command,
          unmark ? "--org NAME --mac MAC"
                 : "--org NAME --mac MAC (--not-pc KIND | --needs-agent) "
                   "[--note TEXT]",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(command, "--org is required", err);
  if (mac.empty()) return UsageError(command, "--mac is required", err);
  if (!unmark && (not_pc.empty() == !needs_agent)) {
    return UsageError(
        command, "give exactly one of --not-pc KIND or --needs-agent", err);
  }
  auto opened = Open(data_dir, store_url, org);
  if (!opened.ok()) return Failure(command, opened.status(), err);
  const store::DeviceActor actor{"cli:" + DefaultActor(), "cli"};
  const TimePoint now = SystemClock::Instance().Now();
  Status s =
      unmark ? opened->devices->ClearMark(opened->org_id, mac, actor, now)
             : opened->devices->MarkDevice(
                   opened->org_id,
                   {mac, needs_agent ? "needs_agent" : "not_pc", not_pc, note},
                   actor, now);
  if (!s.ok()) return Failure(command, s, err);
  out << (unmark ? "mark removed / 判定を解除しました: "
                 : "marked / 判定を登録しました: ")
      << TerminalSafe(mac) << "\n";
  return kExitOk;
}

}  // namespace

int RunDevices(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  if (!args.empty() && (args[0] == "mark" || args[0] == "unmark")) {
    return Mark({args.begin() + 1, args.end()}, args[0] == "unmark", out, err);
  }
  return List(args, out, err);
}

}  // namespace mamori::collector_cli
