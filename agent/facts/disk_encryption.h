#pragma once

// The `disk_encryption` family: each mounted block filesystem (and each
// dm-crypt mapping) and whether it is LUKS/dm-crypt encrypted; root and /home
// are flagged system_volume.
//
// Live sources: /proc/self/mounts, /sys/block/*/dm/uuid (CRYPT-LUKS1-,
// CRYPT-LUKS2-, CRYPT-PLAIN-, ... prefixes) walking `slaves/` so LVM on LUKS
// counts as encrypted, size from /sys, and the LUKS version and cipher from
// the on-disk header of the mapping's backing device when readable (root).
// /etc/crypttab names the configured mappings. Under --root only crypttab and
// fstab can be read: mappings in crypttab are listed as encrypted, and fstab
// mount points on /dev/mapper/<name> are matched to them; other fstab entries
// are listed with state unspecified (not known), never "not encrypted".
// A root filesystem that is not a block device (overlay in a container) is
// listed with state unspecified. Parsers are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class EncryptionState : int {
  kUnspecified = 0,
  kEncrypted = 1,
  kNotEncrypted = 2,
  kEncrypting = 3,
  kDecrypting = 4,
  kSuspended = 5,
};
std::string_view EnumName(EncryptionState state);

// Mirrors mamori.v1.EncryptedVolume.
struct EncryptedVolume {
  std::string device;
  std::string mount_point;
  EncryptionState state = EncryptionState::kUnspecified;
  std::string technology;
  std::string method;
  uint64_t size_bytes = 0;
  bool system_volume = false;
  bool removable = false;
};

template <typename V>
void VisitFields(const EncryptedVolume& f, V& v) {
  v("device", f.device);
  v("mount_point", f.mount_point);
  v("state", f.state);
  v("technology", f.technology);
  v("method", f.method);
  v("size_bytes", f.size_bytes);
  v("system_volume", f.system_volume);
  v("removable", f.removable);
}

// Mirrors mamori.v1.DiskEncryptionFacts.
struct DiskEncryptionFacts {
  CollectionStatus status;
  std::vector<EncryptedVolume> volumes;
};

template <typename V>
void VisitFields(const DiskEncryptionFacts& f, V& v) {
  v("status", f.status);
  v("volumes", f.volumes);
}

// Collects the family. Never throws; failures are in `status`.
DiskEncryptionFacts GatherDiskEncryption(const GatherContext& ctx);

struct MountEntry {
  std::string device;
  std::string mount_point;
  std::string fs_type;
};

// Parses /proc/self/mounts or /etc/fstab (octal escapes like \040 decoded;
// comments skipped).
std::vector<MountEntry> ParseMounts(std::string_view text);

struct CrypttabEntry {
  std::string name;     // mapping name (/dev/mapper/<name>)
  std::string device;   // "UUID=...", "/dev/sda3"
  std::string options;  // "luks,discard"
};

// Parses /etc/crypttab (name device [keyfile [options]]).
std::vector<CrypttabEntry> ParseCrypttab(std::string_view text);

// Returns the technology named by a crypttab options field: "luks" (default
// when no type option), "dm-crypt" for plain, "tcrypt", "bitlk".
std::string CrypttabTechnology(std::string_view options);

// Returns the technology of a device-mapper uuid ("CRYPT-LUKS2-..." → "luks2",
// "CRYPT-PLAIN-..." → "dm-crypt", "CRYPT-BITLK-" → "bitlk"), or "" when the
// mapping is not dm-crypt.
std::string DmCryptTechnology(std::string_view dm_uuid);

struct LuksHeader {
  int version = 0;     // 1 or 2
  std::string cipher;  // "aes-xts-plain64"
};

// Parses the start of a LUKS device (at least 592 bytes for LUKS1; LUKS2
// needs the JSON area, read up to 16 KiB + 4 KiB). Returns INVALID_ARGUMENT
// when the magic is missing or the header is truncated; the cipher is ""
// when the LUKS2 JSON cannot be read.
Result<LuksHeader> ParseLuksHeader(std::string_view bytes);

// True for the mount points flagged system_volume: "/" and "/home".
bool IsSystemMountPoint(std::string_view mount_point);

}  // namespace mamori::facts
