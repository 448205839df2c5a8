// SMBIOS identity through WMI ROOT\CIMV2 (the documented view of the SMBIOS
// tables) and battery presence through GetSystemPowerStatus.
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts::win {

namespace {

// Returns the first row of `wql`, or an empty row; the status of the query.
CollectionStatus FirstRow(const WmiSession& wmi, std::string_view wql,
                          const std::vector<std::string>& properties,
                          WmiRow* row) {
  std::vector<WmiRow> rows;
  CollectionStatus s = wmi.Query(wql, properties, &rows);
  if (s.ok() && !rows.empty()) *row = std::move(rows.front());
  return s;
}

}  // namespace

CollectionStatus ReadSmbios(SmbiosFacts* out) {
  ComScope com;
  if (!com.status().ok()) return com.status();
  WmiSession wmi;
  CollectionStatus s = wmi.Connect("ROOT\\CIMV2");
  if (!s.ok()) return s;

  WmiRow product;
  s = FirstRow(wmi, "SELECT UUID FROM Win32_ComputerSystemProduct", {"UUID"},
               &product);
  if (!s.ok()) return s;
  // All-zero and all-F UUIDs are "not set" placeholders in firmware.
  const std::string uuid = ToLowerAscii(product.String("UUID").value_or(""));
  if (uuid != "00000000-0000-0000-0000-000000000000" &&
      uuid != "ffffffff-ffff-ffff-ffff-ffffffffffff") {
    out->uuid = uuid;
  }

  WmiRow system;
  s = FirstRow(wmi, "SELECT Manufacturer, Model FROM Win32_ComputerSystem",
               {"Manufacturer", "Model"}, &system);
  if (!s.ok()) return s;
  out->manufacturer =
      std::string(Trim(system.String("Manufacturer").value_or("")));
  out->model = std::string(Trim(system.String("Model").value_or("")));

  WmiRow bios;
  s = FirstRow(wmi,
               "SELECT SerialNumber, Manufacturer, SMBIOSBIOSVersion FROM "
               "Win32_BIOS",
               {"SerialNumber", "Manufacturer", "SMBIOSBIOSVersion"}, &bios);
  if (!s.ok()) return s;
  out->serial = std::string(Trim(bios.String("SerialNumber").value_or("")));
  out->bios_vendor =
      std::string(Trim(bios.String("Manufacturer").value_or("")));
  out->bios_version =
      std::string(Trim(bios.String("SMBIOSBIOSVersion").value_or("")));

  WmiRow enclosure;
  s = FirstRow(wmi, "SELECT ChassisTypes FROM Win32_SystemEnclosure",
               {"ChassisTypes"}, &enclosure);
  if (!s.ok()) return s;
  const std::vector<int64_t> types = enclosure.IntArray("ChassisTypes");
  if (!types.empty() && types.front() > 0 && types.front() < 256) {
    out->chassis_type = static_cast<uint32_t>(types.front());
  }
  return OkStatus();
}

std::optional<bool> BatteryPresent() {
  SYSTEM_POWER_STATUS power{};
  if (!GetSystemPowerStatus(&power)) return std::nullopt;
  if (power.BatteryFlag == 255) return std::nullopt;  // "unknown status"
  return (power.BatteryFlag & 128) == 0;              // 128 = no system battery
}

}  // namespace mamori::facts::win
