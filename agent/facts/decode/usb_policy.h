#pragma once

// Windows USB storage policy: which registry settings are present and which
// one wins. The registry reads live in windows/usb_storage.cpp; this is the
// pure precedence rule, tested on Linux and under Wine. Thread-safe.
//
// Settings and what each means on its own (PolicyEvidence.effect):
//   HKLM\SYSTEM\CurrentControlSet\Services\USBSTOR  Start
//       4 → BLOCKED (the USB mass-storage driver never loads); 0–3 → ALLOWED.
//   HKLM\SYSTEM\CurrentControlSet\Control\StorageDevicePolicies  WriteProtect
//       1 → READ_ONLY; 0 → ALLOWED.
//   <hive>\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices
//       Deny_All ≠ 0 → BLOCKED (all removable storage classes); 0 → ALLOWED.
//     \{53f5630d-b6bf-11d0-94f2-00a0c91efb8b} (removable disks), one evidence:
//       Deny_Read and Deny_Write → BLOCKED; Deny_Write only → READ_ONLY;
//       Deny_Read only → ALLOWED (data can still be written out, which is
//       what a storage policy is for); both 0 → ALLOWED.
// Machine settings (HKLM) apply to everyone. The same policy under a user's
// hive applies to that user only, so it raises the effective policy only
// when every user hive examined is at least that strict:
//   effective = max(machine, min over user hives(that user's strictest))
// with BLOCKED > READ_ONLY > ALLOWED. The first evidence carrying the
// effective policy at the deciding level is `decisive` (one per user when
// users decide). With no setting at all the policy is ALLOWED and a
// "no restricting setting" evidence is decisive.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/facts/usb_storage.h"

namespace mamori::facts::win {

// The removable-disk device class of the RemovableStorageDevices policy.
inline constexpr char kRemovableDiskClass[] =
    "{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}";

// RemovableStorageDevices values of one hive; unset = value absent.
struct RemovableStoragePolicy {
  // How evidence names the hive: "HKLM", "HKCU" or "HKU\<SID>".
  std::string hive;
  std::optional<uint32_t> deny_all;
  std::optional<uint32_t> disk_deny_read;
  std::optional<uint32_t> disk_deny_write;
};

struct WindowsUsbSettings {
  std::optional<uint32_t> usbstor_start;
  std::optional<uint32_t> write_protect;
  RemovableStoragePolicy machine{"HKLM", {}, {}, {}};
  // The user hives examined (loaded profiles, or HKCU); may be empty.
  std::vector<RemovableStoragePolicy> users;
};

struct WindowsUsbDecision {
  UsbStoragePolicy effective = UsbStoragePolicy::kUnspecified;
  std::vector<PolicyEvidence> evidence;
};

// Returns the effective policy and every present setting as evidence
// (machine first, then users in the given order), decisive entries marked.
WindowsUsbDecision DecideWindowsUsbPolicy(const WindowsUsbSettings& settings);

}  // namespace mamori::facts::win
