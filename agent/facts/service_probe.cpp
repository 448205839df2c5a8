// The service_exposure probe sequence and its daily cache (see the header).
#include "agent/facts/service_probe.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "agent/facts/json_reader.h"
#include "agent/facts/json_writer.h"
#include "agent/facts/probe_socket.h"
#include "agent/facts/service_tls.h"
#include "agent/platform/files.h"

namespace mamori::facts {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxResponseBytes = 64 * 1024;
constexpr std::string_view kCacheFormat = "service-exposure-cache-1";
constexpr uint64_t kMaxCacheBytes = 8ull << 20;

ProbeDeadline StepDeadline(const ProbeLimits& limits,
                           ProbeDeadline service_deadline) {
  return std::min(SteadyClock::now() + limits.step, service_deadline);
}

// Reads until the peer closes, `max` bytes arrive, `stop_at` is found, or the
// deadline passes; what arrived is kept either way.
Status ReadResponse(ProbeStream& stream, std::string* out,
                    ProbeDeadline deadline, std::string_view stop_at = {}) {
  while (out->size() < kMaxResponseBytes) {
    const size_t before = out->size();
    Status st =
        stream.ReceiveSome(out, kMaxResponseBytes - out->size(), deadline);
    if (!st.ok()) return out->empty() ? st : Status();
    if (out->size() == before) return Status();  // closed
    if (!stop_at.empty() && out->find(stop_at) != std::string::npos)
      return Status();
    if (SteadyClock::now() >= deadline) return Status();
  }
  return Status();
}

// One HTTP exchange on a fresh connection (plain or TLS). Returns the raw
// response (head and up to 64 KiB of body).
using StreamOpener =
    std::function<Result<std::unique_ptr<ProbeStream>>(ProbeDeadline)>;

Result<std::string> HttpExchange(const StreamOpener& open,
                                 const ExposedService& svc,
                                 std::string_view path,
                                 const ProbeLimits& limits,
                                 ProbeDeadline service_deadline) {
  Result<std::unique_ptr<ProbeStream>> stream =
      open(StepDeadline(limits, service_deadline));
  if (!stream.ok()) return stream.status();
  const ProbeDeadline deadline = StepDeadline(limits, service_deadline);
  Status sent = (*stream)->Send(BuildHttpGet(svc.probe_address, svc.port, path),
                                deadline);
  if (!sent.ok()) return sent;
  std::string response;
  Status read = ReadResponse(**stream, &response, deadline);
  if (!read.ok()) return read;
  return response;
}

// Judges the response to "GET /" and asks the admin paths; fills svc->http.
// INVALID_ARGUMENT when `root` is not an HTTP response.
Status ProbeHttp(const StreamOpener& open, std::string_view root, bool over_tls,
                 ExposedService* svc, const ProbeLimits& limits,
                 ProbeDeadline service_deadline) {
  Result<HttpResponseHead> head = ParseHttpResponseHead(root);
  if (!head.ok()) return head.status();
  ServiceHttp http;
  JudgeHttpHeaders(*head, over_tls, &http);
  for (std::string_view path : AdminPaths()) {
    if (SteadyClock::now() >= service_deadline) break;
    Result<std::string> page =
        HttpExchange(open, *svc, path, limits, service_deadline);
    if (!page.ok()) continue;
    Result<HttpResponseHead> page_head = ParseHttpResponseHead(*page);
    if (!page_head.ok()) continue;
    const size_t body = page->find("\r\n\r\n");
    const std::string_view body_text =
        body == std::string::npos ? std::string_view()
                                  : std::string_view(*page).substr(body + 4);
    if (LooksLikeLoginPage(*page_head, body_text))
      http.admin_paths.emplace_back(path);
    // An NTLM challenge may be on a protected path only.
    ServiceHttp page_verdicts;
    JudgeHttpHeaders(*page_head, over_tls, &page_verdicts);
    http.ntlm_offered = http.ntlm_offered || page_verdicts.ntlm_offered;
  }
  svc->http = std::move(http);
  return Status();
}

// Sends our identification line, reads the server's KEXINIT after its own
// line (`first` holds what the server sent so far).
Status ProbeSsh(ProbeSocket& socket, std::string first, ExposedService* svc,
                const ProbeLimits& limits, ProbeDeadline service_deadline) {
  ServiceSsh ssh;
  // The server may send lines before its identification (RFC 4253 §4.2).
  size_t line_start = 0;
  for (;;) {
    const size_t eol = first.find('\n', line_start);
    if (eol == std::string::npos) {
      if (first.size() > 8192)
        return InvalidArgumentError("SSH banner longer than 8 KiB");
      Status st = socket.ReceiveSome(&first, 8192,
                                     StepDeadline(limits, service_deadline));
      if (!st.ok()) return st;
      continue;
    }
    if (StartsWith(std::string_view(first).substr(line_start), "SSH-")) {
      Status parsed =
          ParseSshBanner(std::string_view(first).substr(line_start), &ssh);
      if (!parsed.ok()) return parsed;
      first.erase(0, eol + 1);
      break;
    }
    line_start = eol + 1;
  }
  Status sent = socket.Send("SSH-2.0-mamori_probe\r\n",
                            StepDeadline(limits, service_deadline));
  if (!sent.ok()) return sent;
  for (;;) {
    Result<SshKexInit> kex = ParseSshKexInitPacket(first);
    if (kex.ok()) {
      JudgeSshKexInit(*kex, &ssh);
      break;
    }
    if (kex.status().code() != StatusCode::kUnavailable) return kex.status();
    const size_t before = first.size();
    Status st = socket.ReceiveSome(&first, 300 * 1024,
                                   StepDeadline(limits, service_deadline));
    if (!st.ok()) return st;
    if (first.size() == before)
      return UnavailableError("SSH server closed before KEXINIT");
  }
  svc->kind = "ssh";
  svc->ssh = std::move(ssh);
  return Status();
}

// The weak-suite probe: offer only WeakTlsSuites(); while the server picks
// one, record it and offer the rest again.
std::vector<std::string> ProbeWeakSuites(const ExposedService& svc,
                                         const TlsTarget& target,
                                         const ProbeLimits& limits,
                                         ProbeDeadline service_deadline) {
  std::vector<uint16_t> offer;
  for (const TlsSuite& s : WeakTlsSuites()) offer.push_back(s.id);
  std::vector<std::string> accepted;
  const std::string random(32, '\x5a');
  while (!offer.empty() && SteadyClock::now() < service_deadline) {
    Result<std::unique_ptr<ProbeSocket>> socket = ConnectProbeSocket(
        svc.probe_address, svc.port, StepDeadline(limits, service_deadline));
    if (!socket.ok()) break;
    const ProbeDeadline deadline = StepDeadline(limits, service_deadline);
    if (target.prelude && !target.prelude(**socket, deadline).ok()) break;
    if (!(*socket)->Send(BuildTlsClientHello(offer, "", random), deadline).ok())
      break;
    std::string reply;
    Result<TlsServerAnswer> answer = UnavailableError("no reply");
    while (SteadyClock::now() < deadline) {
      const size_t before = reply.size();
      if (!(*socket)->ReceiveSome(&reply, 16384, deadline).ok() ||
          reply.size() == before)
        break;
      answer = ParseTlsServerAnswer(reply);
      if (answer.status().code() != StatusCode::kUnavailable) break;
    }
    if (!answer.ok() || answer->kind != TlsServerAnswer::Kind::kServerHello)
      break;
    const auto chosen =
        std::find(offer.begin(), offer.end(), answer->cipher_suite);
    if (chosen == offer.end()) break;  // a suite we did not offer: stop
    accepted.push_back(TlsSuiteName(answer->cipher_suite));
    offer.erase(chosen);
  }
  return accepted;
}

// True when the service answers a TLS 1.2 ClientHello (common suites) with a
// TLS record (a ServerHello or an alert).
bool SpeaksTls(const ExposedService& svc, const ProbeLimits& limits,
               ProbeDeadline service_deadline) {
  Result<std::unique_ptr<ProbeSocket>> socket = ConnectProbeSocket(
      svc.probe_address, svc.port, StepDeadline(limits, service_deadline));
  if (!socket.ok()) return false;
  const ProbeDeadline deadline = StepDeadline(limits, service_deadline);
  const std::vector<uint16_t> common = {0xC02F, 0xC030, 0xC02B, 0xC02C,
                                        0x009C, 0x009D, 0x002F, 0x0035};
  if (!(*socket)
           ->Send(BuildTlsClientHello(common, "", std::string(32, '\x5a')),
                  deadline)
           .ok()) {
    return false;
  }
  std::string reply;
  if (!(*socket)->ReceiveSome(&reply, 16384, deadline).ok()) return false;
  return ParseTlsServerAnswer(reply).status().code() !=
             StatusCode::kInvalidArgument &&
         LooksLikeTlsRecord(reply);
}

// Sends an X.224 Connection Request asking for `protocols` and reads the
// Connection Confirm (bounded by `deadline` and 512 bytes).
Result<RdpNegotiation> RdpNegotiate(ProbeStream& stream, uint32_t protocols,
                                    ProbeDeadline deadline) {
  Status sent = stream.Send(BuildRdpConnectionRequest(protocols), deadline);
  if (!sent.ok()) return sent;
  std::string reply;
  while (true) {
    const size_t before = reply.size();
    Status st = stream.ReceiveSome(&reply, 512 - reply.size(), deadline);
    if (!st.ok()) return st;
    if (reply.size() == before) {
      return InvalidArgumentError(
          reply.empty() ? "not RDP: closed without a Connection Confirm"
                        : "not RDP: closed inside a Connection Confirm");
    }
    Result<RdpNegotiation> neg = ParseRdpConnectionConfirm(reply);
    if (neg.status().code() != StatusCode::kUnavailable) return neg;
    if (reply.size() >= 512) {
      return InvalidArgumentError("not RDP: Connection Confirm over 512 bytes");
    }
  }
}

// The prelude that turns a fresh connection into one where TLS starts:
// TLS or CredSSP offered, and the server must select one of those that
// begin with a TLS handshake.
Status RdpTlsPrelude(ProbeStream& stream, ProbeDeadline deadline) {
  Result<RdpNegotiation> neg =
      RdpNegotiate(stream, kRdpProtocolSsl | kRdpProtocolHybrid, deadline);
  if (!neg.ok()) return neg.status();
  if (neg->kind != RdpNegotiation::Kind::kResponse ||
      neg->selected_protocol == 0) {
    return FailedPreconditionError("RDP server did not select TLS");
  }
  return Status();
}

// Whether the service is worth an RDP negotiation first: the RDP port, or a
// process known to serve RDP. Any other service that answers neither TLS nor
// HTTP is asked too, after those (ProbeService): a Windows RDP listener moved
// to another port is owned by svchost.exe, which says nothing, and drops a
// ClientHello or a GET at once.
bool RdpLike(const ExposedService& svc) {
  static constexpr std::string_view kRdpServers[] = {
      "xrdp", "gnome-remote-desktop-daemon", "freerdp-shadow-cli",
      "freerdp-shadow", "TermService"};
  if (svc.port == 3389) return true;
  for (std::string_view name : kRdpServers) {
    if (svc.process == name) return true;
  }
  return false;
}

void ProbeTls(ExposedService* svc, const TlsTarget& target,
              const TlsAttempt& first, ServiceCertificate cert,
              const ProbeLimits& limits) {
  ServiceTls tls;
  tls.negotiated_version = first.session.negotiated_version;
  tls.certificate = std::move(cert);
  const std::pair<TlsVersion, std::optional<bool> ServiceTls::*> versions[] = {
      {TlsVersion::kTls10, &ServiceTls::tls1_0},
      {TlsVersion::kTls11, &ServiceTls::tls1_1},
      {TlsVersion::kTls12, &ServiceTls::tls1_2},
      {TlsVersion::kTls13, &ServiceTls::tls1_3},
  };
  for (const auto& [version, member] : versions) {
    if (SteadyClock::now() >= target.deadline) break;
    const TlsAttempt a = TryTlsHandshake(target, version, "", nullptr);
    switch (a.outcome) {
      case TlsAttempt::Outcome::kAccepted:
        tls.*member = true;
        break;
      case TlsAttempt::Outcome::kRefused:
      case TlsAttempt::Outcome::kNotTls:
        tls.*member = false;
        break;
      case TlsAttempt::Outcome::kUnsupported:
      case TlsAttempt::Outcome::kTimeout:
        break;  // unknown: left unset
    }
  }
  if (SteadyClock::now() < target.deadline) {
    const TlsAttempt dhe =
        TryTlsHandshake(target, TlsVersion::kTls12, "kDHE", nullptr);
    if (dhe.outcome == TlsAttempt::Outcome::kAccepted)
      tls.dh_bits = dhe.session.dh_bits;
  }
  tls.weak_ciphers = ProbeWeakSuites(*svc, target, limits, target.deadline);
  svc->tls = std::move(tls);
}

// How a probe ended: ExposedService::probe_state and probe_message.
struct ProbeEnd {
  std::string state;
  std::string message;
};

// The RDP probe on fresh connections: an X.224 Connection Request offering
// TLS and CredSSP, then (when that was answered) one offering TLS alone to
// learn whether NLA is required; TLS is then examined over the negotiation.
// Returns how the probe ended once the service answered as RDP (kind "rdp",
// svc->rdp and svc->tls filled); INVALID_ARGUMENT when it answered something
// else than a Connection Confirm, or the connection's error, with `svc`
// unchanged either way.
Result<ProbeEnd> ProbeRdp(ExposedService* svc, TlsTarget target,
                          const ProbeLimits& limits, ProbeDeadline deadline) {
  Result<std::unique_ptr<ProbeSocket>> socket = ConnectProbeSocket(
      svc->probe_address, svc->port, StepDeadline(limits, deadline));
  if (!socket.ok()) return socket.status();
  Result<RdpNegotiation> neg =
      RdpNegotiate(**socket, kRdpProtocolSsl | kRdpProtocolHybrid,
                   StepDeadline(limits, deadline));
  socket->reset();
  if (!neg.ok()) return neg.status();
  svc->kind = "rdp";
  ServiceRdp rdp;
  if (neg->kind == RdpNegotiation::Kind::kFailure) {
    rdp.negotiated_protocol = "failure: " + RdpFailureName(neg->failure_code);
  } else {
    rdp.negotiated_protocol = RdpProtocolName(
        neg->kind == RdpNegotiation::Kind::kLegacy ? 0
                                                   : neg->selected_protocol);
  }
  Result<std::unique_ptr<ProbeSocket>> again = ConnectProbeSocket(
      svc->probe_address, svc->port, StepDeadline(limits, deadline));
  if (again.ok()) {
    Result<RdpNegotiation> ssl_only =
        RdpNegotiate(**again, kRdpProtocolSsl, StepDeadline(limits, deadline));
    if (ssl_only.ok()) {
      rdp.nla_required =
          ssl_only->kind == RdpNegotiation::Kind::kFailure &&
          (ssl_only->failure_code == 5 || ssl_only->failure_code == 6);
    }
  }
  svc->rdp = std::move(rdp);
  if (neg->kind != RdpNegotiation::Kind::kResponse ||
      neg->selected_protocol == 0) {
    return ProbeEnd{"ok", "RDP without TLS"};
  }
  target.prelude = RdpTlsPrelude;
  ServiceCertificate cert;
  const TlsAttempt any = TryTlsHandshake(target, TlsVersion::kAny, "", &cert);
  if (any.outcome == TlsAttempt::Outcome::kAccepted) {
    ProbeTls(svc, target, any, std::move(cert), limits);
    return ProbeEnd{"ok", ""};
  }
  return ProbeEnd{
      any.outcome == TlsAttempt::Outcome::kTimeout ? "timeout" : "error",
      "RDP TLS not examined: " + any.detail};
}

}  // namespace

