#pragma once

// Win32_EncryptableVolume numbers → EncryptedVolume fields, and Windows
// Firewall profile values → FirewallAction. Pure; tested on Linux and under
// Wine. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "agent/facts/disk_encryption.h"
#include "agent/facts/firewall.h"

namespace mamori::facts::win {

// ConversionStatus (0 fully decrypted … 5 decryption paused) and
// ProtectionStatus (0 off, 1 on, 2 unknown/locked) → state. Fully encrypted
// with protection off is SUSPENDED (BitLocker keeps the key in clear);
// a paused conversion counts as its direction. Unknown numbers →
// kUnspecified.
EncryptionState BitLockerState(std::optional<int64_t> conversion_status,
                               std::optional<int64_t> protection_status);

// EncryptionMethod number → name ("XtsAes256"); "" for 0 (none) and unknown.
std::string BitLockerMethod(int64_t encryption_method);

// NET_FW_ACTION (0 block, 1 allow) → FirewallAction (block is DROP: Windows
// Firewall silently discards).
FirewallAction FirewallActionFromNetFw(int64_t action);

}  // namespace mamori::facts::win
