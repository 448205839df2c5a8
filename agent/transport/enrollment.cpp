#include "agent/transport/enrollment.h"

#include "agent/spool/spool.h"
#include "agent/transport/collector_client.h"
#include "agent/transport/tls_pin.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::transport {

Result<std::string> ResolveCa(const EnrollOptions& options) {
  if (!options.ca_file.empty()) {
    Result<std::string> pem = ReadFile(options.ca_file, 1 << 20);
    if (!pem.ok()) return pem.status().WithContext("--ca");
    if (!CertificateFingerprint(*pem).ok()) {
      return InvalidArgumentError("--ca " + options.ca_file +
                                  ": no PEM certificate in the file");
    }
    return pem;
  }
  Result<std::string> fingerprint = NormaliseFingerprint(options.ca_sha256);
  if (!fingerprint.ok()) return fingerprint.status();
  std::string host;
  int port = 0;
  MAMORI_RETURN_IF_ERROR(SplitHostPort(options.server, &host, &port));
  const int timeout_s = static_cast<int>(std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options.timeout)
             .count()));
  Result<std::vector<std::string>> chain =
      FetchServerChain(host, port, timeout_s);
  if (!chain.ok()) return chain.status();
  return SelectPinnedCa(*chain, *fingerprint, host);
}

Result<EnrollOutcome> Enroll(const EnrollOptions& options,
                             const mamori::v1::EndpointFacts& facts) {
  Result<std::string> ca = ResolveCa(options);
  if (!ca.ok()) return ca.status();
  Result<std::unique_ptr<CollectorClient>> client =
      CollectorClient::Create({.server = options.server,
                               .ca_pem = *ca,
                               .timeout = options.timeout,
                               .max_send_bytes = 1 << 20});
  if (!client.ok()) return client.status();

  mamori::v1::EnrollRequest request;
  request.set_token(options.token);
  *request.mutable_identity() = facts.identity();
  request.set_agent_version(facts.agent_version());
  request.set_os_name(facts.system().os_name());
  request.set_os_version(facts.system().os_version());
  // Re-enrolling with our state: prove the host we were, so the collector
  // re-attaches to it without relying on the identity (issue #13 point 2).
  if (Result<AgentIdentity> previous = LoadIdentity(options.state_dir);
      previous.ok() && previous->server == options.server &&
      !previous->host_id.empty() && !previous->node_key.empty()) {
    request.set_previous_host_id(previous->host_id);
    request.set_previous_node_key(previous->node_key);
  }
  Result<mamori::v1::EnrollResponse> response = (*client)->Enroll(request);
  if (!response.ok()) return response.status();
  if (response->host_id().empty() || response->node_key().empty()) {
    return InternalError("collector answered enroll without a host id or key");
  }

  EnrollOutcome outcome;
  outcome.identity = {.host_id = response->host_id(),
                      .node_key = response->node_key(),
                      .server = options.server,
                      .organization = response->organization()};
  outcome.reattached = response->reattached();
  outcome.clone_suspected = response->clone_suspected();
  outcome.possible_duplicate = response->possible_duplicate();
  outcome.ca_fingerprint = CertificateFingerprint(*ca).value_or("");

  MAMORI_RETURN_IF_ERROR(EnsureStateDir(options.state_dir));
  MAMORI_RETURN_IF_ERROR(WriteFileAtomically(CaPath(options.state_dir), *ca));
  MAMORI_RETURN_IF_ERROR(SaveIdentity(options.state_dir, outcome.identity));
  // Digests acknowledged for a previous identity mean nothing to this one.
  Result<std::unique_ptr<agent::Spool>> spool = agent::Spool::Open(
      SpoolPath(options.state_dir), {}, SystemClock::Instance());
  if (spool.ok()) {
    (void)(*spool)->ClearAckedParts();
  } else {
    MAMORI_LOG(kWarning) << spool.status().message();
  }
  return outcome;
}

}  // namespace mamori::transport
