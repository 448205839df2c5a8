// The system trust store for the TLS probe's chain verdict on Windows: the
// certificates of the machine's ROOT store (what Schannel, Edge and IIS
// clients trust), added to an OpenSSL X509_STORE. Built only with OpenSSL.
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

// clang-format off
#include <windows.h>
#include <wincrypt.h>
// clang-format on

#include "agent/facts/probe_socket.h"

namespace mamori::facts {

bool LoadSystemTrustStore(x509_store_st* store) {
  HCERTSTORE root = CertOpenSystemStoreW(0, L"ROOT");
  if (root == nullptr) return false;
  int added = 0;
  PCCERT_CONTEXT cert = nullptr;
  while ((cert = CertEnumCertificatesInStore(root, cert)) != nullptr) {
    const unsigned char* der = cert->pbCertEncoded;
    X509* x = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded));
    if (x == nullptr) continue;
    if (X509_STORE_add_cert(store, x) == 1) ++added;
    X509_free(x);
  }
  CertCloseStore(root, 0);
  return added > 0;
}

}  // namespace mamori::facts
