#pragma once

// Digests, random secrets and password hashing for the collector, over
// OpenSSL (SHA-256, random bytes: secrets.cpp) and libsodium (Argon2id
// password hashes: crypto.cpp).
// All functions are thread-safe. InitCrypto() must run once before the
// random and password functions (it is cheap and idempotent).

#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace mamori::pki {

// Initialises libsodium. Returns INTERNAL when the library cannot start.
Status InitCrypto();

// Lower-case hex SHA-256 of `data` (64 characters).
using ::mamori::Sha256Hex;

// `bytes` random bytes as URL-safe base64 without padding.
std::string RandomSecret(size_t bytes);

// Argon2id hash in libsodium's self-describing string form.
// INTERNAL when memory for hashing cannot be had.
Result<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash` from HashPassword.
bool VerifyPassword(std::string_view password, const std::string& hash);

// Compares two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace mamori::pki