std::vector<ExposedService> ServicesToProbe(
    const std::vector<ListeningSocket>& listeners) {
  std::vector<ExposedService> out;
  for (const ListeningSocket& l : listeners) {
    if (l.protocol != "tcp" && l.protocol != "tcp6") continue;
    ExposedService e;
    e.protocol = l.protocol;
    e.address = l.address;
    e.port = l.port;
    e.loopback_only = l.loopback_only;
    e.pid = l.pid;
    e.process = l.process;
    out.push_back(std::move(e));
  }
  return out;
}

std::string ProbeAddressFor(std::string_view address) {
  if (address == "0.0.0.0" || address.empty()) return "127.0.0.1";
  if (address == "::" || address == "[::]") return "::1";
  if (StartsWith(address, "::ffff:") &&
      address.find('.') != std::string_view::npos) {
    return std::string(address.substr(7));
  }
  return std::string(address);
}

void ProbeService(ExposedService* svc, const ProbeLimits& limits, TimePoint now,
                  SteadyClock::time_point host_deadline) {
  const auto start = SteadyClock::now();
  const ProbeDeadline deadline =
      std::min(start + limits.per_service, host_deadline);
  svc->probe_address = ProbeAddressFor(svc->address);
  svc->probe_state = "ok";
  const auto finish = [&](std::string state, std::string message) {
    svc->probe_state = std::move(state);
    svc->probe_message = SanitizeUtf8(message);
    svc->duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           SteadyClock::now() - start)
                           .count();
  };
  const auto fail = [&](const Status& st) {
    finish(st.code() == StatusCode::kDeadlineExceeded ? "timeout"
           : st.code() == StatusCode::kUnavailable    ? "refused"
                                                      : "error",
           st.message());
  };

  // 0. RDP first for RdpLike() services (ProbeRdp).
  TlsTarget target{svc->probe_address, svc->port, limits.step,
                   deadline,           now,       nullptr};
  const bool rdp_like = RdpLike(*svc);
  if (rdp_like) {
    Result<ProbeEnd> rdp = ProbeRdp(svc, target, limits, deadline);
    if (rdp.ok()) return finish(rdp->state, rdp->message);
    if (rdp.status().code() != StatusCode::kInvalidArgument) {
      return fail(rdp.status());
    }
    // Not RDP after all: probed as any other service below.
  }
  // A service that answered neither TLS nor HTTP nor SSH (it may have reset
  // the connection on them): RDP on another port when it answers an X.224
  // Connection Request. True when it did (the service is finished).
  const auto found_rdp = [&] {
    if (rdp_like || SteadyClock::now() >= deadline) return false;
    Result<ProbeEnd> rdp = ProbeRdp(svc, target, limits, deadline);
    if (!rdp.ok()) return false;
    finish(rdp->state, rdp->message);
    return true;
  };

  // 1. TLS? (An SSH or plain HTTP server answers a ClientHello at once with
  // its banner or a 400, so this costs them a round trip, not a timeout.)
  ServiceCertificate cert;
  const TlsAttempt any = TryTlsHandshake(target, TlsVersion::kAny, "", &cert);
  if (any.outcome == TlsAttempt::Outcome::kAccepted) {
    ProbeTls(svc, target, any, std::move(cert), limits);
    const StreamOpener open_tls = [&target](ProbeDeadline) {
      return OpenTlsStream(target);
    };
    Result<std::string> root =
        HttpExchange(open_tls, *svc, "/", limits, deadline);
    Status http = root.ok()
                      ? ProbeHttp(open_tls, *root, true, svc, limits, deadline)
                      : root.status();
    svc->kind = http.ok() ? "https" : "tls";
    return finish("ok", http.ok() ? "" : "TLS, not HTTP: " + http.message());
  }
  if (any.outcome == TlsAttempt::Outcome::kUnsupported) {
    // No TLS library in this build: a raw ClientHello still tells whether
    // the service speaks TLS, but nothing more can be said about it.
    if (SpeaksTls(*svc, limits, deadline)) {
      svc->kind = "tls";
      return finish("error", "TLS service not examined: " + any.detail);
    }
  }
  if (any.outcome == TlsAttempt::Outcome::kRefused &&
      StartsWith(any.detail, "connect to")) {
    return finish("refused", any.detail);
  }
  if (any.outcome == TlsAttempt::Outcome::kTimeout &&
      SteadyClock::now() >= deadline) {
    return finish("timeout", "TLS handshake: " + any.detail);
  }

  // 2. "GET /" in clear: an HTTP server answers HTTP, an SSH server its
  // identification line (then refuses our request), anything else other.
  const StreamOpener open_plain =
      [svc](ProbeDeadline d) -> Result<std::unique_ptr<ProbeStream>> {
    Result<std::unique_ptr<ProbeSocket>> s =
        ConnectProbeSocket(svc->probe_address, svc->port, d);
    if (!s.ok()) return s.status();
    return std::unique_ptr<ProbeStream>(std::move(*s));
  };
  Result<std::string> root =
      HttpExchange(open_plain, *svc, "/", limits, deadline);
  if (!root.ok()) {
    if (found_rdp()) return;
    if (root.status().code() == StatusCode::kDeadlineExceeded) {
      svc->kind = "other";
      return finish("ok",
                    "not TLS (" + any.detail + "); silent to an HTTP request");
    }
    return fail(root.status());
  }
  if (StartsWith(*root, "SSH-") || root->find("\nSSH-") != std::string::npos) {
    // 3. SSH: a fresh connection where the server speaks first.
    Result<std::unique_ptr<ProbeSocket>> socket = ConnectProbeSocket(
        svc->probe_address, svc->port, StepDeadline(limits, deadline));
    if (!socket.ok()) return fail(socket.status());
    Status ssh = ProbeSsh(**socket, "", svc, limits, deadline);
    if (!ssh.ok()) return fail(ssh);
    return finish("ok", "");
  }
  Status http = ProbeHttp(open_plain, *root, false, svc, limits, deadline);
  if (http.ok()) {
    svc->kind = "http";
    return finish("ok", "");
  }
  if (found_rdp()) return;
  svc->kind = "other";
  finish("ok",
         "not TLS (" + any.detail + "), not HTTP (" + http.message() + ")");
}

