// RandomSecret and ConstantTimeEquals over OpenSSL alone, apart from the
// libsodium password hashes in crypto.cpp: the store needs only these two,
// and the self-check's SQLite-only engine (collector/selfcheck/) is built for
// Windows, where the agent's libraries have OpenSSL and no libsodium.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "collector/pki/crypto.h"

namespace mamori::pki {

std::string RandomSecret(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // No secret is better than a guessable one (a seeded CSPRNG does not
    // fail; a broken one must not hand out tokens).
    std::abort();
  }
  // Standard base64 (4 characters per 3 bytes, NUL-terminated), then the
  // URL-safe alphabet without padding.
  std::string text(4 * ((bytes + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), raw.data(),
                      static_cast<int>(raw.size()));
  text.resize(static_cast<size_t>(written));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  OPENSSL_cleanse(raw.data(), raw.size());
  return text;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mamori::pki
