#pragma once

// Windows build number + edition → the product people know ("Windows 11
// Pro", "23H2"). Needed because the registry lies: Windows 11 keeps
// ProductName "Windows 10 Pro" in CurrentVersion, and older builds have no
// DisplayVersion. Platform-neutral; pure and thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace mamori::facts::win {

struct WindowsRelease {
  // "Windows 11", "Windows 10", "Windows Server 2022", "Windows 8.1"; empty
  // when the major version / build is not recognised.
  std::string product;
  // Feature release ("23H2", "1809"); empty when the build is unknown (a
  // newer Windows than this table), in which case DisplayVersion is used.
  std::string release;
  bool server = false;
};

// Returns the release for kernel `major`.`minor` and `build`. `server` is
// true for Server installations (CurrentVersion InstallationType "Server" /
// "Server Core", or an EditionID starting with "Server").
WindowsRelease DescribeWindowsBuild(uint32_t major, uint32_t minor,
                                    uint32_t build, bool server);

// True for EditionIDs and InstallationTypes of Windows Server.
bool IsServerInstall(std::string_view edition_id,
                     std::string_view installation_type);

// Returns the marketing name of an EditionID ("Professional" → "Pro",
// "Core" → "Home", "EnterpriseS" → "Enterprise LTSC", "ServerStandard" →
// "Standard"); the EditionID itself when not in the table; "" for "".
std::string EditionDisplayName(std::string_view edition_id);

// Returns the product name to show: "<product> <edition>" ("Windows 11 Pro")
// when the build is recognised, otherwise the registry ProductName as given
// (`registry_product_name`).
std::string WindowsProductName(const WindowsRelease& release,
                               std::string_view edition_id,
                               std::string_view registry_product_name);

}  // namespace mamori::facts::win
