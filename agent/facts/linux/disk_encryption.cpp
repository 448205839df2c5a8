// Linux gatherer for the `disk_encryption` family: mounts and device-mapper
// state from /proc and /sys, LUKS headers from the backing devices, crypttab
// and fstab under the root.
#include "agent/facts/disk_encryption.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <climits>
#include <cstdlib>
#include <set>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/read_prefix.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

// What the device-mapper stack under one block device says.
struct CryptInfo {
  std::string technology;  // "" = not encrypted
  std::string mapping;     // dm name of the crypt layer
  std::string backing;     // kernel name of the device under the crypt layer
};

std::string KernelName(const std::string& device_path) {
  struct stat st {};
  if (::stat(device_path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return "";
  const std::string link = "/sys/dev/block/" +
                           std::to_string(major(st.st_rdev)) + ":" +
                           std::to_string(minor(st.st_rdev));
  char buf[PATH_MAX];
  if (::realpath(link.c_str(), buf) == nullptr) return "";
  const std::string real = buf;
  return real.substr(real.rfind('/') + 1);
}

CryptInfo FindCrypt(const std::string& name, int depth) {
  if (depth > 8) return {};
  const std::string dir = "/sys/class/block/" + name;
  const std::string tech =
      DmCryptTechnology(lu::ReadOptional(dir + "/dm/uuid"));
  Result<std::vector<std::string>> slaves = lu::ListDirectory(dir + "/slaves");
  if (!tech.empty()) {
    CryptInfo info;
    info.technology = tech;
    info.mapping = lu::ReadOptional(dir + "/dm/name");
    if (slaves.ok() && !slaves->empty()) info.backing = slaves->front();
    return info;
  }
  if (slaves.ok()) {
    for (const std::string& slave : *slaves) {
      CryptInfo info = FindCrypt(slave, depth + 1);
      if (!info.technology.empty()) return info;
    }
  }
  return {};
}

bool Removable(const std::string& name) {
  const std::string dir = "/sys/class/block/" + name;
  if (lu::Exists(dir + "/partition")) {
    char buf[PATH_MAX];
    if (::realpath(dir.c_str(), buf) != nullptr) {
      std::string parent = buf;
      parent = parent.substr(0, parent.rfind('/'));
      return lu::ReadOptional(parent + "/removable") == "1";
    }
  }
  return lu::ReadOptional(dir + "/removable") == "1";
}

void ApplyLuksHeader(const std::string& backing, EncryptedVolume* v) {
  if (backing.empty()) return;
  // LUKS2 keeps its JSON metadata after the 4 KiB binary header.
  Result<std::string> head = lu::ReadPrefix("/dev/" + backing, 20480);
  if (!head.ok()) return;  // not root: the dm uuid already named the type
  Result<LuksHeader> luks = ParseLuksHeader(*head);
  if (!luks.ok()) return;
  v->technology = "luks" + std::to_string(luks->version);
  v->method = luks->cipher;
}

DiskEncryptionFacts GatherUnderRoot(const GatherContext& ctx) {
  DiskEncryptionFacts facts;
  facts.status = OkStatus();
  Result<std::string> crypttab = ReadFile(ctx.Path("/etc/crypttab"), 1 << 20);
  std::vector<CrypttabEntry> mappings;
  if (crypttab.ok()) mappings = ParseCrypttab(*crypttab);
  Result<std::string> fstab = ReadFile(ctx.Path("/etc/fstab"), 1 << 20);
  if (!fstab.ok() && !crypttab.ok()) {
    facts.status = StatusFromError(fstab.status());
    return facts;
  }
  std::set<std::string> matched;
  if (fstab.ok()) {
    for (const MountEntry& m : ParseMounts(*fstab)) {
      if (m.fs_type == "swap" || m.mount_point == "none" ||
          !(StartsWith(m.device, "/dev/") || StartsWith(m.device, "UUID=") ||
            StartsWith(m.device, "LABEL=") ||
            StartsWith(m.device, "PARTUUID="))) {
        continue;
      }
      EncryptedVolume v;
      v.device = m.device;
      v.mount_point = m.mount_point;
      v.system_volume = IsSystemMountPoint(m.mount_point);
      for (const CrypttabEntry& c : mappings) {
        if (m.device == "/dev/mapper/" + c.name) {
          v.state = EncryptionState::kEncrypted;
          v.technology = CrypttabTechnology(c.options);
          matched.insert(c.name);
        }
      }
      facts.volumes.push_back(std::move(v));
    }
  }
  for (const CrypttabEntry& c : mappings) {
    if (matched.count(c.name) != 0) continue;
    EncryptedVolume v;
    v.device = "/dev/mapper/" + c.name;
    v.state = EncryptionState::kEncrypted;
    v.technology = CrypttabTechnology(c.options);
    facts.volumes.push_back(std::move(v));
  }
  return facts;
}

}  // namespace

DiskEncryptionFacts GatherDiskEncryption(const GatherContext& ctx) {
  if (!ctx.live_kernel) return GatherUnderRoot(ctx);
  DiskEncryptionFacts facts;
  Result<std::string> mounts = ReadFile("/proc/self/mounts", 16 << 20);
  if (!mounts.ok()) {
    facts.status = StatusFromError(mounts.status());
    return facts;
  }
  facts.status = OkStatus();
  std::set<std::string> seen_devices;
  std::set<std::string> crypt_mappings_listed;
  bool root_seen = false;
  for (const MountEntry& m : ParseMounts(*mounts)) {
    if (m.mount_point == "/") root_seen = true;
    const std::string name =
        StartsWith(m.device, "/dev/") ? KernelName(m.device) : "";
    if (name.empty()) {
      if (m.mount_point == "/") {
        // Containers: the root is an overlay whose disk we cannot see.
        EncryptedVolume v;
        v.device = m.device;
        v.mount_point = "/";
        v.system_volume = true;
        facts.volumes.push_back(std::move(v));
      }
      continue;
    }
    if (StartsWith(name, "loop") || StartsWith(name, "zram") ||
        StartsWith(name, "ram")) {
      continue;
    }
    if (!seen_devices.insert(name).second) {
      // Bind mounts repeat the device; still flag /home or / if it shows up.
      for (EncryptedVolume& v : facts.volumes) {
        if (v.device == m.device && IsSystemMountPoint(m.mount_point)) {
          v.system_volume = true;
        }
      }
      continue;
    }
    EncryptedVolume v;
    v.device = m.device;
    v.mount_point = m.mount_point;
    v.system_volume = IsSystemMountPoint(m.mount_point);
    v.size_bytes =
        ParseUint64(lu::ReadOptional("/sys/class/block/" + name + "/size"))
            .value_or(0) *
        512;
    v.removable = Removable(name);
    const CryptInfo crypt = FindCrypt(name, 0);
    if (crypt.technology.empty()) {
      v.state = EncryptionState::kNotEncrypted;
    } else {
      v.state = EncryptionState::kEncrypted;
      v.technology = crypt.technology;
      crypt_mappings_listed.insert(crypt.mapping);
      ApplyLuksHeader(crypt.backing, &v);
    }
    facts.volumes.push_back(std::move(v));
  }
  if (!root_seen) {
    EncryptedVolume v;
    v.mount_point = "/";
    v.system_volume = true;
    facts.volumes.push_back(std::move(v));
  }
  // Crypt mappings that hold no mounted filesystem (swap, LVM PVs).
  Result<std::vector<std::string>> blocks = lu::ListDirectory("/sys/block");
  if (blocks.ok()) {
    for (const std::string& name : *blocks) {
      if (!StartsWith(name, "dm-")) continue;
      const std::string tech = DmCryptTechnology(
          lu::ReadOptional("/sys/block/" + name + "/dm/uuid"));
      const std::string mapping =
          lu::ReadOptional("/sys/block/" + name + "/dm/name");
      if (tech.empty() || crypt_mappings_listed.count(mapping) != 0) continue;
      EncryptedVolume v;
      v.device = "/dev/mapper/" + mapping;
      v.state = EncryptionState::kEncrypted;
      v.technology = tech;
      v.size_bytes =
          ParseUint64(lu::ReadOptional("/sys/block/" + name + "/size"))
              .value_or(0) *
          512;
      const CryptInfo crypt = FindCrypt(name, 0);
      ApplyLuksHeader(crypt.backing, &v);
      facts.volumes.push_back(std::move(v));
    }
  }
  return facts;
}

}  // namespace mamori::facts
