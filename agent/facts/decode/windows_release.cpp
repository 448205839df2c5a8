#include "agent/facts/decode/windows_release.h"

#include <array>

#include "common/text.h"

namespace mamori::facts::win {

namespace {

struct BuildRow {
  uint32_t build;
  std::string_view client_release;
  // Server product of the same build, "" when Microsoft shipped none, and
  // its release name.
  std::string_view server_product;
  std::string_view server_release;
};

// Builds of Windows 10/11 and Server 2016+ (major version 10). Windows 11
// starts at 22000; the Server products are the long-term releases.
constexpr std::array<BuildRow, 19> kNtTenBuilds = {{
    {10240, "1507", "", ""},
    {10586, "1511", "", ""},
    {14393, "1607", "Windows Server 2016", "1607"},
    {15063, "1703", "", ""},
    {16299, "1709", "Windows Server, version 1709", "1709"},
    {17134, "1803", "Windows Server, version 1803", "1803"},
    {17763, "1809", "Windows Server 2019", "1809"},
    {18362, "1903", "Windows Server, version 1903", "1903"},
    {18363, "1909", "Windows Server, version 1909", "1909"},
    {19041, "2004", "Windows Server, version 2004", "2004"},
    {19042, "20H2", "Windows Server, version 20H2", "20H2"},
    {19043, "21H1", "", ""},
    {19044, "21H2", "", ""},
    {19045, "22H2", "", ""},
    {20348, "", "Windows Server 2022", "21H2"},
    {22000, "21H2", "", ""},
    {22621, "22H2", "", ""},
    {22631, "23H2", "", ""},
    {26100, "24H2", "Windows Server 2025", "24H2"},
}};

constexpr uint32_t kFirstWindows11Build = 22000;

struct EditionRow {
  std::string_view edition_id;
  std::string_view display;
};

constexpr std::array<EditionRow, 19> kEditions = {{
    {"Core", "Home"},
    {"CoreSingleLanguage", "Home Single Language"},
    {"CoreCountrySpecific", "Home China"},
    {"Professional", "Pro"},
    {"ProfessionalEducation", "Pro Education"},
    {"ProfessionalWorkstation", "Pro for Workstations"},
    {"Education", "Education"},
    {"Enterprise", "Enterprise"},
    {"EnterpriseS", "Enterprise LTSC"},
    {"EnterpriseG", "Enterprise G"},
    {"IoTEnterprise", "IoT Enterprise"},
    {"IoTEnterpriseS", "IoT Enterprise LTSC"},
    {"ServerStandard", "Standard"},
    {"ServerStandardEval", "Standard Evaluation"},
    {"ServerDatacenter", "Datacenter"},
    {"ServerDatacenterEval", "Datacenter Evaluation"},
    {"ServerAzureEdition", "Datacenter: Azure Edition"},
    {"ServerSolution", "Essentials"},
    {"ServerStorageStandard", "Storage Server Standard"},
}};

}  // namespace

bool IsServerInstall(std::string_view edition_id,
                     std::string_view installation_type) {
  return StartsWith(installation_type, "Server") ||
         StartsWith(edition_id, "Server");
}

WindowsRelease DescribeWindowsBuild(uint32_t major, uint32_t minor,
                                    uint32_t build, bool server) {
  WindowsRelease out;
  out.server = server;
  if (major == 10) {
    for (const BuildRow& row : kNtTenBuilds) {
      if (row.build != build) continue;
      if (server) {
        out.product = std::string(row.server_product);
        out.release = std::string(row.server_release);
      } else {
        out.product =
            build >= kFirstWindows11Build ? "Windows 11" : "Windows 10";
        out.release = std::string(row.client_release);
      }
      if (!out.product.empty()) return out;
    }
    // A build this table does not know (newer, or an Insider build): the
    // family is still certain for clients; DisplayVersion supplies the rest.
    if (!server) {
      out.product = build >= kFirstWindows11Build ? "Windows 11" : "Windows 10";
    }
    return out;
  }
  if (major == 6) {
    switch (minor) {
      case 3:
        out.product = server ? "Windows Server 2012 R2" : "Windows 8.1";
        break;
      case 2:
        out.product = server ? "Windows Server 2012" : "Windows 8";
        break;
      case 1:
        out.product = server ? "Windows Server 2008 R2" : "Windows 7";
        if (build == 7601) out.release = "SP1";
        break;
      default:
        break;
    }
  }
  return out;
}

std::string EditionDisplayName(std::string_view edition_id) {
  for (const EditionRow& row : kEditions) {
    if (row.edition_id == edition_id) return std::string(row.display);
  }
  return std::string(edition_id);
}

std::string WindowsProductName(const WindowsRelease& release,
                               std::string_view edition_id,
                               std::string_view registry_product_name) {
  if (release.product.empty()) return std::string(registry_product_name);
  const std::string edition = EditionDisplayName(edition_id);
  if (edition.empty()) return release.product;
  return release.product + " " + edition;
}

}  // namespace mamori::facts::win
