#include "collector/pki/ca.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cctype>
#include <memory>

#include "collector/pki/crypto.h"

namespace mamori::pki {
namespace {

struct Deleters {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleters>;

constexpr int64_t kDay = 24 * 3600;

Status OpenSslError(std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int)
  if (code != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    message += ": ";
    message += text.data();
  }
  ERR_clear_error();
  return InternalError(std::move(message));
}

Owned<BIO> MemoryBio(std::string_view data) {
  return Owned<BIO>(
      BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  return std::string(data, static_cast<size_t>(size));
}

Result<Owned<EVP_PKEY>> NewKey() {
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("cannot generate an EC P-256 key");
  return key;
}

Result<std::string> KeyPem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                nullptr)) {
    return OpenSslError("cannot encode private key");
  }
  return BioText(bio.get());
}

Result<std::string> CertPem(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) {
    return OpenSslError("cannot encode certificate");
  }
  return BioText(bio.get());
}

Result<Owned<X509>> ParseCert(std::string_view pem) {
  Owned<BIO> bio = MemoryBio(pem);
  Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return InvalidArgumentError("not a PEM certificate");
  }
  return cert;
}

Result<Owned<EVP_PKEY>> ParseKey(std::string_view pem) {
  Owned<BIO> bio = MemoryBio(pem);
  Owned<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return InvalidArgumentError("not a PEM private key");
  }
  return key;
}

// A new certificate with a random 127-bit serial, the given subject CN and
// validity, not yet signed.
Result<Owned<X509>> NewCert(std::string_view common_name, TimePoint now,
                            int64_t valid_days) {
  Owned<X509> cert(X509_new());
  if (!cert) return OpenSslError("cannot allocate certificate");
  X509_set_version(cert.get(), 2);
  std::array<unsigned char, 16> serial{};
  if (RAND_bytes(serial.data(), serial.size()) != 1) {
    return OpenSslError("no random bytes for the serial number");
  }
  serial[0] &= 0x7f;  // positive
  Owned<BIGNUM> bn(BN_bin2bn(serial.data(), serial.size(), nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()))) {
    return OpenSslError("cannot set serial number");
  }
  // Backdate an hour so clocks a little behind ours still accept it.
  const time_t start = static_cast<time_t>(ToUnixSeconds(now) - 3600);
  const time_t end =
      static_cast<time_t>(ToUnixSeconds(now) + valid_days * kDay);
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), start) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), end)) {
    return OpenSslError("cannot set validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn(common_name);
  if (!X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0)) {
    return OpenSslError("cannot set subject");
  }
  return cert;
}

Status AddExtension(X509* cert, X509* issuer, int nid,
                    const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
    return OpenSslError("cannot add extension " + value);
  }
  return Status::Ok();
}

bool IsIpAddress(const std::string& name) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, name.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer.data()) == 1;
}

bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' &&
        c != '*') {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<KeyAndCert> CreateCa(std::string_view common_name, TimePoint now) {
  Result<Owned<EVP_PKEY>> key = NewKey();
  if (!key.ok()) return key.status();
  Result<Owned<X509>> cert = NewCert(common_name, now, 3650);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(c));
  if (!X509_set_pubkey(c, key->get())) return OpenSslError("cannot set key");
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, c, NID_subject_key_identifier, "hash"));
  if (!X509_sign(c, key->get(), EVP_sha256())) {
    return OpenSslError("cannot sign CA certificate");
  }
  KeyAndCert out;
  Result<std::string> key_pem = KeyPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  Result<std::string> cert_pem = CertPem(c);
  if (!cert_pem.ok()) return cert_pem.status();
  out.key_pem = std::move(key_pem).value();
  out.cert_pem = std::move(cert_pem).value();
  return out;
}

