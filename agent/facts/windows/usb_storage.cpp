// The `usb_storage` family on Windows: reads the settings that can stop USB
// mass storage (USBSTOR service start type, StorageDevicePolicies,
// RemovableStorageDevices policies of the machine and of each loaded user
// hive) and lets decode/usb_policy.h decide which one wins.
#include "agent/facts/usb_storage.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <setupapi.h>
// clang-format on

#include "agent/facts/decode/usb_device_id.h"
#include "agent/facts/decode/usb_policy.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

using win::RegKey;
using win::RegView;

constexpr char kPolicyKey[] =
    "SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices";

CollectionStatus ReadDword(HKEY root, const std::string& path,
                           std::string_view name,
                           std::optional<uint32_t>* out) {
  RegKey key;
  CollectionStatus s = RegKey::Open(root, path, RegView::k64, &key);
  if (!s.ok()) return s;
  return key.GetDword(name, out);
}

// Reads one hive's RemovableStorageDevices values; `prefix` is the path of
// the hive's root under `root` ("" for HKLM/HKCU, "<SID>\\" under HKU).
CollectionStatus ReadPolicy(HKEY root, const std::string& prefix,
                            win::RemovableStoragePolicy* policy) {
  const std::string base = prefix + kPolicyKey;
  CollectionStatus s = ReadDword(root, base, "Deny_All", &policy->deny_all);
  if (!s.ok()) return s;
  const std::string disk = base + "\\" + win::kRemovableDiskClass;
  s = ReadDword(root, disk, "Deny_Read", &policy->disk_deny_read);
  if (!s.ok()) return s;
  return ReadDword(root, disk, "Deny_Write", &policy->disk_deny_write);
}

// True for the SID of an interactive account's hive (not the _Classes twin,
// not the well-known service accounts S-1-5-18/19/20).
bool IsUserHive(std::string_view name) {
  return StartsWith(name, "S-1-5-21-") && !EndsWith(name, "_Classes");
}

// Reads the per-user policies: every loaded user hive under HKU, or HKCU
// when none is loaded/visible. When one hive cannot be read the per-user
// policies are dropped (their minimum would be a guess) and *note says why.
CollectionStatus ReadUserPolicies(
    std::vector<win::RemovableStoragePolicy>* users, std::string* note) {
  RegKey hku;
  CollectionStatus s = RegKey::Open(HKEY_USERS, "", RegView::k64, &hku);
  if (!s.ok()) return s;
  std::vector<std::string> sids;
  s = hku.SubkeyNames(&sids);
  if (!s.ok()) return s;
  for (const std::string& sid : sids) {
    if (!IsUserHive(sid)) continue;
    win::RemovableStoragePolicy policy;
    policy.hive = "HKU\\" + sid;
    s = ReadPolicy(HKEY_USERS, sid + "\\", &policy);
    if (!s.ok()) {
      users->clear();
      *note = "per-user policies ignored: " + s.message;
      return OkStatus();
    }
    users->push_back(std::move(policy));
  }
  if (users->empty()) {
    win::RemovableStoragePolicy policy;
    policy.hive = "HKCU";
    s = ReadPolicy(HKEY_CURRENT_USER, "", &policy);
    if (!s.ok()) {
      *note = "per-user policy ignored: " + s.message;
      return OkStatus();
    }
    users->push_back(std::move(policy));
  }
  return OkStatus();
}

// USB mass-storage devices present now (SetupAPI, enumerator USBSTOR).
CollectionStatus ReadAttached(std::vector<UsbDevice>* out) {
  HDEVINFO devices = SetupDiGetClassDevsW(nullptr, L"USBSTOR", nullptr,
                                          DIGCF_PRESENT | DIGCF_ALLCLASSES);
  if (devices == INVALID_HANDLE_VALUE) {
    const DWORD error = GetLastError();
    // No device was ever enumerated by USBSTOR: nothing attached.
    if (error == ERROR_INVALID_DATA || error == ERROR_FILE_NOT_FOUND) {
      return OkStatus();
    }
    return win::Win32Status("SetupDiGetClassDevsW(USBSTOR)", error);
  }
  SP_DEVINFO_DATA info{};
  info.cbSize = sizeof info;
  for (DWORD i = 0; SetupDiEnumDeviceInfo(devices, i, &info); ++i) {
    // MAX_DEVICE_ID_LEN (cfgmgr32.h) is 200 characters.
    wchar_t id[200];
    if (!SetupDiGetDeviceInstanceIdW(devices, &info, id, 200, nullptr)) {
      continue;
    }
    if (auto device = win::ParseUsbstorInstanceId(win::WideToUtf8(id))) {
      out->push_back(std::move(*device));
    }
  }
  SetupDiDestroyDeviceInfoList(devices);
  return OkStatus();
}

}  // namespace

UsbStorageFacts GatherUsbStorage(const GatherContext& /*ctx*/) {
  UsbStorageFacts facts;
  win::WindowsUsbSettings settings;
  CollectionStatus s = ReadDword(HKEY_LOCAL_MACHINE,
                                 "SYSTEM\\CurrentControlSet\\Services\\USBSTOR",
                                 "Start", &settings.usbstor_start);
  if (s.ok()) {
    s = ReadDword(HKEY_LOCAL_MACHINE,
                  "SYSTEM\\CurrentControlSet\\Control\\StorageDevicePolicies",
                  "WriteProtect", &settings.write_protect);
  }
  if (s.ok()) s = ReadPolicy(HKEY_LOCAL_MACHINE, "", &settings.machine);
  std::string note;
  if (s.ok()) s = ReadUserPolicies(&settings.users, &note);
  if (s.ok()) s = ReadAttached(&facts.attached_storage);
  if (!s.ok()) {
    // A machine setting we cannot read might be the one that blocks: no
    // verdict rather than a guess.
    facts.status = s;
    return facts;
  }
  win::WindowsUsbDecision decision = win::DecideWindowsUsbPolicy(settings);
  facts.effective_policy = decision.effective;
  facts.evidence = std::move(decision.evidence);
  if (!note.empty()) {
    facts.evidence.push_back(
        {"HKU", note, UsbStoragePolicy::kUnspecified, false});
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
