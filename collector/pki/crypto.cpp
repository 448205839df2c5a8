#include "collector/pki/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <vector>

namespace mamori::pki {

Status InitCrypto() {
  if (sodium_init() < 0) return InternalError("libsodium failed to start");
  return Status::Ok();
}

std::string RandomSecret(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_encoded_len(bytes, variant), '\0');
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(), variant);
  text.resize(text.find('\0'));
  sodium_memzero(raw.data(), raw.size());
  return text;
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

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mamori::pki
