#include "agent/facts/usb_storage.h"

#include <algorithm>

namespace mamori::facts {

std::string_view EnumName(UsbStoragePolicy policy) {
  switch (policy) {
    case UsbStoragePolicy::kUnspecified:
      return "USB_STORAGE_POLICY_UNSPECIFIED";
    case UsbStoragePolicy::kAllowed:
      return "USB_STORAGE_POLICY_ALLOWED";
    case UsbStoragePolicy::kReadOnly:
      return "USB_STORAGE_POLICY_READ_ONLY";
    case UsbStoragePolicy::kBlocked:
      return "USB_STORAGE_POLICY_BLOCKED";
  }
  return "";
}

namespace {

bool IsUsbStorageModule(std::string_view name) {
  return name == "usb-storage" || name == "usb_storage";
}

// Joins lines ending in a backslash (modprobe.d and udev both allow it) and
// returns each logical line with the number of its first physical line.
std::vector<std::pair<std::string, size_t>> LogicalLines(
    std::string_view text) {
  std::vector<std::pair<std::string, size_t>> out;
  std::string current;
  size_t first = 0;
  size_t number = 0;
  for (std::string_view line : SplitLines(text)) {
    ++number;
    if (current.empty()) first = number;
    if (EndsWith(line, "\\")) {
      current.append(line.substr(0, line.size() - 1));
      current += ' ';
      continue;
    }
    current.append(line);
    out.emplace_back(std::move(current), first);
    current.clear();
  }
  if (!current.empty()) out.emplace_back(std::move(current), first);
  return out;
}

std::string Where(std::string_view source, size_t line) {
  return std::string(source) + ":" + std::to_string(line);
}

}  // namespace

std::vector<PolicyEvidence> ParseModprobeConf(std::string_view text,
                                              std::string_view source) {
  std::vector<PolicyEvidence> out;
  for (const auto& [line, number] : LogicalLines(text)) {
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const std::vector<std::string_view> words = SplitWhitespace(trimmed);
    if (words.size() < 2 || !IsUsbStorageModule(words[1])) continue;
    PolicyEvidence e;
    e.source = Where(source, number);
    e.setting = SanitizeUtf8(trimmed);
    if (words[0] == "blacklist") {
      e.setting += " (autoload only)";
      e.effect = UsbStoragePolicy::kBlocked;
    } else if (words[0] == "install") {
      // Any command that is not a modprobe of the module itself replaces
      // loading: /bin/false, /bin/true, /dev/null tricks all block.
      bool loads = false;
      for (size_t i = 2; i < words.size(); ++i) {
        const std::string_view w = words[i];
        if (EndsWith(w, "modprobe") || EndsWith(w, "insmod")) loads = true;
      }
      e.effect =
          loads ? UsbStoragePolicy::kAllowed : UsbStoragePolicy::kBlocked;
    } else {
      continue;  // options, softdep, alias: no effect on whether it loads
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string UsbguardImplicitTarget(std::string_view daemon_conf,
                                   std::string* rule_file,
                                   std::string* rule_folder) {
  std::string target = "block";
  rule_file->clear();
  rule_folder->clear();
  for (std::string_view line : SplitLines(daemon_conf)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, eq));
    const std::string_view value = Trim(line.substr(eq + 1));
    if (key == "ImplicitPolicyTarget") target = ToLowerAscii(value);
    if (key == "RuleFile") *rule_file = std::string(value);
    if (key == "RuleFolder") *rule_folder = std::string(value);
  }
  return target;
}

UsbguardVerdict EvaluateUsbguard(std::string_view rules,
                                 const std::vector<std::string>& rule_sources,
                                 std::string_view implicit_target,
                                 std::string_view conf_source) {
  UsbguardVerdict verdict;
  size_t index = 0;
  bool decided = false;
  for (std::string_view raw : SplitLines(rules)) {
    const size_t i = index++;
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> words = SplitWhitespace(line);
    const std::string_view target = words[0];
    UsbStoragePolicy effect;
    if (target == "allow") {
      effect = UsbStoragePolicy::kAllowed;
    } else if (target == "block" || target == "reject") {
      effect = UsbStoragePolicy::kBlocked;
    } else {
      continue;
    }
    bool specific = false;
    bool has_interface = false;
    bool storage_interface = false;
    for (size_t w = 1; w < words.size(); ++w) {
      const std::string_view word = words[w];
      if (word == "hash" || word == "parent-hash" || word == "serial" ||
          word == "name" || word == "via-port") {
        specific = true;
      }
      if (word == "id" && w + 1 < words.size() && words[w + 1] != "*:*") {
        specific = true;
      }
      if (word == "with-interface") has_interface = true;
    }
    if (has_interface) {
      const size_t at = line.find("with-interface");
      storage_interface = line.find("08:", at) != std::string_view::npos;
    }
    if (has_interface && !storage_interface) continue;  // e.g. HID only
    PolicyEvidence e;
    e.source = i < rule_sources.size() ? rule_sources[i] : "rules";
    e.setting = SanitizeUtf8(line.substr(0, 200));
    e.effect = effect;
    if (specific) {
      // A listed device is an exception, not the policy for an unknown stick.
      if (effect == UsbStoragePolicy::kAllowed) {
        e.setting += " (listed device only)";
        verdict.evidence.push_back(std::move(e));
      }
      continue;
    }
    verdict.evidence.push_back(std::move(e));
    if (!decided) {
      decided = true;
      verdict.effect = effect;
      verdict.deciding = verdict.evidence.size() - 1;
    }
  }
  if (!decided) {
    PolicyEvidence e;
    e.source = std::string(conf_source);
    e.setting = "ImplicitPolicyTarget=" + SanitizeUtf8(implicit_target);
    e.effect = implicit_target == "allow" ? UsbStoragePolicy::kAllowed
                                          : UsbStoragePolicy::kBlocked;
    verdict.effect = e.effect;
    verdict.evidence.push_back(std::move(e));
    verdict.deciding = verdict.evidence.size() - 1;
  }
  return verdict;
}

std::vector<PolicyEvidence> ParseUdevRules(std::string_view text,
                                           std::string_view source) {
  std::vector<PolicyEvidence> out;
  for (const auto& [line, number] : LogicalLines(text)) {
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const std::string lower = ToLowerAscii(trimmed);
    const bool usb = lower.find("usb") != std::string::npos;
    const bool removable = lower.find("removable") != std::string::npos;
    const bool deauthorize =
        lower.find("attr{authorized}=\"0\"") != std::string::npos ||
        (lower.find("authorized") != std::string::npos &&
         lower.find("echo 0") != std::string::npos);
    const bool read_only = lower.find("--setro") != std::string::npos ||
                           lower.find("attr{ro}=\"1\"") != std::string::npos;
    PolicyEvidence e;
    if (deauthorize && usb) {
      e.effect = UsbStoragePolicy::kBlocked;
    } else if (read_only && (usb || removable)) {
      e.effect = UsbStoragePolicy::kReadOnly;
    } else {
      continue;
    }
    e.source = Where(source, number);
    e.setting = SanitizeUtf8(trimmed.substr(0, 300));
    out.push_back(std::move(e));
  }
  return out;
}

UsbStorageFacts DecideUsbPolicy(const UsbPolicyInputs& in) {
  UsbStorageFacts facts;
  facts.status = OkStatus();
  // Evidence that counts towards the decision, in priority order; listed
  // evidence that does not count is kept for the reader.
  std::vector<size_t> counted;
  auto add = [&](PolicyEvidence e, bool counts) {
    facts.evidence.push_back(std::move(e));
    if (counts) counted.push_back(facts.evidence.size() - 1);
  };

  for (const PolicyEvidence& e : in.authorized_default) add(e, true);

  if (in.usbguard) {
    const bool active = in.usbguard_active.value_or(false);
    for (size_t i = 0; i < in.usbguard->evidence.size(); ++i) {
      add(in.usbguard->evidence[i], active && i == in.usbguard->deciding);
    }
    if (!active) {
      PolicyEvidence e;
      e.source = "usbguard";
      e.setting = in.usbguard_active.has_value()
                      ? "usbguard-daemon not running or not enabled"
                      : "usbguard-daemon state unknown";
      e.effect = UsbStoragePolicy::kAllowed;
      add(std::move(e), false);
    }
  }

  const bool module_present =
      in.module_builtin || in.module_loaded.value_or(false);
  for (const PolicyEvidence& e : in.modprobe) add(e, !module_present);
  for (const PolicyEvidence& e : in.udev) add(e, true);

  std::optional<size_t> decisive;
  for (size_t i : counted) {
    if (!decisive || Strictness(facts.evidence[i].effect) >
                         Strictness(facts.evidence[*decisive].effect)) {
      decisive = i;
    }
  }
  if (decisive &&
      facts.evidence[*decisive].effect != UsbStoragePolicy::kAllowed) {
    facts.evidence[*decisive].decisive = true;
    facts.effective_policy = facts.evidence[*decisive].effect;
    return facts;
  }

  PolicyEvidence e;
  e.effect = UsbStoragePolicy::kAllowed;
  e.decisive = true;
  if (module_present) {
    e.source = "/sys/module/usb_storage";
    e.setting = in.module_builtin
                    ? "built into the kernel"
                    : "loaded (modprobe.d rules apply only at the "
                      "next load)";
  } else {
    e.source = "modprobe.d, usbguard, udev, /sys";
    e.setting = "no setting restricts USB storage";
  }
  facts.evidence.push_back(std::move(e));
  facts.effective_policy = UsbStoragePolicy::kAllowed;
  return facts;
}

}  // namespace mamori::facts
