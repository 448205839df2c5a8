// The `system` family on Windows: RtlGetVersion (the true kernel version;
// GetVersionEx lies to unmanifested programs), CurrentVersion for edition,
// DisplayVersion, UBR and InstallDate, MachineGuid, SMBIOS UUID and chassis
// from WMI, NetGetJoinInformation for the domain, and the time zone.
#include "agent/facts/system.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <lm.h>
// clang-format on

#include <chrono>

#include "agent/facts/decode/current_version.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts {

namespace {

using win::RegKey;
using win::RegView;

constexpr char kCurrentVersion[] =
    "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";

std::string ComputerName(COMPUTER_NAME_FORMAT format) {
  DWORD size = 0;
  GetComputerNameExW(format, nullptr, &size);
  if (size == 0) return {};
  std::wstring name(size, L'\0');
  if (!GetComputerNameExW(format, name.data(), &size)) return {};
  name.resize(size);
  return win::WideToUtf8(name);
}

std::string Architecture() {
  SYSTEM_INFO info;
  GetNativeSystemInfo(&info);
  switch (info.wProcessorArchitecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      return "AMD64";
    case PROCESSOR_ARCHITECTURE_ARM64:
      return "ARM64";
    case PROCESSOR_ARCHITECTURE_INTEL:
      return "x86";
    default:
      return {};
  }
}

void ReadTimeZone(SystemFacts* facts) {
  DYNAMIC_TIME_ZONE_INFORMATION tz{};
  const DWORD mode = GetDynamicTimeZoneInformation(&tz);
  if (mode == TIME_ZONE_ID_INVALID) return;
  facts->time_zone = win::WideToUtf8(tz.TimeZoneKeyName);
  LONG bias = tz.Bias;
  if (mode == TIME_ZONE_ID_DAYLIGHT) bias += tz.DaylightBias;
  if (mode == TIME_ZONE_ID_STANDARD) bias += tz.StandardBias;
  // Bias is minutes to add to local time to get UTC.
  facts->utc_offset_seconds = static_cast<int32_t>(-bias * 60);
}

void ReadDomain(SystemFacts* facts) {
  wchar_t* name = nullptr;
  NETSETUP_JOIN_STATUS status = NetSetupUnknownStatus;
  if (NetGetJoinInformation(nullptr, &name, &status) != NERR_Success) return;
  facts->domain = win::WideToUtf8(name);
  facts->domain_joined = status == NetSetupDomainName;
  NetApiBufferFree(name);
}

}  // namespace

namespace win {

CollectionStatus ReadKernelVersion(KernelVersion* out) {
  using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOW*);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  auto* fn = ntdll == nullptr
                 ? nullptr
                 : reinterpret_cast<RtlGetVersionFn>(reinterpret_cast<void*>(
                       GetProcAddress(ntdll, "RtlGetVersion")));
  if (fn == nullptr) {
    return Win32Status("GetProcAddress(ntdll, RtlGetVersion)", GetLastError());
  }
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof info;
  const LONG rc = fn(&info);
  if (rc != 0) return Win32Status("RtlGetVersion", static_cast<uint32_t>(rc));
  out->major = info.dwMajorVersion;
  out->minor = info.dwMinorVersion;
  out->build = info.dwBuildNumber;
  return OkStatus();
}

CollectionStatus ReadCurrentVersion(CurrentVersionValues* out) {
  RegKey key;
  CollectionStatus s =
      RegKey::Open(HKEY_LOCAL_MACHINE, kCurrentVersion, RegView::k64, &key);
  if (!s.ok()) return s;
  if (!key.valid()) {
    return UnsupportedStatus("HKLM\\" + std::string(kCurrentVersion) +
                             " does not exist");
  }
  for (auto [name, field] :
       {std::pair{"ProductName", &out->product_name},
        std::pair{"EditionID", &out->edition_id},
        std::pair{"DisplayVersion", &out->display_version},
        std::pair{"ReleaseId", &out->release_id},
        std::pair{"CurrentBuild", &out->current_build},
        std::pair{"InstallationType", &out->installation_type}}) {
    std::optional<std::string> value;
    s = key.GetString(name, &value);
    if (!s.ok()) return s;
    *field = value.value_or("");
  }
  s = key.GetDword("UBR", &out->ubr);
  if (!s.ok()) return s;
  return key.GetDword("InstallDate", &out->install_date);
}

}  // namespace win

SystemFacts GatherSystem(const GatherContext& ctx) {
  SystemFacts facts;
  win::KernelVersion kernel;
  CollectionStatus s = win::ReadKernelVersion(&kernel);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  win::CurrentVersionValues cv;
  s = win::ReadCurrentVersion(&cv);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  win::ApplyCurrentVersion(kernel, cv, &facts);

  facts.hostname = ComputerName(ComputerNameDnsHostname);
  const std::string fqdn = ComputerName(ComputerNameDnsFullyQualified);
  if (fqdn.find('.') != std::string::npos) facts.fqdn = fqdn;
  facts.architecture = Architecture();
  facts.boot_time =
      ctx.clock->Now() - std::chrono::milliseconds(GetTickCount64());
  ReadTimeZone(&facts);
  ReadDomain(&facts);

  std::optional<std::string> machine_guid;
  RegKey crypto;
  if (RegKey::Open(HKEY_LOCAL_MACHINE, "SOFTWARE\\Microsoft\\Cryptography",
                   RegView::k64, &crypto)
          .ok() &&
      crypto.GetString("MachineGuid", &machine_guid).ok()) {
    facts.machine_id = ToLowerAscii(machine_guid.value_or(""));
  }

  // SMBIOS identity and chassis; optional (WMI may be unavailable), so a
  // failure leaves the fields empty rather than failing the family.
  win::SmbiosFacts smbios;
  (void)win::ReadSmbios(&smbios);
  facts.smbios_uuid = smbios.uuid;
  const std::optional<bool> battery = win::BatteryPresent();
  VirtEvidence virt;
  virt.sys_vendor = smbios.manufacturer;
  virt.product_name = smbios.model;
  virt.bios_vendor = smbios.bios_vendor;
  facts.virtualization = DetectVirtualization(virt);
  const RoleHint role = DeriveRole(smbios.chassis_type, battery.value_or(false),
                                   facts.virtualization);
  facts.role = role.role;
  facts.role_evidence = role.evidence;
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
