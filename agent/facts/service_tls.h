#pragma once

// TLS probing for the service_exposure family, with OpenSSL: which protocol
// versions a service accepts, the DH group it picks, its certificate, and a
// TLS stream for the HTTPS probes. The weak-suite probe writes its own
// ClientHello (service_exposure.h) because OpenSSL 3 cannot offer RC4, export
// or NULL suites at all.
//
// Every handshake runs in its own SSL_CTX with security level 0 and every
// version enabled, so the probe can see what an old client would; nothing else
// in the agent shares these contexts. Certificates are never trusted for
// anything: the chain is verified only to report whether it reaches a system
// CA. Thread-safe (no shared state beyond OpenSSL's own).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/facts/probe_socket.h"
#include "agent/facts/service_exposure.h"

namespace mamori::facts {

// Where a probe connects and how long each step may take.
struct TlsTarget {
  std::string address;  // an address of this host
  uint32_t port = 0;
  std::chrono::milliseconds step{300};
  ProbeDeadline deadline;  // the service's whole budget
  TimePoint now;           // for the certificate's expiry verdicts
  // Run on each fresh connection before the ClientHello (RDP's X.224
  // negotiation); an error aborts the attempt as "not TLS". Empty: none.
  std::function<Status(ProbeStream&, ProbeDeadline)> prelude;
};

// The versions OpenSSL numbers them by (TLS1_VERSION …).
enum class TlsVersion { kAny, kTls10, kTls11, kTls12, kTls13 };

// One finished handshake.
struct TlsSession {
  std::string negotiated_version;  // "TLSv1.2"
  std::string cipher;              // OpenSSL's name
  uint32_t dh_bits = 0;            // finite-field DHE group size, else 0
};

// Outcome of one handshake attempt.
struct TlsAttempt {
  enum class Outcome {
    kAccepted,
    kRefused,      // the server answered with a TLS alert or closed
    kNotTls,       // the server answered with something that is not TLS
    kUnsupported,  // this OpenSSL cannot offer the version or suites
    kTimeout,
  } outcome = Outcome::kRefused;
  TlsSession session;
  std::string detail;  // OpenSSL's reason when not accepted
};

// Handshakes with `version` only (or any version), offering `ciphers` (an
// OpenSSL cipher string for TLS ≤ 1.2; empty = every suite at security level
// 0). When `certificate` is given and the handshake succeeds, fills it from
// the leaf and the chain the server sent.
TlsAttempt TryTlsHandshake(const TlsTarget& target, TlsVersion version,
                           std::string_view ciphers,
                           ServiceCertificate* certificate);

// Opens a TLS stream (any version) for HTTPS requests. Errors: those of the
// connection, or UNAVAILABLE naming OpenSSL's reason.
Result<std::unique_ptr<ProbeStream>> OpenTlsStream(const TlsTarget& target);

// Summarises a DER certificate: subject and issuer (RFC 2253), names (SAN DNS
// and IP entries, else the subject CN), self_signed (issuer = subject and the
// signature verifies with its own key), not_after, expired / expires_soon
// (≤ 30 days) relative to `now`, key type and bits. chained_to_system_ca is
// left for the caller. INVALID_ARGUMENT when `der` is not a certificate.
Result<ServiceCertificate> SummarizeCertificate(std::string_view der,
                                                TimePoint now);

}  // namespace mamori::facts
