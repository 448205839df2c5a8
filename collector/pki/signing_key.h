#pragma once

// The collector's evidence signing key (#15): an Ed25519 key pair (libsodium)
// kept at DIR/pki/signing.key (0600), made by `init` (or by the first
// `evidence export` on an older data directory). Evidence packs carry a
// detached signature of their manifest and the public key; a third party
// compares the key's fingerprint with the one `init` printed.
//
// File format: one line "mamori-ed25519-secret-v1 <128 hex digits>\n" (the
// 64-byte libsodium secret key, which contains the public key).
// Thread-safe (no shared state).

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mamori::pki {

inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kPublicKeyBytes = 32;

struct SigningKey {
  std::string secret;      // 64 bytes
  std::string public_key;  // 32 bytes
};

// Creates a new key at `path` (mode 0600, refusing to overwrite: ALREADY_
// EXISTS). Returns the key.
Result<SigningKey> CreateSigningKey(const std::string& path);
// Reads the key at `path`. NOT_FOUND when absent; INVALID_ARGUMENT naming
// the file when it is malformed; PERMISSION_DENIED when it is readable by
// group or others (mode must be 0600 or stricter).
Result<SigningKey> LoadSigningKey(const std::string& path);
// LoadSigningKey, or CreateSigningKey when the file is absent; `created`
// tells which.
Result<SigningKey> LoadOrCreateSigningKey(const std::string& path,
                                          bool* created);

// Detached Ed25519 signature (64 bytes) of `message`.
std::string Sign(const SigningKey& key, std::string_view message);
// True when `signature` is `public_key`'s signature of `message`.
bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature);

// "SHA256:" + hex SHA-256 of the 32-byte public key.
std::string PublicKeyFingerprint(std::string_view public_key);

// Public key file text: "mamori-ed25519-public-v1 <64 hex digits>\n".
std::string PublicKeyText(std::string_view public_key);
// Parses PublicKeyText, or the bare 64 hex digits `init` prints
// (surrounding white space allowed). INVALID_ARGUMENT
// saying what is wrong.
Result<std::string> ParsePublicKeyText(std::string_view text);

std::string ToHex(std::string_view bytes);
// nullopt on odd length or a non-hex digit.
std::optional<std::string> FromHex(std::string_view hex);

}  // namespace mamori::pki
