#include "agent/facts/decode/current_version.h"

#include "agent/facts/decode/windows_release.h"
#include "common/text.h"

namespace mamori::facts::win {

void ApplyCurrentVersion(const KernelVersion& kernel,
                         const CurrentVersionValues& cv, SystemFacts* facts) {
  // The kernel build is authoritative; CurrentBuild agrees on real systems.
  uint32_t build = kernel.build;
  if (build == 0) {
    if (auto parsed = ParseUint64(cv.current_build)) {
      build = static_cast<uint32_t>(*parsed);
    }
  }
  const bool server = IsServerInstall(cv.edition_id, cv.installation_type);
  const WindowsRelease release =
      DescribeWindowsBuild(kernel.major, kernel.minor, build, server);
  facts->os_family = OsFamily::kWindows;
  facts->os_id = "windows";
  facts->os_name = WindowsProductName(release, cv.edition_id, cv.product_name);
  facts->os_version = std::to_string(kernel.major) + "." +
                      std::to_string(kernel.minor) + "." +
                      std::to_string(build);
  facts->kernel_version = facts->os_version;
  // DisplayVersion is what Settings shows; older builds only have ReleaseId;
  // our table fills in when both are missing.
  facts->os_codename = !cv.display_version.empty() ? cv.display_version
                       : !cv.release_id.empty()    ? cv.release_id
                                                   : release.release;
  facts->os_edition = cv.edition_id;
  facts->os_build = build;
  facts->os_build_revision = cv.ubr.value_or(0);
  if (cv.install_date && *cv.install_date != 0) {
    facts->install_time = FromUnixSeconds(*cv.install_date);
  }
}

}  // namespace mamori::facts::win
