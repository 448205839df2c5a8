#pragma once

// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion + RtlGetVersion → the OS
// fields of SystemFacts. The registry read is in windows/system.cpp; this
// mapping is pure so it is tested from fixtures on Linux and under Wine.
// Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "agent/facts/system.h"

namespace mamori::facts::win {

// What RtlGetVersion reports.
struct KernelVersion {
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t build = 0;
};

// The CurrentVersion values used; "" / unset when the value is absent.
struct CurrentVersionValues {
  std::string product_name;       // ProductName (may be localised)
  std::string edition_id;         // EditionID
  std::string display_version;    // DisplayVersion ("23H2"), 20H2 and later
  std::string release_id;         // ReleaseId ("1909"), older builds
  std::string current_build;      // CurrentBuild ("22631")
  std::string installation_type;  // InstallationType ("Client", "Server")
  std::optional<uint32_t> ubr;    // UBR (update build revision)
  std::optional<uint32_t> install_date;  // InstallDate, Unix seconds
};

// Fills os_family, os_id, os_name, os_version, kernel_version, os_codename,
// os_edition, os_build, os_build_revision and install_time. os_name is the
// product derived from the build ("Windows 11 Pro", because Windows 11 keeps
// "Windows 10" in ProductName) or ProductName itself when the build is not
// recognised. os_codename is DisplayVersion, else ReleaseId, else the
// release from the build table.
void ApplyCurrentVersion(const KernelVersion& kernel,
                         const CurrentVersionValues& cv, SystemFacts* facts);

}  // namespace mamori::facts::win
