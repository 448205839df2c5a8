#include "agent/facts/decode/usb_policy.h"

#include <algorithm>

namespace mamori::facts::win {

namespace {

constexpr char kUsbstorKey[] =
    "HKLM\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start";
constexpr char kWriteProtectKey[] =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\StorageDevicePolicies\\"
    "WriteProtect";
constexpr char kPolicyPath[] =
    "\\SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices";

UsbStoragePolicy Stricter(UsbStoragePolicy a, UsbStoragePolicy b) {
  return Strictness(a) >= Strictness(b) ? a : b;
}

// Appends the evidence of one hive's RemovableStorageDevices values.
void AddPolicyEvidence(const RemovableStoragePolicy& policy,
                       std::vector<PolicyEvidence>* out) {
  const std::string base = policy.hive + kPolicyPath;
  if (policy.deny_all) {
    out->push_back({base + "\\Deny_All", std::to_string(*policy.deny_all),
                    *policy.deny_all != 0 ? UsbStoragePolicy::kBlocked
                                          : UsbStoragePolicy::kAllowed,
                    false});
  }
  if (!policy.disk_deny_read && !policy.disk_deny_write) return;
  const bool deny_read = policy.disk_deny_read.value_or(0) != 0;
  const bool deny_write = policy.disk_deny_write.value_or(0) != 0;
  std::string setting;
  if (policy.disk_deny_read) {
    setting = "Deny_Read=" + std::to_string(*policy.disk_deny_read);
  }
  if (policy.disk_deny_write) {
    if (!setting.empty()) setting += ", ";
    setting += "Deny_Write=" + std::to_string(*policy.disk_deny_write);
  }
  UsbStoragePolicy effect = UsbStoragePolicy::kAllowed;
  if (deny_read && deny_write) {
    effect = UsbStoragePolicy::kBlocked;
  } else if (deny_write) {
    effect = UsbStoragePolicy::kReadOnly;
  } else if (deny_read) {
    setting += " (writes still allowed)";
  }
  out->push_back({base + "\\" + kRemovableDiskClass, setting, effect, false});
}

UsbStoragePolicy Strictest(const std::vector<PolicyEvidence>& evidence,
                           size_t begin, size_t end) {
  UsbStoragePolicy level = UsbStoragePolicy::kAllowed;
  for (size_t i = begin; i < end; ++i) {
    level = Stricter(level, evidence[i].effect);
  }
  return level;
}

// Marks the first entry in [begin, end) whose effect is `level`.
bool MarkFirst(std::vector<PolicyEvidence>* evidence, size_t begin, size_t end,
               UsbStoragePolicy level) {
  for (size_t i = begin; i < end; ++i) {
    if ((*evidence)[i].effect == level) {
      (*evidence)[i].decisive = true;
      return true;
    }
  }
  return false;
}

}  // namespace

WindowsUsbDecision DecideWindowsUsbPolicy(const WindowsUsbSettings& settings) {
  WindowsUsbDecision out;
  std::vector<PolicyEvidence>& ev = out.evidence;
  if (settings.usbstor_start) {
    const bool disabled = *settings.usbstor_start == 4;
    ev.push_back(
        {kUsbstorKey,
         std::to_string(*settings.usbstor_start) +
             (disabled ? " (driver disabled)" : ""),
         disabled ? UsbStoragePolicy::kBlocked : UsbStoragePolicy::kAllowed,
         false});
  }
  if (settings.write_protect) {
    ev.push_back({kWriteProtectKey, std::to_string(*settings.write_protect),
                  *settings.write_protect != 0 ? UsbStoragePolicy::kReadOnly
                                               : UsbStoragePolicy::kAllowed,
                  false});
  }
  AddPolicyEvidence(settings.machine, &ev);
  const size_t machine_end = ev.size();
  const UsbStoragePolicy machine_level = Strictest(ev, 0, machine_end);

  // [begin, end) of each user's evidence.
  std::vector<std::pair<size_t, size_t>> user_ranges;
  UsbStoragePolicy users_level = UsbStoragePolicy::kUnspecified;
  for (const RemovableStoragePolicy& user : settings.users) {
    const size_t begin = ev.size();
    AddPolicyEvidence(user, &ev);
    user_ranges.emplace_back(begin, ev.size());
    const UsbStoragePolicy level = Strictest(ev, begin, ev.size());
    users_level =
        users_level == UsbStoragePolicy::kUnspecified
            ? level
            : (Strictness(level) < Strictness(users_level) ? level
                                                           : users_level);
  }

  if (ev.empty()) {
    out.effective = UsbStoragePolicy::kAllowed;
    ev.push_back({kUsbstorKey, "no restricting setting",
                  UsbStoragePolicy::kAllowed, true});
    return out;
  }

  if (Strictness(users_level) > Strictness(machine_level)) {
    out.effective = users_level;
    for (const auto& [begin, end] : user_ranges) {
      MarkFirst(&ev, begin, end, users_level);
    }
    return out;
  }
  out.effective = machine_level;
  if (!MarkFirst(&ev, 0, machine_end, machine_level)) {
    // Only user hives hold settings and none restricts: the first allowing
    // user setting is what the verdict rests on.
    MarkFirst(&ev, machine_end, ev.size(), machine_level);
  }
  return out;
}

}  // namespace mamori::facts::win