void ProbeServices(std::vector<ExposedService>* services,
                   const ProbeLimits& limits, const Clock& clock) {
  const auto host_deadline = SteadyClock::now() + limits.total;
  // (probe address, port, pid) → index of the service already probed.
  std::map<std::tuple<std::string, uint32_t, uint32_t>, size_t> done;
  for (size_t i = 0; i < services->size(); ++i) {
    ExposedService& svc = (*services)[i];
    svc.probe_address = ProbeAddressFor(svc.address);
    const bool wildcard = svc.address == "0.0.0.0" || svc.address == "::";
    const auto key = std::make_tuple(
        wildcard ? std::string("*") : svc.probe_address, svc.port, svc.pid);
    if (auto it = done.find(key);
        it != done.end() && wildcard && svc.pid != 0) {
      const ExposedService& twin = (*services)[it->second];
      svc.kind = twin.kind;
      svc.probe_state = twin.probe_state;
      svc.probe_message =
          "same process and port as " + twin.address + " (probed once)";
      svc.tls = twin.tls;
      svc.http = twin.http;
      svc.ssh = twin.ssh;
      svc.rdp = twin.rdp;
      continue;
    }
    if (SteadyClock::now() >= host_deadline) {
      svc.probe_state = "skipped";
      svc.probe_message = "the run's time budget of " +
                          std::to_string(limits.total.count()) +
                          " ms was spent";
      continue;
    }
    ProbeService(&svc, limits, clock.Now(), host_deadline);
    done.emplace(key, i);
  }
}

