#pragma once

// The `service_exposure` family (issue #19): what each TCP listener of this
// host shows to a client, judged from inside the host the way seed 001's
// external scan judged it from outside: TLS versions and weak suites, the
// Diffie-Hellman group, the certificate, HTTP security headers, version
// disclosure, NTLM, admin/login pages, the SSH banner and KEXINIT (Terrapin,
// weak algorithms), and the package owning the process.
//
// Probes connect only to this host: a listener bound to a wildcard address is
// probed over loopback, one bound to a specific address over that address.
// Nothing is sent but a TLS ClientHello, an SSH identification line and
// "GET" requests for a few fixed paths; never credentials. Each step has a
// time limit and the whole run a budget (ProbeLimits); results are cached in
// the state directory for a day, keyed by the listener list (service_probe.h).
//
// This header holds the structs (mirroring the proto messages field for
// field) and the pure decoders the probes feed: HTTP response verdicts, SSH
// identification line and KEXINIT, TLS ClientHello building and ServerHello
// reading. They are platform-neutral, take bytes and return values, never
// throw, and are thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.ServiceCertificate.
struct ServiceCertificate {
  std::string subject;
  std::string issuer;
  std::vector<std::string> names;
  bool self_signed = false;
  std::optional<bool> chained_to_system_ca;
  std::optional<TimePoint> not_after;
  bool expired = false;
  bool expires_soon = false;
  std::string key_type;
  uint32_t key_bits = 0;
};

template <typename V>
void VisitFields(const ServiceCertificate& f, V& v) {
  v("subject", f.subject);
  v("issuer", f.issuer);
  v("names", f.names);
  v("self_signed", f.self_signed);
  v("chained_to_system_ca", f.chained_to_system_ca);
  v("not_after", f.not_after);
  v("expired", f.expired);
  v("expires_soon", f.expires_soon);
  v("key_type", f.key_type);
  v("key_bits", f.key_bits);
}

// Mirrors mamori.v1.ServiceTls.
struct ServiceTls {
  std::optional<bool> tls1_0;
  std::optional<bool> tls1_1;
  std::optional<bool> tls1_2;
  std::optional<bool> tls1_3;
  std::vector<std::string> weak_ciphers;
  uint32_t dh_bits = 0;
  ServiceCertificate certificate;
  std::string negotiated_version;
};

template <typename V>
void VisitFields(const ServiceTls& f, V& v) {
  v("tls1_0", f.tls1_0);
  v("tls1_1", f.tls1_1);
  v("tls1_2", f.tls1_2);
  v("tls1_3", f.tls1_3);
  v("weak_ciphers", f.weak_ciphers);
  v("dh_bits", f.dh_bits);
  v("certificate", f.certificate);
  v("negotiated_version", f.negotiated_version);
}

// Mirrors mamori.v1.ServiceHttp.
struct ServiceHttp {
  uint32_t status_code = 0;
  std::string server;
  std::string powered_by;
  bool version_disclosed = false;
  bool hsts = false;
  bool content_security_policy = false;
  bool csp_frame_ancestors = false;
  bool x_frame_options = false;
  bool x_content_type_options = false;
  bool referrer_policy = false;
  bool frame_protection = false;
  bool ntlm_offered = false;
  std::vector<std::string> admin_paths;
};

template <typename V>
void VisitFields(const ServiceHttp& f, V& v) {
  v("status_code", f.status_code);
  v("server", f.server);
  v("powered_by", f.powered_by);
  v("version_disclosed", f.version_disclosed);
  v("hsts", f.hsts);
  v("content_security_policy", f.content_security_policy);
  v("csp_frame_ancestors", f.csp_frame_ancestors);
  v("x_frame_options", f.x_frame_options);
  v("x_content_type_options", f.x_content_type_options);
  v("referrer_policy", f.referrer_policy);
  v("frame_protection", f.frame_protection);
  v("ntlm_offered", f.ntlm_offered);
  v("admin_paths", f.admin_paths);
}

// Mirrors mamori.v1.ServiceSsh.
struct ServiceSsh {
  std::string banner;
  std::string product;
  std::string version;
  bool strict_kex = false;
  bool chacha20_offered = false;
  bool cbc_etm_offered = false;
  bool terrapin_exposed = false;
  std::vector<std::string> weak_kex;
  std::vector<std::string> weak_ciphers;
  std::vector<std::string> weak_host_keys;
  std::vector<std::string> weak_macs;
};

template <typename V>
void VisitFields(const ServiceSsh& f, V& v) {
  v("banner", f.banner);
  v("product", f.product);
  v("version", f.version);
  v("strict_kex", f.strict_kex);
  v("chacha20_offered", f.chacha20_offered);
  v("cbc_etm_offered", f.cbc_etm_offered);
  v("terrapin_exposed", f.terrapin_exposed);
  v("weak_kex", f.weak_kex);
  v("weak_ciphers", f.weak_ciphers);
  v("weak_host_keys", f.weak_host_keys);
  v("weak_macs", f.weak_macs);
}

