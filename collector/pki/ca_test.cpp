#include "collector/pki/ca.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mamori::pki {
namespace {

const TimePoint kNow = FromUnixSeconds(1'763'900'000);

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr Parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

// Verifies `leaf` against `ca` at kNow for `purpose`; returns OpenSSL's
// verdict (X509_V_OK on success).
int Verify(const std::string& ca, const std::string& leaf, int purpose) {
  X509Ptr ca_cert = Parse(ca);
  X509Ptr leaf_cert = Parse(leaf);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca_cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert.get(), nullptr);
  X509_STORE_CTX_set_time(ctx, 0, static_cast<time_t>(ToUnixSeconds(kNow)));
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int ok = X509_verify_cert(ctx);
  int error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return error;
}

std::string MakeCsr(const char* curve_or_rsa) {
  EVP_PKEY* key = std::string(curve_or_rsa) == "rsa1024"
                      ? EVP_RSA_gen(1024)
                      : EVP_EC_gen(curve_or_rsa);
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, key);
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("evil"), -1,
                             -1, 0);
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return pem;
}

TEST(CaTest, ServerCertificateChainsToCaWithSans) {
  Result<KeyAndCert> ca = CreateCa("mamori test CA", kNow);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_NE(ca->key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  Result<KeyAndCert> server = IssueServerCert(
      *ca, {"localhost", "127.0.0.1", "::1", "collector.example"}, kNow);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(Verify(ca->cert_pem, server->cert_pem, X509_PURPOSE_SSL_SERVER),
            X509_V_OK);

  X509Ptr cert = Parse(server->cert_pem);
  EXPECT_EQ(X509_check_host(cert.get(), "collector.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "other.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 0);

  // Another CA's server certificate does not verify against ours.
  Result<KeyAndCert> other = CreateCa("other CA", kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(Verify(other->cert_pem, server->cert_pem, X509_PURPOSE_SSL_SERVER),
            X509_V_OK);
}

TEST(CaTest, RejectsBadNames) {
  Result<KeyAndCert> ca = CreateCa("ca", kNow);
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(IssueServerCert(*ca, {}, kNow).status().code(),
            StatusCode::kInvalidArgument);
  Result<KeyAndCert> bad = IssueServerCert(*ca, {"bad name;rm"}, kNow);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad name;rm"), std::string::npos);
}

TEST(CaTest, SignsClientCsrWithHostIdAsSubject) {
  Result<KeyAndCert> ca = CreateCa("ca", kNow);
  ASSERT_TRUE(ca.ok());
  Result<std::string> client = SignClientCsr(*ca, MakeCsr("P-256"), "42", kNow);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ(Verify(ca->cert_pem, *client, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  X509Ptr cert = Parse(*client);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName,
                            cn, sizeof(cn));
  EXPECT_STREQ(cn, "42");

  EXPECT_EQ(SignClientCsr(*ca, "garbage", "42", kNow).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SignClientCsr(*ca, MakeCsr("rsa1024"), "42", kNow).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CaTest, FingerprintIsSha256OfDer) {
  Result<KeyAndCert> ca = CreateCa("ca", kNow);
  Result<KeyAndCert> other = CreateCa("ca", kNow);
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(other.ok());
  Result<std::string> a = CertificateSha256(ca->cert_pem);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(*a, *CertificateSha256(ca->cert_pem));
  EXPECT_NE(*a, *CertificateSha256(other->cert_pem));

  X509Ptr cert = Parse(ca->cert_pem);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &len);
  char first[3];
  snprintf(first, sizeof(first), "%02x", md[0]);
  EXPECT_EQ(a->substr(0, 2), first);
  EXPECT_EQ(ColonFingerprint("ab01ff"), "AB:01:FF");
  EXPECT_EQ(CertificateSha256("nope").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mamori::pki