std::string ServiceListKey(const std::vector<ExposedService>& listeners) {
  std::vector<std::string> lines;
  for (const ExposedService& s : listeners) {
    lines.push_back(s.protocol + "\t" + s.address + "\t" +
                    std::to_string(s.port) + "\t" + std::to_string(s.pid) +
                    "\t" + s.process);
  }
  std::sort(lines.begin(), lines.end());
  std::string text = std::string(kCacheFormat) + "\n" + MAMORI_VERSION + "\n";
  for (const std::string& l : lines) text += l + "\n";
  return text;
}

std::string ServiceExposureCachePath(const std::string& state_dir) {
  return state_dir + "/service-exposure.json";
}

std::string SerializeServiceExposureCache(const ServiceExposureCache& cache) {
  Json out = Json::object();
  out["format"] = kCacheFormat;
  out["key"] = cache.key;
  out["probed_at"] = FormatRfc3339(cache.probed_at);
  Json services = Json::array();
  for (const ExposedService& s : cache.services) services.push_back(ToJson(s));
  out["services"] = std::move(services);
  return out.dump();
}

Result<ServiceExposureCache> ParseServiceExposureCache(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError("service exposure cache is not a JSON object");
  }
  if (j.value("format", "") != kCacheFormat) {
    return InvalidArgumentError("service exposure cache has another format");
  }
  ServiceExposureCache out;
  if (!j.contains("key") || !j["key"].is_string()) {
    return InvalidArgumentError("service exposure cache has no key");
  }
  out.key = j["key"].get<std::string>();
  if (!j.contains("probed_at") || !j["probed_at"].is_string() ||
      !json_internal::ParseRfc3339Utc(j["probed_at"].get<std::string>(),
                                      &out.probed_at)) {
    return InvalidArgumentError(
        "service exposure cache: probed_at is not a timestamp");
  }
  if (!j.contains("services") || !j["services"].is_array()) {
    return InvalidArgumentError(
        "service exposure cache: services is not an array");
  }
  for (const Json& s : j["services"]) {
    ExposedService svc;
    Status st = FromJson(s, &svc);
    if (!st.ok())
      return InvalidArgumentError("service exposure cache: " + st.message());
    out.services.push_back(std::move(svc));
  }
  return out;
}

