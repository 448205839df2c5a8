// Linux gatherer for `packages`: the dpkg status file (no dpkg-query spawn)
// and the mtimes of /var/lib/dpkg/info/*.list for install times; without a
// dpkg status file, the rpm database through a dlopen()ed librpm (rpmdb.h).
#include "agent/facts/packages.h"

#include <unordered_map>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/rpmdb.h"
#include "common/sha256.h"

namespace mamori::facts {

namespace lu = linux_util;

PackageFacts GatherPackages(const GatherContext& ctx) {
  PackageFacts facts;
  const std::string status_path = ctx.Path("/var/lib/dpkg/status");
  Result<std::string> status = ReadFile(status_path, 512ull << 20);
  if (!status.ok()) {
    // dpkg comes first: Debian's own rpm package may leave an rpm database
    // beside it, which is not where a Debian system's software is recorded.
    if (status.status().code() == StatusCode::kNotFound) {
      if (std::optional<RpmdbLocation> rpmdb = FindRpmDatabase(ctx)) {
        return ReadRpmDatabase(*rpmdb);
      }
    }
    facts.status = StatusFromError(status.status());
    if (status.status().code() == StatusCode::kNotFound &&
        lu::IsDirectory(ctx.Path("/var/lib/rpm"))) {
      facts.status.message =
          ctx.Path("/var/lib/rpm") +
          " holds no rpm database (rpmdb.sqlite, Packages.db or Packages) and "
          "there is no dpkg status file";
    }
    return facts;
  }
  facts.packages = ParseDpkgStatus(*status);

  // One directory listing instead of a stat per candidate name.
  const std::string info_dir = ctx.Path("/var/lib/dpkg/info");
  Result<std::vector<std::string>> info = lu::ListDirectory(info_dir);
  if (info.ok()) {
    std::unordered_map<std::string, bool> lists;
    for (const std::string& name : *info) {
      if (EndsWith(name, ".list")) lists.emplace(name, true);
    }
    for (Package& p : facts.packages) {
      std::string list = p.name + ":" + p.architecture + ".list";
      if (lists.count(list) == 0) list = p.name + ".list";
      if (lists.count(list) == 0) continue;
      p.install_time = lu::ModificationTime(info_dir + "/" + list);
    }
  }
  facts.content_sha256 = Sha256Hex(CanonicalPackageList(facts.packages));
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
