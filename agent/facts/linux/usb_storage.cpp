// Linux gatherer for the `usb_storage` family: modprobe.d, usbguard and udev
// configuration under the root, module and controller state and attached
// devices from /sys on the live system.
#include "agent/facts/usb_storage.h"

#include <climits>
#include <cstdlib>
#include <map>
#include <set>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/process_list.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// Returns the files ending in `suffix` across `dirs`, where a file in an
// earlier directory hides a same-named one in a later directory (the
// precedence kmod and udev use), ordered by file name.
std::vector<std::string> OverlaidFiles(
    const GatherContext& ctx, std::initializer_list<std::string_view> dirs,
    std::string_view suffix) {
  std::map<std::string, std::string> by_name;
  for (std::string_view dir : dirs) {
    Result<std::vector<std::string>> names = lu::ListDirectory(ctx.Path(dir));
    if (!names.ok()) continue;
    for (const std::string& name : *names) {
      if (!EndsWith(name, suffix)) continue;
      by_name.emplace(name, std::string(dir) + "/" + name);
    }
  }
  std::vector<std::string> out;
  for (auto& [name, path] : by_name) out.push_back(path);
  return out;
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return "";
  return buf;
}

std::vector<UsbDevice> AttachedStorage() {
  std::set<std::string> device_dirs;
  for (std::string_view driver : {"usb-storage", "uas"}) {
    const std::string dir = "/sys/bus/usb/drivers/" + std::string(driver);
    Result<std::vector<std::string>> names = lu::ListDirectory(dir);
    if (!names.ok()) continue;
    for (const std::string& name : *names) {
      // Bound interfaces are named "<bus>-<port>:<config>.<interface>".
      if (name.find(':') == std::string::npos) continue;
      const std::string iface = RealPath(dir + "/" + name);
      const size_t slash = iface.rfind('/');
      if (slash == std::string::npos || slash == 0) continue;
      device_dirs.insert(iface.substr(0, slash));
    }
  }
  std::map<std::string, std::string> block_by_device;
  Result<std::vector<std::string>> blocks = lu::ListDirectory("/sys/block");
  if (blocks.ok()) {
    for (const std::string& block : *blocks) {
      const std::string real = RealPath("/sys/block/" + block);
      for (const std::string& dev : device_dirs) {
        if (StartsWith(real, dev + "/")) block_by_device.emplace(dev, block);
      }
    }
  }
  std::vector<UsbDevice> out;
  for (const std::string& dev : device_dirs) {
    UsbDevice d;
    d.vendor_id = lu::ReadOptional(dev + "/idVendor");
    d.product_id = lu::ReadOptional(dev + "/idProduct");
    d.vendor = SanitizeUtf8(lu::ReadOptional(dev + "/manufacturer"));
    d.product = SanitizeUtf8(lu::ReadOptional(dev + "/product"));
    d.serial = SanitizeUtf8(lu::ReadOptional(dev + "/serial"));
    auto it = block_by_device.find(dev);
    if (it != block_by_device.end()) d.block_device = it->second;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<PolicyEvidence> AuthorizedDefaults() {
  std::vector<PolicyEvidence> out;
  const std::string dir = "/sys/bus/usb/devices";
  Result<std::vector<std::string>> names = lu::ListDirectory(dir);
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    if (!StartsWith(name, "usb")) continue;  // root hubs = controllers
    const std::string path = dir + "/" + name + "/authorized_default";
    Result<std::string> value = lu::ReadTrimmed(path);
    if (!value.ok()) continue;
    PolicyEvidence e;
    e.source = path;
    e.setting = "authorized_default=" + *value;
    e.effect =
        *value == "1" ? UsbStoragePolicy::kAllowed : UsbStoragePolicy::kBlocked;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

UsbStorageFacts GatherUsbStorage(const GatherContext& ctx) {
  UsbPolicyInputs in;
  Status first_error;
  auto note_error = [&](const Status& s) {
    if (!s.ok() && s.code() != StatusCode::kNotFound && first_error.ok()) {
      first_error = s;
    }
  };

  for (const std::string& path : OverlaidFiles(
           ctx,
           {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
            "/lib/modprobe.d", "/usr/lib/modprobe.d"},
           ".conf")) {
    Result<std::string> text = ReadFile(ctx.Path(path), 1 << 20);
    if (!text.ok()) {
      note_error(text.status());
      continue;
    }
    for (PolicyEvidence& e : ParseModprobeConf(*text, path)) {
      in.modprobe.push_back(std::move(e));
    }
  }

  const std::string conf_path = "/etc/usbguard/usbguard-daemon.conf";
  Result<std::string> conf = ReadFile(ctx.Path(conf_path), 1 << 20);
  note_error(conf.status());
  if (conf.ok()) {
    std::string rule_file;
    std::string rule_folder;
    const std::string target =
        UsbguardImplicitTarget(*conf, &rule_file, &rule_folder);
    if (rule_file.empty()) rule_file = "/etc/usbguard/rules.conf";
    std::string rules;
    std::vector<std::string> sources;
    auto append = [&](const std::string& path) {
      Result<std::string> text = ReadFile(ctx.Path(path), 4 << 20);
      if (!text.ok()) {
        note_error(text.status());
        return;
      }
      size_t n = 0;
      for (std::string_view line : SplitLines(*text)) {
        rules.append(line);
        rules += '\n';
        sources.push_back(path + ":" + std::to_string(++n));
      }
    };
    append(rule_file);
    if (!rule_folder.empty()) {
      Result<std::vector<std::string>> names =
          lu::ListDirectory(ctx.Path(rule_folder));
      if (names.ok()) {
        for (const std::string& name : *names) {
          if (EndsWith(name, ".conf")) append(rule_folder + "/" + name);
        }
      }
    }
    in.usbguard = EvaluateUsbguard(rules, sources, target, conf_path);
    if (ctx.live_kernel) {
      Result<std::vector<lu::ProcessInfo>> procs = lu::ListProcesses();
      if (procs.ok()) {
        in.usbguard_active = lu::AnyProcessNamed(*procs, "usbguard-daemon");
      }
    } else {
      in.usbguard_active = lu::UnitEnabled(ctx, "usbguard.service");
    }
  }

  for (const std::string& path :
       OverlaidFiles(ctx,
                     {"/etc/udev/rules.d", "/run/udev/rules.d",
                      "/lib/udev/rules.d", "/usr/lib/udev/rules.d"},
                     ".rules")) {
    Result<std::string> text = ReadFile(ctx.Path(path), 4 << 20);
    if (!text.ok()) {
      note_error(text.status());
      continue;
    }
    for (PolicyEvidence& e : ParseUdevRules(*text, path)) {
      in.udev.push_back(std::move(e));
    }
  }

  if (ctx.live_kernel) {
    in.authorized_default = AuthorizedDefaults();
    if (lu::IsDirectory("/sys/module/usb_storage")) {
      // Built-in modules have a /sys/module entry without initstate.
      in.module_builtin = !lu::Exists("/sys/module/usb_storage/initstate");
      in.module_loaded = !in.module_builtin;
    } else {
      in.module_loaded = false;
    }
  }

  UsbStorageFacts facts = DecideUsbPolicy(in);
  if (ctx.live_kernel) facts.attached_storage = AttachedStorage();
  if (!first_error.ok()) {
    // A policy file we could not read may hold the deciding rule: the
    // verdict is then not trustworthy, so the family says why.
    facts.status = StatusFromError(first_error);
  }
  return facts;
}

}  // namespace mamori::facts