// Mirrors mamori.v1.ServiceRdp.
struct ServiceRdp {
  // What the server selected when offered TLS and CredSSP ("ssl", "hybrid",
  // "hybrid_ex", "rdstls", "rdp" for legacy RDP security without TLS), or the
  // failure it answered ("failure: ssl_not_allowed_by_server").
  std::string negotiated_protocol;
  // Network Level Authentication (CredSSP) required: the server refused a
  // request for TLS alone. Unset when that second request got no answer.
  std::optional<bool> nla_required;
};

template <typename V>
void VisitFields(const ServiceRdp& f, V& v) {
  v("negotiated_protocol", f.negotiated_protocol);
  v("nla_required", f.nla_required);
}

// Mirrors mamori.v1.ExposedService.
struct ExposedService {
  std::string protocol;
  std::string address;
  uint32_t port = 0;
  bool loopback_only = false;
  std::string probe_address;
  uint32_t pid = 0;
  std::string process;
  std::string package;
  std::string package_version;
  std::string kind;
  std::string probe_state;
  std::string probe_message;
  std::optional<ServiceTls> tls;
  std::optional<ServiceHttp> http;
  std::optional<ServiceSsh> ssh;
  int64_t duration_us = 0;
  std::optional<ServiceRdp> rdp;
};

template <typename V>
void VisitFields(const ExposedService& f, V& v) {
  v("protocol", f.protocol);
  v("address", f.address);
  v("port", f.port);
  v("loopback_only", f.loopback_only);
  v("probe_address", f.probe_address);
  v("pid", f.pid);
  v("process", f.process);
  v("package", f.package);
  v("package_version", f.package_version);
  v("kind", f.kind);
  v("probe_state", f.probe_state);
  v("probe_message", f.probe_message);
  v("tls", f.tls);
  v("http", f.http);
  v("ssh", f.ssh);
  v("duration_us", f.duration_us);
  v("rdp", f.rdp);
}

// Mirrors mamori.v1.ServiceExposureFacts.
struct ServiceExposureFacts {
  CollectionStatus status;
  std::vector<ExposedService> services;
  std::optional<TimePoint> probed_at;
  bool from_cache = false;
  std::vector<std::string> evidence;
};

template <typename V>
void VisitFields(const ServiceExposureFacts& f, V& v) {
  v("status", f.status);
  v("services", f.services);
  v("probed_at", f.probed_at);
  v("from_cache", f.from_cache);
  v("evidence", f.evidence);
}

// Collects the family. Never throws; failures are in `status` (no listener
// list → the listener source's error; under --root → STATUS_UNSUPPORTED), and
// a service that could not be probed says so in its probe_state.
ServiceExposureFacts GatherServiceExposure(const GatherContext& ctx);

// ---------------------------------------------------------------------------
// HTTP

