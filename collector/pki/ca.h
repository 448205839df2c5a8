#pragma once

// The collector's private PKI over OpenSSL libcrypto: a self-signed CA, the
// server certificate it signs (SANs from the names and IPs the collector is
// reached by), client certificates signed from agents' CSRs (mTLS), and the
// CA fingerprint agents pin with `--ca-sha256`.
//
// Keys are EC P-256. PEM text in and out; nothing here touches files.
// Thread-safe: no shared state.

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::pki {

struct KeyAndCert {
  std::string key_pem;   // PKCS#8 private key; write it 0600
  std::string cert_pem;  // X.509 certificate
};

// A new CA valid for 10 years from `now`. INTERNAL on an OpenSSL failure.
Result<KeyAndCert> CreateCa(std::string_view common_name, TimePoint now);

// A server certificate for `names` (each an IPv4/IPv6 address → IP SAN, or
// a DNS name), signed by `ca`, valid for 5 years. INVALID_ARGUMENT when
// `names` is empty or a name is not a plausible host name.
Result<KeyAndCert> IssueServerCert(const KeyAndCert& ca,
                                   const std::vector<std::string>& names,
                                   TimePoint now);

// Signs the agent's CSR as a client certificate (clientAuth) whose subject
// CN is `common_name` (the host id): the requested subject is ignored. Valid
// for 2 years. INVALID_ARGUMENT when the CSR does not parse, its signature is
// wrong, or its key is weaker than P-256 / RSA-2048.
Result<std::string> SignClientCsr(const KeyAndCert& ca,
                                  std::string_view csr_pem,
                                  std::string_view common_name, TimePoint now);

// Lower-case hex SHA-256 of the certificate's DER encoding (64 characters,
// no colons). INVALID_ARGUMENT when `cert_pem` holds no certificate.
Result<std::string> CertificateSha256(std::string_view cert_pem);

// Formats a fingerprint as colon-separated upper-case pairs ("AB:CD:…"),
// the way `openssl x509 -fingerprint -sha256` prints it.
std::string ColonFingerprint(std::string_view hex);

}  // namespace mamori::pki
