#include "agent/transport/testing/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>

namespace mamori::transport::testing {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test PKI: %s failed\n", what);
    std::abort();
  }
}

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* NewCert(const std::string& cn, EVP_PKEY* key, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  return cert;
}

}  // namespace

TestPki MakeTestPki(const std::string& ca_name,
                    const std::vector<std::string>& names) {
  static long serial = 1;
  TestPki pki;
  EVP_PKEY* ca_key = NewKey();
  X509* ca = NewCert(ca_name, ca_key, serial++);
  X509_set_issuer_name(ca, X509_get_subject_name(ca));
  AddExt(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(ca, ca, NID_subject_key_identifier, "hash");
  Check(X509_sign(ca, ca_key, EVP_sha256()) > 0, "sign CA");

  EVP_PKEY* key = NewKey();
  X509* leaf = NewCert(names.empty() ? "server" : names[0], key, serial++);
  X509_set_issuer_name(leaf, X509_get_subject_name(ca));
  std::string san;
  for (const std::string& n : names) {
    bool ip = n.find_first_not_of("0123456789.") == std::string::npos ||
              n.find(':') != std::string::npos;
    san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
  }
  AddExt(leaf, ca, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(leaf, ca, NID_ext_key_usage, "serverAuth");
  if (!san.empty()) AddExt(leaf, ca, NID_subject_alt_name, san);
  AddExt(leaf, ca, NID_authority_key_identifier, "keyid");
  Check(X509_sign(leaf, ca_key, EVP_sha256()) > 0, "sign leaf");

  pki.ca_cert_pem = CertPem(ca);
  pki.ca_key_pem = KeyPem(ca_key);
  pki.server_cert_pem = CertPem(leaf);
  pki.server_key_pem = KeyPem(key);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
  return pki;
}

}  // namespace mamori::transport::testing
