// The `hardware` family on Windows via WMI ROOT\CIMV2: vendor/model/serial
// and chassis (shared with `system`), Win32_Processor, the sum of
// Win32_PhysicalMemory capacities, Win32_DiskDrive. WMI unavailable → the
// family's status. Under Wine the values are Wine's inventions ("The Wine
// Project"); tests compare them with other APIs, never with constants.
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/hardware.h"

#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts {

namespace {

std::string BusName(const std::string& interface_type) {
  // Win32_DiskDrive.InterfaceType is "IDE", "SCSI", "USB", "1394"...; NVMe and
  // SATA disks commonly report "SCSI" (the storport miniport), so only USB is
  // reliable enough to name.
  if (EqualsIgnoreCaseAscii(interface_type, "USB")) return "usb";
  if (EqualsIgnoreCaseAscii(interface_type, "IDE")) return "ide";
  if (EqualsIgnoreCaseAscii(interface_type, "SCSI")) return "scsi";
  return "";
}

}  // namespace

HardwareFacts GatherHardware(const GatherContext& /*ctx*/) {
  HardwareFacts facts;
  win::SmbiosFacts smbios;
  CollectionStatus s = win::ReadSmbios(&smbios);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  facts.vendor = smbios.manufacturer;
  facts.model = smbios.model;
  facts.serial = smbios.serial;
  facts.bios_vendor = smbios.bios_vendor;
  facts.bios_version = smbios.bios_version;
  facts.chassis_type = smbios.chassis_type;
  facts.has_battery = win::BatteryPresent();

  win::ComScope com;
  win::WmiSession wmi;
  s = wmi.Connect("ROOT\\CIMV2");
  std::vector<win::WmiRow> rows;
  if (s.ok()) {
    s = wmi.Query(
        "SELECT Name, NumberOfCores, NumberOfLogicalProcessors FROM "
        "Win32_Processor",
        {"Name", "NumberOfCores", "NumberOfLogicalProcessors"}, &rows);
  }
  if (s.ok()) {
    for (const win::WmiRow& cpu : rows) {
      if (facts.cpu_model.empty()) {
        facts.cpu_model = std::string(Trim(cpu.String("Name").value_or("")));
      }
      facts.cpu_cores +=
          static_cast<uint32_t>(cpu.Int("NumberOfCores").value_or(0));
      facts.cpu_threads += static_cast<uint32_t>(
          cpu.Int("NumberOfLogicalProcessors").value_or(0));
    }
    s = wmi.Query("SELECT Capacity FROM Win32_PhysicalMemory", {"Capacity"},
                  &rows);
  }
  if (s.ok()) {
    for (const win::WmiRow& module : rows) {
      facts.memory_bytes +=
          static_cast<uint64_t>(module.Int("Capacity").value_or(0));
    }
    s = wmi.Query(
        "SELECT DeviceID, Model, SerialNumber, Size, InterfaceType, MediaType "
        "FROM Win32_DiskDrive",
        {"DeviceID", "Model", "SerialNumber", "Size", "InterfaceType",
         "MediaType"},
        &rows);
  }
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  for (const win::WmiRow& row : rows) {
    Disk d;
    d.name = row.String("DeviceID").value_or("");
    d.model = std::string(Trim(row.String("Model").value_or("")));
    d.serial = std::string(Trim(row.String("SerialNumber").value_or("")));
    d.size_bytes = static_cast<uint64_t>(row.Int("Size").value_or(0));
    d.bus = BusName(row.String("InterfaceType").value_or(""));
    d.removable = row.String("MediaType").value_or("").find("Removable") !=
                  std::string::npos;
    facts.disks.push_back(std::move(d));
  }
  if (facts.memory_bytes == 0) {
    // Some hypervisors expose no Win32_PhysicalMemory rows.
    MEMORYSTATUSEX memory{};
    memory.dwLength = sizeof memory;
    if (GlobalMemoryStatusEx(&memory)) facts.memory_bytes = memory.ullTotalPhys;
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