Result<KeyAndCert> IssueServerCert(const KeyAndCert& ca,
                                   const std::vector<std::string>& names,
                                   TimePoint now) {
  if (names.empty()) {
    return InvalidArgumentError(
        "the server certificate needs at least one name");
  }
  std::string san;
  for (const std::string& name : names) {
    if (!san.empty()) san += ',';
    if (IsIpAddress(name)) {
      san += "IP:" + name;
    } else if (IsDnsName(name)) {
      san += "DNS:" + name;
    } else {
      return InvalidArgumentError("'" + name +
                                  "' is neither an IP address nor a host name");
    }
  }
  Result<Owned<X509>> ca_cert = ParseCert(ca.cert_pem);
  if (!ca_cert.ok()) return ca_cert.status().WithContext("CA certificate");
  Result<Owned<EVP_PKEY>> ca_key = ParseKey(ca.key_pem);
  if (!ca_key.ok()) return ca_key.status().WithContext("CA key");

  Result<Owned<EVP_PKEY>> key = NewKey();
  if (!key.ok()) return key.status();
  Result<Owned<X509>> cert = NewCert(names.front(), now, 5 * 365);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get()));
  if (!X509_set_pubkey(c, key->get())) return OpenSslError("cannot set key");
  MAMORI_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_basic_constraints,
                                      "critical,CA:FALSE"));
  MAMORI_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_key_usage,
                                      "critical,digitalSignature"));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, ca_cert->get(), NID_ext_key_usage, "serverAuth"));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, ca_cert->get(), NID_subject_alt_name, san));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, ca_cert->get(), NID_authority_key_identifier, "keyid"));
  if (!X509_sign(c, ca_key->get(), EVP_sha256())) {
    return OpenSslError("cannot sign server certificate");
  }
  KeyAndCert out;
  Result<std::string> key_pem = KeyPem(key->get());
  if (!key_pem.ok()) return key_pem.status();
  Result<std::string> cert_pem = CertPem(c);
  if (!cert_pem.ok()) return cert_pem.status();
  out.key_pem = std::move(key_pem).value();
  out.cert_pem = std::move(cert_pem).value();
  return out;
}

Result<std::string> SignClientCsr(const KeyAndCert& ca,
                                  std::string_view csr_pem,
                                  std::string_view common_name, TimePoint now) {
  Owned<BIO> bio = MemoryBio(csr_pem);
  Owned<X509_REQ> csr(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!csr) {
    ERR_clear_error();
    return InvalidArgumentError("csr_pem is not a PEM certificate request");
  }
  EVP_PKEY* public_key = X509_REQ_get0_pubkey(csr.get());
  if (public_key == nullptr || X509_REQ_verify(csr.get(), public_key) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("csr_pem signature does not verify");
  }
  const int type = EVP_PKEY_get_base_id(public_key);
  const int bits = EVP_PKEY_get_bits(public_key);
  if (!((type == EVP_PKEY_EC && bits >= 256) ||
        (type == EVP_PKEY_RSA && bits >= 2048) || type == EVP_PKEY_ED25519)) {
    return InvalidArgumentError(
        "csr_pem key is too weak: use EC P-256 or RSA 2048 or stronger");
  }
  Result<Owned<X509>> ca_cert = ParseCert(ca.cert_pem);
  if (!ca_cert.ok()) return ca_cert.status().WithContext("CA certificate");
  Result<Owned<EVP_PKEY>> ca_key = ParseKey(ca.key_pem);
  if (!ca_key.ok()) return ca_key.status().WithContext("CA key");

  Result<Owned<X509>> cert = NewCert(common_name, now, 2 * 365);
  if (!cert.ok()) return cert.status();
  X509* c = cert->get();
  X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get()));
  if (!X509_set_pubkey(c, public_key)) return OpenSslError("cannot set key");
  MAMORI_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_basic_constraints,
                                      "critical,CA:FALSE"));
  MAMORI_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_key_usage,
                                      "critical,digitalSignature"));
  MAMORI_RETURN_IF_ERROR(
      AddExtension(c, ca_cert->get(), NID_ext_key_usage, "clientAuth"));
  if (!X509_sign(c, ca_key->get(), EVP_sha256())) {
    return OpenSslError("cannot sign client certificate");
  }
  return CertPem(c);
}

Result<std::string> CertificateSha256(std::string_view cert_pem) {
  Result<Owned<X509>> cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.status();
  unsigned char* der = nullptr;
  int length = i2d_X509(cert->get(), &der);
  if (length <= 0) return OpenSslError("cannot encode certificate");
  std::string hex = Sha256Hex(std::string_view(
      reinterpret_cast<const char*>(der), static_cast<size_t>(length)));
  OPENSSL_free(der);
  return hex;
}

std::string ColonFingerprint(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!out.empty()) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    if (i + 1 < hex.size()) {
      out += static_cast<char>(
          std::toupper(static_cast<unsigned char>(hex[i + 1])));
    }
  }
  return out;
}

}  // namespace mamori::pki