std::optional<ServiceExposureCache> UsableCache(const std::string& path,
                                                const std::string& key,
                                                TimePoint now,
                                                const ProbeLimits& limits) {
  Result<std::string> text = ReadFile(path, kMaxCacheBytes);
  if (!text.ok()) return std::nullopt;
  Result<ServiceExposureCache> cache = ParseServiceExposureCache(*text);
  if (!cache.ok() || cache->key != key) return std::nullopt;
  if (cache->probed_at > now || now - cache->probed_at >= limits.max_age)
    return std::nullopt;
  return std::move(*cache);
}

ServiceExposureFacts ProbeOrReuse(std::vector<ExposedService> listeners,
                                  const GatherContext& ctx,
                                  const ProbeLimits& limits,
                                  const PackageAttacher& attach_packages) {
  ServiceExposureFacts facts;
  facts.status = OkStatus();
  const std::string key = ServiceListKey(listeners);
  const TimePoint now = ctx.clock->Now();
  const std::string path =
      ctx.state_dir.empty() ? "" : ServiceExposureCachePath(ctx.state_dir);
  if (!path.empty()) {
    if (std::optional<ServiceExposureCache> cache =
            UsableCache(path, key, now, limits)) {
      facts.services = std::move(cache->services);
      facts.probed_at = cache->probed_at;
      facts.from_cache = true;
      facts.evidence.push_back("probe results reused from " + path +
                               " (same listeners, probed within " +
                               std::to_string(limits.max_age.count()) + " h)");
      return facts;
    }
  }
  facts.probed_at = now;
  if (attach_packages) attach_packages(&listeners);
  ProbeServices(&listeners, limits, *ctx.clock);
  facts.services = std::move(listeners);
  // A run that ran out of time is not kept: the next collection probes
  // again instead of reporting the skipped services as unknown for a day.
  const bool complete = std::none_of(
      facts.services.begin(), facts.services.end(),
      [](const ExposedService& s) { return s.probe_state == "skipped"; });
  if (!complete) {
    facts.evidence.push_back("time budget spent: result not cached");
  }
  if (!path.empty() && complete) {
    Status stored = platform::WritePrivateFileAtomically(
        path, SerializeServiceExposureCache({key, now, facts.services}));
    if (!stored.ok())
      facts.evidence.push_back("cache not written: " + stored.message());
  }
  return facts;
}

}  // namespace mamori::facts
