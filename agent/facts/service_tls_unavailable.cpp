// service_tls.h for builds without OpenSSL (today: the mingw cross build,
// until issue #18 provides OpenSSL for it). Nothing is pretended: every TLS
// attempt says "unsupported", so the probe reports a TLS service as TLS with
// probe_state "error" and no versions or certificate, which the checks read
// as unknown, never as a pass.
#include "agent/facts/service_tls.h"

namespace mamori::facts {

namespace {
constexpr char kWhy[] =
    "this build has no OpenSSL (TLS versions and certificates not probed)";
}  // namespace

TlsAttempt TryTlsHandshake(const TlsTarget&, TlsVersion, std::string_view,
                           ServiceCertificate*) {
  TlsAttempt attempt;
  attempt.outcome = TlsAttempt::Outcome::kUnsupported;
  attempt.detail = kWhy;
  return attempt;
}

Result<std::unique_ptr<ProbeStream>> OpenTlsStream(const TlsTarget&) {
  return UnimplementedError(kWhy);
}

Result<ServiceCertificate> SummarizeCertificate(std::string_view, TimePoint) {
  return UnimplementedError(kWhy);
}

}  // namespace mamori::facts
