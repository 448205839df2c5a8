#include "collector/cli/cmd_hosts.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_hosts_revoke.h"
#include "common/text.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;
constexpr std::string_view kCommand = "hosts";

using FlagsByHost = std::map<int64_t, std::vector<store::HostEvidenceFlag>>;

std::string Flags(const store::HostRecord& h, const FlagsByHost& evidence) {
  std::string flags;
  if (h.is_clone) {
    flags = "clone";
    if (h.clone_of) flags += "-of-" + std::to_string(*h.clone_of);
  }
  if (h.possible_duplicate_of) {
    if (!flags.empty()) flags += ",";
    flags += "duplicate-of-" + std::to_string(*h.possible_duplicate_of);
  }
  if (h.stale) flags += flags.empty() ? "stale" : ",stale";
  // copied_state → "copied-state", clock_ahead → "clock-ahead".
  if (auto it = evidence.find(h.id); it != evidence.end()) {
    for (const store::HostEvidenceFlag& f : it->second) {
      std::string name = f.kind;
      std::replace(name.begin(), name.end(), '_', '-');
      flags += (flags.empty() ? "" : ",") + name;
    }
  }
  return flags.empty() ? "-" : flags;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

nlohmann::json EvidenceJson(int64_t host_id, const FlagsByHost& evidence) {
  nlohmann::json list = nlohmann::json::array();
  if (auto it = evidence.find(host_id); it != evidence.end()) {
    for (const store::HostEvidenceFlag& f : it->second) {
      list.push_back({{"kind", f.kind},
                      {"detail", f.detail},
                      {"first_at", FormatTime(f.first_at)},
                      {"last_at", FormatTime(f.last_at)},
                      {"count", f.count}});
    }
  }
  return list;
}

}  // namespace

int RunHosts(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err) {
  if (!args.empty() && args[0] == "revoke") {
    return RunHostsRevoke({args.begin() + 1, args.end()}, out, err);
  }
  po::options_description options("Options");
  std::string data_dir;
  std::string org;
  std::string format;
  std::string stale_after;
  options.add_options()(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory")("org", po::value(&org), "organisation (required)")(
      "format", po::value(&format)->default_value("text"), "text or json")(
      "stale-after", po::value(&stale_after)->default_value(kDefaultStaleAfter),
      "flag hosts not seen for this long as stale");
  std::string store_url;
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(
          kCommand, "--org NAME [--format text|json] [--stale-after 7d]",
          options, {}, args, vm, out, err)) {
    return *exit;
  }
  if (org.empty()) return UsageError(kCommand, "--org is required", err);
  if (format != "text" && format != "json") {
    return UsageError(
        kCommand, "--format: expected text or json, got '" + format + "'", err);
  }
  std::optional<std::chrono::seconds> stale = ParseDuration(stale_after);
  if (!stale.has_value()) {
    return UsageError(kCommand,
                      "--stale-after: expected a duration such as 7d, got '" +
                          stale_after + "'",
                      err);
  }
  Result<std::unique_ptr<store::Store>> store =
      OpenStore(DataPaths::For(data_dir, store_url), SystemClock::Instance());
  if (!store.ok()) return Failure(kCommand, store.status(), err);
  Result<std::vector<store::HostRecord>> hosts =
      (*store)->ListHosts(org, *stale);
  if (!hosts.ok()) return Failure(kCommand, hosts.status(), err);
  Result<std::vector<store::HostEvidenceFlag>> flags =
      (*store)->ListEvidenceFlags(org);
  if (!flags.ok()) return Failure(kCommand, flags.status(), err);
  FlagsByHost evidence;
  for (store::HostEvidenceFlag& f : *flags) {
    evidence[f.host_id].push_back(std::move(f));
  }

  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const store::HostRecord& h : *hosts) {
      list.push_back(
          {{"id", h.id},
           {"hostname", h.hostname},
           {"os_name", h.os_name},
           {"os_version", h.os_version},
           {"agent_version", h.agent_version},
           {"identity",
            {{"machine_id", h.identity.machine_id},
             {"smbios_uuid", h.identity.smbios_uuid},
             {"serial", h.identity.serial},
             {"macs", h.identity.macs}}},
           {"first_seen", FormatTime(h.first_seen)},
           {"last_seen", FormatTime(h.last_seen)},
           {"last_collected_at",
            h.last_collected_at
                ? nlohmann::json(FormatTime(*h.last_collected_at))
                : nlohmann::json(nullptr)},
           {"enroll_count", h.enroll_count},
           {"reports_stored", h.reports_stored},
           {"dropped_reports", h.dropped_reports},
           {"clone", h.is_clone},
           {"clone_of",
            h.clone_of ? nlohmann::json(*h.clone_of) : nlohmann::json(nullptr)},
           {"possible_duplicate_of",
            h.possible_duplicate_of ? nlohmann::json(*h.possible_duplicate_of)
                                    : nlohmann::json(nullptr)},
           {"stale", h.stale},
           {"evidence_flags", EvidenceJson(h.id, evidence)}});
    }
    // Replace invalid UTF-8 rather than throw: host names come from agents.
    out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    return kExitOk;
  }
  out << "Hosts of '" << org << "' / ホスト一覧 (" << hosts->size() << ")\n";
  out << Column("ID", 6) << Column("HOSTNAME", 20) << Column("OS", 28)
      << Column("MACHINE-ID", 34) << Column("SMBIOS-UUID", 38)
      << Column("SERIAL", 16) << Column("FIRST-SEEN", 22)
      << Column("LAST-SEEN", 22) << Column("REPORTS", 9) << Column("DROPPED", 9)
      << "FLAGS\n";
  for (const store::HostRecord& h : *hosts) {
    // Column() pads by display width (Japanese names are two columns a
    // character) and cuts with "…", so a long value never runs into the next.
    out << Column(std::to_string(h.id), 6) << Column(OrDash(h.hostname), 20)
        << Column(OrDash(h.os_name), 28)
        << Column(OrDash(h.identity.machine_id), 34)
        << Column(OrDash(h.identity.smbios_uuid), 38)
        << Column(OrDash(h.identity.serial), 16)
        << Column(FormatTime(h.first_seen), 22)
        << Column(FormatTime(h.last_seen), 22)
        << Column(std::to_string(h.reports_stored), 9)
        << Column(std::to_string(h.dropped_reports), 9) << Flags(h, evidence)
        << "\n";
  }
  return kExitOk;
}

}  // namespace mamori::collector_cli
