#include "collector/pki/signing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "collector/pki/crypto.h"
#include "common/sha256.h"
#include "common/text.h"

namespace mamori::pki {

namespace {

constexpr std::string_view kSecretTag = "mamori-ed25519-secret-v1";
constexpr std::string_view kPublicTag = "mamori-ed25519-public-v1";

}  // namespace

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Result<SigningKey> CreateSigningKey(const std::string& path) {
  MAMORI_RETURN_IF_ERROR(InitCrypto());
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  SigningKey key{std::string(reinterpret_cast<char*>(sk), sizeof sk),
                 std::string(reinterpret_cast<char*>(pk), sizeof pk)};
  sodium_memzero(sk, sizeof sk);
  const std::string text =
      std::string(kSecretTag) + " " + ToHex(key.secret) + "\n";
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    if (e == EEXIST) return AlreadyExistsError(path + " already exists");
    return InternalError("cannot create " + path + ": " + std::strerror(e));
  }
  const ssize_t n = ::write(fd, text.data(), text.size());
  const bool ok = n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return InternalError("cannot write " + path);
  return key;
}

Result<SigningKey> LoadSigningKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFoundError(path + " does not exist");
    return InternalError("cannot stat " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDeniedError(
        path + " is readable by others; it must be mode 0600 (chmod 600)");
  }
  auto text = ReadFile(path, 4096);
  if (!text.ok()) return text.status();
  const auto fields = SplitWhitespace(*text);
  if (fields.size() != 2 || fields[0] != kSecretTag) {
    return InvalidArgumentError(path + ": expected \"" +
                                std::string(kSecretTag) + " <hex>\"");
  }
  auto secret = FromHex(fields[1]);
  if (!secret || secret->size() != crypto_sign_SECRETKEYBYTES) {
    return InvalidArgumentError(path + ": the key is not 64 bytes of hex");
  }
  SigningKey key;
  key.secret = *secret;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(
      pk, reinterpret_cast<const unsigned char*>(key.secret.data()));
  key.public_key.assign(reinterpret_cast<char*>(pk), sizeof pk);
  return key;
}

Result<SigningKey> LoadOrCreateSigningKey(const std::string& path,
                                          bool* created) {
  *created = false;
  auto key = LoadSigningKey(path);
  if (key.ok() || key.status().code() != StatusCode::kNotFound) return key;
  *created = true;
  return CreateSigningKey(path);
}

std::string Sign(const SigningKey& key, std::string_view message) {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(
      sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
      message.size(),
      reinterpret_cast<const unsigned char*>(key.secret.data()));
  return std::string(reinterpret_cast<char*>(sig), sizeof sig);
}

bool VerifySignature(std::string_view public_key, std::string_view message,
                     std::string_view signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES ||
      signature.size() != crypto_sign_BYTES ||
      InitCrypto().code() != StatusCode::kOk) {
    return false;
  }
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

std::string PublicKeyFingerprint(std::string_view public_key) {
  return "SHA256:" + Sha256Hex(public_key);
}

std::string PublicKeyText(std::string_view public_key) {
  return std::string(kPublicTag) + " " + ToHex(public_key) + "\n";
}

Result<std::string> ParsePublicKeyText(std::string_view text) {
  auto fields = SplitWhitespace(text);
  // The bare hex that `init` prints is accepted too.
  if (fields.size() == 1) fields.insert(fields.begin(), kPublicTag);
  if (fields.size() != 2 || fields[0] != kPublicTag) {
    return InvalidArgumentError("expected \"" + std::string(kPublicTag) +
                                " <64 hex digits>\"");
  }
  auto key = FromHex(fields[1]);
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgumentError("the public key is not 32 bytes of hex");
  }
  return *key;
}

}  // namespace mamori::pki
