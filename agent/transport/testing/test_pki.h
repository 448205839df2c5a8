#pragma once

// TestPki: a throw-away certificate authority for tests, generated in memory
// with OpenSSL (ECDSA P-256): a CA certificate and a server certificate for
// localhost/127.0.0.1 signed by it. Test-only; thread-safe after
// construction (read-only).

#include <string>
#include <vector>

namespace mamori::transport::testing {

struct TestPki {
  std::string ca_cert_pem;
  std::string ca_key_pem;
  std::string server_cert_pem;  // leaf only
  std::string server_key_pem;

  // Leaf followed by the CA, as a collector should serve it.
  std::string ServerChainPem() const { return server_cert_pem + ca_cert_pem; }
};

// Generates a fresh PKI whose CA is named `ca_name` and whose server
// certificate covers `names` (DNS names, or IP addresses written as such).
// Aborts the test process on an OpenSSL failure (a broken test setup).
TestPki MakeTestPki(const std::string& ca_name = "mamori test CA",
                    const std::vector<std::string>& names = {"localhost",
                                                             "127.0.0.1"});

}  // namespace mamori::transport::testing
