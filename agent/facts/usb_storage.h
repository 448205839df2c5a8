#pragma once

// The `usb_storage` family: whether USB mass storage can be used on this
// endpoint (allowed / read_only / blocked), the settings that decide it, and
// the USB storage devices attached now.
//
// How settings are rated (each PolicyEvidence's `effect`):
//   - modprobe.d `install usb-storage /bin/false` (or /bin/true, any command
//     that does not load the module) → BLOCKED.
//   - modprobe.d `blacklist usb-storage` → BLOCKED. A blacklist only stops
//     loading by alias, but that is exactly how the module is loaded when a
//     stick is plugged in; loading it explicitly needs root, who can undo
//     any local policy anyway. The setting text says "(autoload only)".
//   - Either modprobe block is overridden when the module is already loaded
//     (/sys/module/usb_storage/initstate) or built into the kernel: storage
//     then works until the next reboot, and that evidence decides (ALLOWED).
//   - usbguard: the first rule that applies to any mass-storage device
//     (no id/serial/hash/name/via-port, with-interface absent or naming class
//     08) decides, else ImplicitPolicyTarget (default block). It counts only
//     when usbguard-daemon runs (live) or its service is enabled (--root).
//   - udev rules that write authorized=0 for USB devices → BLOCKED; rules that
//     set USB/removable block devices read-only (blockdev --setro, ro=1) →
//     READ_ONLY.
//   - authorized_default of a USB controller 0 (none) or 2 (internal only) →
//     BLOCKED; 1 → ALLOWED.
// The effective policy is the most restrictive counted effect; the first
// evidence carrying it is `decisive`. With no restricting setting the policy
// is ALLOWED and a "no restricting setting" evidence is decisive.
// Missing sources are real absence (STATUS_OK); /sys is read only on the live
// system. Parsers are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Ordered by strictness: when several settings apply, the higher value wins.
enum class UsbStoragePolicy : int {
  kUnspecified = 0,
  kAllowed = 1,
  kReadOnly = 2,
  kBlocked = 3,
};
std::string_view EnumName(UsbStoragePolicy policy);

// How strict `policy` is (0 = unspecified … 3 = blocked), for choosing the
// setting that wins.
constexpr int Strictness(UsbStoragePolicy policy) {
  return static_cast<int>(policy);
}

// Mirrors mamori.v1.PolicyEvidence.
struct PolicyEvidence {
  std::string source;
  std::string setting;
  UsbStoragePolicy effect = UsbStoragePolicy::kUnspecified;
  bool decisive = false;
};

template <typename V>
void VisitFields(const PolicyEvidence& f, V& v) {
  v("source", f.source);
  v("setting", f.setting);
  v("effect", f.effect);
  v("decisive", f.decisive);
}

// Mirrors mamori.v1.UsbDevice.
struct UsbDevice {
  std::string vendor_id;
  std::string product_id;
  std::string vendor;
  std::string product;
  std::string serial;
  std::string block_device;
};

template <typename V>
void VisitFields(const UsbDevice& f, V& v) {
  v("vendor_id", f.vendor_id);
  v("product_id", f.product_id);
  v("vendor", f.vendor);
  v("product", f.product);
  v("serial", f.serial);
  v("block_device", f.block_device);
}

// Mirrors mamori.v1.UsbStorageFacts.
struct UsbStorageFacts {
  CollectionStatus status;
  UsbStoragePolicy effective_policy = UsbStoragePolicy::kUnspecified;
  std::vector<PolicyEvidence> evidence;
  std::vector<UsbDevice> attached_storage;
};

template <typename V>
void VisitFields(const UsbStorageFacts& f, V& v) {
  v("status", f.status);
  v("effective_policy", f.effective_policy);
  v("evidence", f.evidence);
  v("attached_storage", f.attached_storage);
}

// Collects the family. Never throws; failures are in `status`.
UsbStorageFacts GatherUsbStorage(const GatherContext& ctx);

// Returns the usb-storage/usb_storage lines of one modprobe.d file as
// evidence ("<source>:<line>"), rated as described above.
std::vector<PolicyEvidence> ParseModprobeConf(std::string_view text,
                                              std::string_view source);

// usbguard's verdict for a generic USB mass-storage device.
struct UsbguardVerdict {
  UsbStoragePolicy effect = UsbStoragePolicy::kUnspecified;
  // Evidence in order; `deciding` indexes the rule or implicit target that
  // decides.
  std::vector<PolicyEvidence> evidence;
  size_t deciding = 0;
};

// Returns ImplicitPolicyTarget from usbguard-daemon.conf ("block" when unset),
// and RuleFile / RuleFolder through the out-parameters ("" when unset).
std::string UsbguardImplicitTarget(std::string_view daemon_conf,
                                   std::string* rule_file,
                                   std::string* rule_folder);

// Evaluates usbguard rules text (rule file, then rule folder files in order)
// for a generic mass-storage device. `rule_sources` names each line's origin:
// line i of `rules` comes from rule_sources[i] (or "rules" when shorter).
UsbguardVerdict EvaluateUsbguard(std::string_view rules,
                                 const std::vector<std::string>& rule_sources,
                                 std::string_view implicit_target,
                                 std::string_view conf_source);

// Returns the udev rules in one .rules file that deauthorize USB devices or
// make USB/removable block devices read-only, as evidence.
std::vector<PolicyEvidence> ParseUdevRules(std::string_view text,
                                           std::string_view source);

// What DecideUsbPolicy weighs.
struct UsbPolicyInputs {
  std::vector<PolicyEvidence> modprobe;
  std::optional<UsbguardVerdict> usbguard;
  // usbguard-daemon running (live) or enabled (--root); unset = unknown.
  std::optional<bool> usbguard_active;
  std::vector<PolicyEvidence> udev;
  std::vector<PolicyEvidence> authorized_default;
  // usb_storage currently loaded (live only; unset under --root).
  std::optional<bool> module_loaded;
  bool module_builtin = false;
};

// Returns the effective policy and the evidence list with the decisive entry
// marked, following the rules in this header's opening comment.
UsbStorageFacts DecideUsbPolicy(const UsbPolicyInputs& inputs);

}  // namespace mamori::facts