// One parsed response head. Header names are lower-cased; repeated headers
// keep every value in order.
struct HttpResponseHead {
  uint32_t status_code = 0;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Parses the status line and headers of `bytes` (up to the blank line, or the
// end when there is none). Returns INVALID_ARGUMENT when the text does not
// start with "HTTP/1.x NNN" or a header line has no colon.
Result<HttpResponseHead> ParseHttpResponseHead(std::string_view bytes);

// Fills the header verdicts of `out` (status_code, server, powered_by,
// version_disclosed, hsts (only when `over_tls`), CSP, frame-ancestors,
// X-Frame-Options, X-Content-Type-Options: nosniff, Referrer-Policy,
// frame_protection, ntlm_offered). admin_paths is left alone.
void JudgeHttpHeaders(const HttpResponseHead& head, bool over_tls,
                      ServiceHttp* out);

// True when a response to GET <admin path> shows a login page or asks for
// authentication: 401 with WWW-Authenticate, or 200 whose body has a password
// input field. Redirects and 403/404 are not.
bool LooksLikeLoginPage(const HttpResponseHead& head, std::string_view body);

// The well-known admin and login paths asked with GET.
const std::vector<std::string_view>& AdminPaths();

// The request the probe sends: "GET <path> HTTP/1.1" with Host, a fixed
// User-Agent and Connection: close, no credentials or cookies.
std::string BuildHttpGet(std::string_view host, uint32_t port,
                         std::string_view path);

// ---------------------------------------------------------------------------
// SSH

// Parses an identification line "SSH-protoversion-softwareversion [comments]"
// (CR LF or LF ended, or not ended). Fills banner, product and version
// ("OpenSSH_9.2p1" → "OpenSSH", "9.2p1"; "dropbear_2022.83" → "dropbear",
// "2022.83"). Returns INVALID_ARGUMENT when the line does not start "SSH-".
Status ParseSshBanner(std::string_view line, ServiceSsh* out);

// The name-lists of a KEXINIT message (RFC 4253 §7.1).
struct SshKexInit {
  std::vector<std::string> kex;
  std::vector<std::string> host_keys;
  std::vector<std::string> ciphers_c2s;
  std::vector<std::string> ciphers_s2c;
  std::vector<std::string> macs_c2s;
  std::vector<std::string> macs_s2c;
};

// Reads one unencrypted SSH binary packet (uint32 length, padding length,
// payload, padding) from the front of `bytes` and decodes its KEXINIT
// payload. Returns the name-lists, UNAVAILABLE when `bytes` holds less than
// the whole packet (read more), or INVALID_ARGUMENT naming what is malformed
// (message type other than 20, a length past the packet, a packet over 256
// KiB).
Result<SshKexInit> ParseSshKexInitPacket(std::string_view bytes);

// Fills strict_kex, chacha20_offered, cbc_etm_offered, terrapin_exposed and
// the weak_* lists of `out` from the server's KEXINIT. Weak: SHA-1 key
// exchange (diffie-hellman-group1-sha1, -group14-sha1, -group-exchange-sha1),
// CBC/3DES/RC4/none ciphers, ssh-rsa and ssh-dss host keys (SHA-1
// signatures), MD5/SHA-1/96-bit MACs.
void JudgeSshKexInit(const SshKexInit& kex, ServiceSsh* out);

// ---------------------------------------------------------------------------
// RDP connection start ([MS-RDPBCGR] 2.2.1.1, 2.2.1.2): a TPKT-framed X.224
// Connection Request carrying an RDP Negotiation Request; the server's
// Connection Confirm carries a Negotiation Response or Failure. TLS starts on
// the same connection after a response selecting ssl/hybrid/hybrid_ex.

// requestedProtocols / selectedProtocol bits.
inline constexpr uint32_t kRdpProtocolSsl = 0x1;
inline constexpr uint32_t kRdpProtocolHybrid = 0x2;
inline constexpr uint32_t kRdpProtocolRdstls = 0x4;
inline constexpr uint32_t kRdpProtocolHybridEx = 0x8;

// The 19-byte Connection Request (no cookie) asking for `requested_protocols`.
std::string BuildRdpConnectionRequest(uint32_t requested_protocols);

// The decoded Connection Confirm.
struct RdpNegotiation {
  enum class Kind {
    kResponse,  // RDP_NEG_RSP: selected_protocol is set
    kFailure,   // RDP_NEG_FAILURE: failure_code is set
    kLegacy,    // no negotiation data: standard RDP security, no TLS
  } kind = Kind::kLegacy;
  uint32_t selected_protocol = 0;
  uint32_t failure_code = 0;
};

// Decodes the server's reply from its first byte. UNAVAILABLE when `bytes`
// holds less than the TPKT length says (read more), INVALID_ARGUMENT naming
// what is wrong when it is not an RDP Connection Confirm (not TPKT version 3,
// a TPKT length under 11 or over 512, not an X.224 CC, a negotiation
// structure of the wrong type or length). Bytes after the TPKT are ignored.
Result<RdpNegotiation> ParseRdpConnectionConfirm(std::string_view bytes);

// "ssl", "hybrid", "hybrid_ex", "rdstls", "rdp" (0), else "0xHHHHHHHH".
std::string RdpProtocolName(uint32_t selected_protocol);

// "ssl_required_by_server" … "hybrid_required_by_server" (codes 1–6 of
// [MS-RDPBCGR] 2.2.1.2.2), else "code N".
std::string RdpFailureName(uint32_t failure_code);

// ---------------------------------------------------------------------------
// TLS wire format (only what the weak-suite probe needs; versions, the
// certificate and DH come from OpenSSL, service_tls.h)

// A weak suite the probe offers, with its IANA name.
struct TlsSuite {
  uint16_t id;
  std::string_view name;
};

// RC4, 3DES, export and NULL suites offered by the weak-suite probe.
const std::vector<TlsSuite>& WeakTlsSuites();

// Returns the IANA name of `id` if it is one of WeakTlsSuites(), else
// "0xHHHH".
std::string TlsSuiteName(uint16_t id);

// Builds a TLS 1.2 ClientHello record offering `suites` (and the renegotiation
// SCSV), with SNI `host_name` when it is a name (not an IP address), and the
// 32-byte `client_random`.
std::string BuildTlsClientHello(const std::vector<uint16_t>& suites,
                                std::string_view host_name,
                                std::string_view client_random);

// What the server answered a ClientHello with.
struct TlsServerAnswer {
  enum class Kind { kServerHello, kAlert } kind = Kind::kAlert;
  uint16_t version = 0;       // ServerHello legacy_version (0x0303 = TLS 1.2)
  uint16_t cipher_suite = 0;  // chosen suite (kServerHello)
  uint8_t alert_level = 0;
  uint8_t alert_description = 0;  // e.g. 40 handshake_failure
};

// Decodes the first record of a server's reply. Returns UNAVAILABLE when
// `bytes` holds less than the first record (or the ServerHello header),
// INVALID_ARGUMENT when it is not TLS (the content type, version or lengths
// are not a handshake or alert record) naming what was wrong.
Result<TlsServerAnswer> ParseTlsServerAnswer(std::string_view bytes);

// True when `bytes` (the first bytes a server sent, or answered a ClientHello
// with) start like a TLS record: content type 20–23 and version 3.x.
bool LooksLikeTlsRecord(std::string_view bytes);

}  // namespace mamori::facts
