#pragma once

// Trust on first use, pinned: how an agent that knows only the SHA-256
// fingerprint of the collector's CA certificate obtains that certificate.
//
// On `enroll --ca-sha256 FP` the agent opens a TLS connection to the collector
// without trusting anything, takes the certificate chain the server presents,
// and accepts a CA certificate from that chain only when (1) its SHA-256
// fingerprint (over the DER encoding, as `openssl x509 -noout -fingerprint
// -sha256` prints it) equals FP, (2) it is a CA certificate, and (3) the
// server's own certificate verifies against it for the host name dialled.
// The accepted CA is then stored under the state directory and used like
// `--ca FILE` from then on. The collector must therefore send its CA
// certificate in its TLS chain (leaf first, then the CA).
//
// Functions are thread-safe.

#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::transport {

// Normalises a fingerprint given as 64 hex digits, with or without colons,
// either case, optionally prefixed "sha256:" or "SHA256 Fingerprint=".
// Returns lower-case hex, or INVALID_ARGUMENT saying what was expected.
Result<std::string> NormaliseFingerprint(const std::string& text);

// Returns the lower-case hex SHA-256 of the first certificate in `pem`, or
// INVALID_ARGUMENT when `pem` holds no certificate.
Result<std::string> CertificateFingerprint(const std::string& pem);

// Connects to `host`:`port`, completes a TLS handshake without verifying,
// and returns the presented chain as PEM certificates (leaf first).
// UNAVAILABLE when the connection or handshake fails (the message says
// which), with a timeout of `timeout_seconds`.
Result<std::vector<std::string>> FetchServerChain(const std::string& host,
                                                  int port,
                                                  int timeout_seconds);

// Picks the CA certificate from `chain` (leaf first) whose fingerprint is
// `fingerprint` (normalised) and checks it as described above for `host`.
// Returns its PEM; PERMISSION_DENIED when no certificate matches or the
// checks fail (the message names the fingerprints seen).
Result<std::string> SelectPinnedCa(const std::vector<std::string>& chain,
                                   const std::string& fingerprint,
                                   const std::string& host);

// Splits "HOST:PORT" ("[::1]:50443" for IPv6). INVALID_ARGUMENT on junk.
Status SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace mamori::transport
