// Linux gatherer for the `antivirus` family: ClamAV's database headers and
// configuration, and other vendors' agents by install path.
#include "agent/facts/antivirus.h"

#include <algorithm>
#include <array>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/process_list.h"
#include "agent/facts/linux/read_prefix.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// The databases freshclam keeps; the newest header decides the age.
constexpr std::array<std::string_view, 3> kDatabases = {"daily", "main",
                                                        "bytecode"};

// Returns DatabaseDirectory from freshclam.conf, or "" when not set.
std::string DatabaseDirectory(std::string_view conf) {
  for (std::string_view line : SplitLines(conf)) {
    const std::vector<std::string_view> words = SplitWhitespace(line);
    if (words.size() >= 2 && words[0] == "DatabaseDirectory") {
      return std::string(words[1]);
    }
  }
  return "";
}

struct ClamDatabases {
  std::vector<std::string> versions;  // "daily:27094"
  std::optional<TimePoint> newest;
  Status error;  // the first read failure other than "not there"
  bool any_file = false;
};

ClamDatabases ReadClamDatabases(const GatherContext& ctx,
                                const std::string& dir) {
  ClamDatabases out;
  for (std::string_view db : kDatabases) {
    // freshclam leaves either the signed .cvd or the incrementally updated
    // .cld; both start with the same header. Prefer .cld (it is the live one
    // when both exist).
    for (std::string_view ext : {".cld", ".cvd"}) {
      const std::string path =
          ctx.Path(dir + "/" + std::string(db) + std::string(ext));
      Result<std::string> head = lu::ReadPrefix(path, 512);
      if (!head.ok()) {
        if (head.status().code() != StatusCode::kNotFound && out.error.ok()) {
          out.error = head.status();
        }
        continue;
      }
      out.any_file = true;
      Result<CvdHeader> header = ParseCvdHeader(*head);
      if (!header.ok()) {
        if (out.error.ok()) out.error = header.status().WithContext(path);
        break;
      }
      out.versions.push_back(std::string(db) + ":" +
                             std::to_string(header->version));
      if (header->build_time &&
          (!out.newest || *header->build_time > *out.newest)) {
        out.newest = header->build_time;
      }
      break;
    }
  }
  return out;
}

bool FreshclamScheduled(const GatherContext& ctx,
                        const std::vector<lu::ProcessInfo>* processes) {
  if (lu::UnitEnabled(ctx, "clamav-freshclam.service") ||
      lu::UnitEnabled(ctx, "clamav-freshclam.timer")) {
    return true;
  }
  for (std::string_view path :
       {"/etc/cron.d/clamav-freshclam", "/etc/cron.daily/freshclam",
        "/etc/cron.d/clamav-update"}) {
    if (lu::Exists(ctx.Path(path))) return true;
  }
  return processes != nullptr && lu::AnyProcessNamed(*processes, "freshclam");
}

}  // namespace

AntivirusFacts GatherAntivirus(const GatherContext& ctx) {
  AntivirusFacts facts;
  facts.status = OkStatus();

  // Executable paths are only needed to spot a vendor agent's processes.
  bool vendor_present = false;
  for (const VendorAgent& agent : KnownVendorAgents()) {
    for (std::string_view path : agent.paths) {
      vendor_present = vendor_present || lu::Exists(ctx.Path(path));
    }
  }
  std::optional<std::vector<lu::ProcessInfo>> processes;
  if (ctx.live_kernel) {
    Result<std::vector<lu::ProcessInfo>> listed =
        lu::ListProcesses("/proc", vendor_present);
    if (listed.ok()) processes = std::move(*listed);
  }
  const std::vector<lu::ProcessInfo>* procs = processes ? &*processes : nullptr;

  // ClamAV.
  std::string conf_path = "/etc/clamav/freshclam.conf";
  Result<std::string> conf = ReadFile(ctx.Path(conf_path), 1 << 20);
  if (!conf.ok() && conf.status().code() == StatusCode::kNotFound) {
    conf_path = "/etc/freshclam.conf";  // RHEL-family location
    conf = ReadFile(ctx.Path(conf_path), 1 << 20);
  }
  std::string db_dir = conf.ok() ? DatabaseDirectory(*conf) : "";
  if (db_dir.empty()) db_dir = "/var/lib/clamav";
  const ClamDatabases dbs = ReadClamDatabases(ctx, db_dir);
  const bool clam_binaries = lu::Exists(ctx.Path("/usr/bin/clamscan")) ||
                             lu::Exists(ctx.Path("/usr/sbin/clamd")) ||
                             lu::Exists(ctx.Path("/usr/bin/freshclam"));
  if (dbs.any_file || clam_binaries || !dbs.error.ok()) {
    AntivirusProduct clam;
    clam.name = "ClamAV";
    clam.vendor = "Cisco Talos";
    clam.source = "clamav:" + db_dir;
    Result<std::string> dpkg =
        ReadFile(ctx.Path("/var/lib/dpkg/status"), 256ull << 20);
    if (dpkg.ok()) {
      clam.engine_version = DpkgPackageVersion(*dpkg, "clamav");
      if (clam.engine_version.empty()) {
        clam.engine_version = DpkgPackageVersion(*dpkg, "clamav-base");
      }
    }
    std::string versions;
    for (const std::string& v : dbs.versions) {
      if (!versions.empty()) versions += ' ';
      versions += v;
    }
    clam.definitions_version = versions;
    if (dbs.newest) {
      clam.definitions_updated_at = dbs.newest;
      clam.definitions_age_hours = AgeHours(*dbs.newest, ctx.clock->Now());
    }
    if (conf.ok()) {
      clam.updater_configured =
          FreshclamConfUsable(*conf) && FreshclamScheduled(ctx, procs);
    } else if (conf.status().code() == StatusCode::kNotFound) {
      clam.updater_configured = false;
    }
    if (procs != nullptr) {
      clam.enabled = lu::AnyProcessNamed(*procs, "clamd");
      clam.realtime_protection = lu::AnyProcessNamed(*procs, "clamonacc");
    }
    facts.products.push_back(std::move(clam));
    if (!dbs.error.ok()) facts.status = StatusFromError(dbs.error);
  }

  // Other vendors: named even when nothing more is known about them.
  for (const VendorAgent& agent : KnownVendorAgents()) {
    std::string found;
    for (std::string_view path : agent.paths) {
      if (lu::Exists(ctx.Path(path))) {
        found = std::string(path);
        break;
      }
    }
    if (found.empty()) continue;
    AntivirusProduct product;
    product.name = std::string(agent.name);
    product.vendor = std::string(agent.vendor);
    product.source = "path:" + found;
    if (procs != nullptr) {
      bool running = lu::AnyProcessUnder(*procs, found);
      for (std::string_view name : agent.processes) {
        running = running || lu::AnyProcessNamed(*procs, name);
      }
      // Not seeing the process proves little (names differ across
      // versions), so only a sighting is reported.
      if (running) product.enabled = true;
    }
    facts.products.push_back(std::move(product));
  }
  return facts;
}

}  // namespace mamori::facts
