#include "collector/pki/crypto.h"

#include <sodium.h>

#include <array>

namespace mamori::pki {

Status InitCrypto() {
  if (sodium_init() < 0) return InternalError("libsodium failed to start");
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return InternalError("password hashing ran out of memory");
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

}  // namespace mamori::pki
