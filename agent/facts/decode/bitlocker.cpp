#include "agent/facts/decode/bitlocker.h"

namespace mamori::facts::win {

EncryptionState BitLockerState(std::optional<int64_t> conversion_status,
                               std::optional<int64_t> protection_status) {
  if (!conversion_status) return EncryptionState::kUnspecified;
  switch (*conversion_status) {
    case 0:
      return EncryptionState::kNotEncrypted;
    case 1:
      if (protection_status == 1) return EncryptionState::kEncrypted;
      if (protection_status == 0) return EncryptionState::kSuspended;
      return EncryptionState::kUnspecified;
    case 2:
    case 4:
      return EncryptionState::kEncrypting;
    case 3:
    case 5:
      return EncryptionState::kDecrypting;
    default:
      return EncryptionState::kUnspecified;
  }
}

std::string BitLockerMethod(int64_t encryption_method) {
  switch (encryption_method) {
    case 1:
      return "Aes128Diffuser";
    case 2:
      return "Aes256Diffuser";
    case 3:
      return "Aes128";
    case 4:
      return "Aes256";
    case 5:
      return "Hardware";
    case 6:
      return "XtsAes128";
    case 7:
      return "XtsAes256";
    default:
      return "";
  }
}

FirewallAction FirewallActionFromNetFw(int64_t action) {
  switch (action) {
    case 0:
      return FirewallAction::kDrop;
    case 1:
      return FirewallAction::kAccept;
    default:
      return FirewallAction::kUnspecified;
  }
}

}  // namespace mamori::facts::win
