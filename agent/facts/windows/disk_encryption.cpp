// The `disk_encryption` family on Windows: BitLocker's
// Win32_EncryptableVolume (ROOT\CIMV2\Security\MicrosoftVolumeEncryption,
// readable by administrators). Its absence (Home editions, Wine:
// 0x8004100E) is the family's status, never "not encrypted".
#include "agent/facts/disk_encryption.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/decode/bitlocker.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts {

DiskEncryptionFacts GatherDiskEncryption(const GatherContext& /*ctx*/) {
  DiskEncryptionFacts facts;
  win::ComScope com;
  if (!com.status().ok()) {
    facts.status = com.status();
    return facts;
  }
  win::WmiSession wmi;
  CollectionStatus s =
      wmi.Connect("ROOT\\CIMV2\\Security\\MicrosoftVolumeEncryption");
  std::vector<win::WmiRow> rows;
  if (s.ok()) {
    s = wmi.Query(
        "SELECT DriveLetter, DeviceID, ProtectionStatus, ConversionStatus, "
        "EncryptionMethod, VolumeType FROM Win32_EncryptableVolume",
        {"DriveLetter", "DeviceID", "ProtectionStatus", "ConversionStatus",
         "EncryptionMethod", "VolumeType"},
        &rows);
  }
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  for (const win::WmiRow& row : rows) {
    EncryptedVolume v;
    v.device = row.String("DriveLetter").value_or("");
    if (v.device.empty()) v.device = row.String("DeviceID").value_or("");
    v.mount_point = row.String("DriveLetter").value_or("");
    v.state = win::BitLockerState(row.Int("ConversionStatus"),
                                  row.Int("ProtectionStatus"));
    v.technology = "bitlocker";
    v.method = win::BitLockerMethod(row.Int("EncryptionMethod").value_or(0));
    // VolumeType 0 = OS volume, 1 = fixed data, 2 = removable data.
    const auto type = row.Int("VolumeType");
    v.system_volume = type == 0;
    v.removable = type == 2;
    facts.volumes.push_back(std::move(v));
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
