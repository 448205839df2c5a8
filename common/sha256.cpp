#include "common/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

namespace mamori {
namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up in the provider
// tables on every call (EVP_MD_fetch), which cost more than hashing a small
// message: the collector hashes every family of every report. The algorithm
// is fetched once per process.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

// One context per call, not one per thread: a thread_local with a
// destructor is freed before its destructor runs when a thread ends on
// mingw-w64 (GCC's emulated TLS; GCC PR 80816), which crashed the Windows
// agent's gRPC threads at exit. A context costs one allocation.
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::unique_ptr<EVP_MD_CTX, ContextFree> owned(EVP_MD_CTX_new());
  EVP_MD_CTX* context = owned.get();
  unsigned int length = 0;
  if (context == nullptr ||
      EVP_DigestInit_ex(context, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(context, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest, &length) != 1 ||
      length != SHA256_DIGEST_LENGTH) {
    // Out of memory for the context: the one-shot call allocates its own.
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * SHA256_DIGEST_LENGTH, '\0');
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace mamori
