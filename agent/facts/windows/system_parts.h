#pragma once

// OS reads shared by the system and hardware families on Windows:
// RtlGetVersion, the CurrentVersion key, SMBIOS identity via WMI, battery.
// Not thread-safe across COM apartments (each call makes its own COM scope).

#include <cstdint>
#include <optional>
#include <string>

#include "agent/facts/decode/current_version.h"
#include "agent/facts/types.h"

namespace mamori::facts::win {

// Fills *out from RtlGetVersion. Error status with the NTSTATUS otherwise.
CollectionStatus ReadKernelVersion(KernelVersion* out);

// Reads HKLM\...\Windows NT\CurrentVersion (64-bit view). Missing key →
// STATUS_UNSUPPORTED; read failures → their status.
CollectionStatus ReadCurrentVersion(CurrentVersionValues* out);

struct SmbiosFacts {
  std::string uuid;  // lower case; "" when unknown
  std::string manufacturer;
  std::string model;
  std::string serial;  // BIOS serial number
  std::string bios_vendor;
  std::string bios_version;
  uint32_t chassis_type = 0;
};

// Reads Win32_ComputerSystemProduct, Win32_ComputerSystem, Win32_BIOS and
// Win32_SystemEnclosure from ROOT\CIMV2. Returns the first WMI failure; the
// fields read so far stay filled.
CollectionStatus ReadSmbios(SmbiosFacts* out);

// True/false from GetSystemPowerStatus; nullopt when Windows does not know.
std::optional<bool> BatteryPresent();

}  // namespace mamori::facts::win
