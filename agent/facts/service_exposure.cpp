// Pure decoders of the service_exposure family: HTTP response heads, SSH
// identification lines and KEXINIT packets, TLS ClientHello/ServerHello.
#include "agent/facts/service_exposure.h"

#include <algorithm>
#include <cctype>

namespace mamori::facts {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Text a server chose, kept as evidence: valid UTF-8, control characters
// (terminal escapes, NUL, DEL) replaced with '?', at most `max` bytes.
std::string Printable(std::string_view s, size_t max) {
  std::string out = SanitizeUtf8(s.substr(0, max));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Big-endian readers over a bounded view; a read past the end sets `short_`.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool Has(size_t n) const { return bytes_.size() - pos_ >= n; }
  uint8_t U8() {
    return Has(1) ? static_cast<uint8_t>(bytes_[pos_++]) : Fail();
  }
  uint16_t U16() {
    const uint16_t hi = U8();
    return static_cast<uint16_t>((hi << 8) | U8());
  }
  uint32_t U24() {
    const uint32_t hi = U16();
    return (hi << 8) | U8();
  }
  uint32_t U32() {
    const uint32_t hi = U16();
    return (hi << 16) | U16();
  }
  std::string_view Bytes(size_t n) {
    if (!Has(n)) {
      Fail();
      pos_ = bytes_.size();
      return {};
    }
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool short_read() const { return short_; }

 private:
  uint8_t Fail() {
    short_ = true;
    return 0;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  bool short_ = false;
};

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v & 0xff));
}

void PutU24(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>((v >> 16) & 0xff));
  PutU16(out, static_cast<uint16_t>(v & 0xffff));
}

std::vector<std::string> SplitNameList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    if (!name.empty()) out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool AnyOf(const std::vector<std::string>& names,
           bool (*pred)(std::string_view)) {
  return std::any_of(names.begin(), names.end(),
                     [pred](const std::string& n) { return pred(n); });
}

void AddUnique(std::vector<std::string>* out, const std::string& name) {
  if (std::find(out->begin(), out->end(), name) == out->end())
    out->push_back(name);
}

bool IsCbc(std::string_view c) { return Contains(c, "-cbc"); }
bool IsEtm(std::string_view m) { return Contains(m, "-etm@openssh.com"); }
bool IsChaCha(std::string_view c) { return StartsWith(c, "chacha20-poly1305"); }

bool IsWeakKex(std::string_view k) {
  return EndsWith(k, "-sha1") || Contains(k, "sha1-") ||
         k == "diffie-hellman-group1-sha1";
}
bool IsWeakCipher(std::string_view c) {
  return IsCbc(c) || Contains(c, "3des") || Contains(c, "arcfour") ||
         Contains(c, "blowfish") || Contains(c, "cast128") || c == "none";
}
bool IsWeakHostKey(std::string_view h) {
  return h == "ssh-rsa" || h == "ssh-dss" || StartsWith(h, "ssh-rsa-cert") ||
         StartsWith(h, "ssh-dss-cert");
}
bool IsWeakMac(std::string_view m) {
  return Contains(m, "md5") || StartsWith(m, "hmac-sha1") ||
         Contains(m, "-96") || StartsWith(m, "umac-64") || m == "none";
}

}  // namespace

// ---------------------------------------------------------------------------
// HTTP

Result<HttpResponseHead> ParseHttpResponseHead(std::string_view bytes) {
  const size_t end = bytes.find("\r\n\r\n");
  std::string_view head =
      end == std::string_view::npos ? bytes : bytes.substr(0, end);
  const size_t eol = head.find('\n');
  const std::string_view status_line = Trim(head.substr(0, eol));
  if (!StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
      status_line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11]))) {
    return InvalidArgumentError("not an HTTP/1.x status line: \"" +
                                SanitizeUtf8(status_line.substr(0, 40)) + "\"");
  }
  HttpResponseHead out;
  out.status_code = static_cast<uint32_t>((status_line[9] - '0') * 100 +
                                          (status_line[10] - '0') * 10 +
                                          (status_line[11] - '0'));
  std::string_view rest =
      eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    line = Trim(line);
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgumentError(
          "HTTP header line without a name and colon: \"" +
          SanitizeUtf8(line.substr(0, 40)) + "\"");
    }
    if (out.headers.size() >= 200) {
      return InvalidArgumentError(
          "HTTP response has more than 200 header lines");
    }
    out.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                             std::string(Trim(line.substr(colon + 1))));
  }
  return out;
}

void JudgeHttpHeaders(const HttpResponseHead& head, bool over_tls,
                      ServiceHttp* out) {
  out->status_code = head.status_code;
  for (const auto& [name, value] : head.headers) {
    const std::string lower_value = Lower(value);
    if (name == "server") {
      out->server = Printable(value, 200);
      out->version_disclosed = out->version_disclosed || HasDigit(value);
    } else if (name == "x-powered-by") {
      out->powered_by = Printable(value, 200);
      out->version_disclosed = out->version_disclosed || HasDigit(value);
    } else if (name == "strict-transport-security") {
      out->hsts = over_tls && Contains(lower_value, "max-age=") &&
                  !Contains(lower_value, "max-age=0");
    } else if (name == "content-security-policy") {
      out->content_security_policy = true;
      out->csp_frame_ancestors =
          out->csp_frame_ancestors || Contains(lower_value, "frame-ancestors");
    } else if (name == "x-frame-options") {
      const std::string_view v = Trim(lower_value);
      out->x_frame_options = v == "deny" || v == "sameorigin";
    } else if (name == "x-content-type-options") {
      out->x_content_type_options = Trim(lower_value) == "nosniff";
    } else if (name == "referrer-policy") {
      out->referrer_policy = !Trim(value).empty();
    } else if (name == "www-authenticate") {
      out->ntlm_offered = out->ntlm_offered ||
                          StartsWith(lower_value, "ntlm") ||
                          StartsWith(lower_value, "negotiate");
    }
  }
  out->frame_protection = out->x_frame_options || out->csp_frame_ancestors;
}

bool LooksLikeLoginPage(const HttpResponseHead& head, std::string_view body) {
  if (head.status_code == 401) {
    return std::any_of(
        head.headers.begin(), head.headers.end(),
        [](const auto& h) { return h.first == "www-authenticate"; });
  }
  if (head.status_code != 200) return false;
  const std::string lower = Lower(body);
  return Contains(lower, "type=\"password\"") ||
         Contains(lower, "type='password'") || Contains(lower, "type=password");
}

const std::vector<std::string_view>& AdminPaths() {
  static const std::vector<std::string_view> kPaths = {
      "/admin/",      "/login",        "/wp-login.php",
      "/phpmyadmin/", "/manager/html", "/administrator/",
  };
  return kPaths;
}

std::string BuildHttpGet(std::string_view host, uint32_t port,
                         std::string_view path) {
  std::string host_header(host);
  if (Contains(host, ":")) host_header = "[" + host_header + "]";
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + host_header +
         ":" + std::to_string(port) +
         "\r\nUser-Agent: mamori-agent service probe\r\nAccept: */*\r\n"
         "Connection: close\r\n\r\n";
}

// ---------------------------------------------------------------------------
// SSH

Status ParseSshBanner(std::string_view line, ServiceSsh* out) {
  const size_t eol = line.find('\n');
  line = line.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!StartsWith(line, "SSH-")) {
    return InvalidArgumentError("not an SSH identification line: \"" +
                                SanitizeUtf8(line.substr(0, 40)) + "\"");
  }
  if (line.size() > 255) line = line.substr(0, 255);  // RFC 4253 §4.2 limit
  out->banner = Printable(line, 255);
  std::string_view rest = line.substr(4);
  const size_t dash = rest.find('-');
  if (dash == std::string_view::npos) {
    return InvalidArgumentError(
        "SSH identification line without a software version");
  }
  std::string_view software = rest.substr(dash + 1);
  software = software.substr(0, software.find(' '));
  const size_t sep = software.find('_');
  if (sep == std::string_view::npos) {
    out->product = Printable(software, 255);
  } else {
    out->product = Printable(software.substr(0, sep), 255);
    out->version = Printable(software.substr(sep + 1), 255);
  }
  return Status();
}

Result<SshKexInit> ParseSshKexInitPacket(std::string_view bytes) {
  constexpr uint32_t kMaxPacket = 256 * 1024;
  Reader header(bytes);
  const uint32_t packet_length = header.U32();
  if (header.short_read())
    return UnavailableError("SSH packet: length incomplete");
  if (packet_length > kMaxPacket || packet_length < 2) {
    return InvalidArgumentError("SSH packet length " +
                                std::to_string(packet_length) +
                                " outside 2..262144");
  }
  if (bytes.size() < 4ull + packet_length) {
    return UnavailableError("SSH packet: " + std::to_string(bytes.size()) +
                            " of " + std::to_string(4ull + packet_length) +
                            " bytes");
  }
  Reader packet(bytes.substr(4, packet_length));
  const uint8_t padding = packet.U8();
  if (padding + 1u > packet_length) {
    return InvalidArgumentError("SSH packet padding longer than the packet");
  }
  Reader payload(bytes.substr(5, packet_length - padding - 1));
  const uint8_t type = payload.U8();
  if (type != 20) {
    return InvalidArgumentError("SSH message type " + std::to_string(type) +
                                " where KEXINIT (20) was expected");
  }
  payload.Bytes(16);  // cookie
  std::vector<std::string> lists[10];
  for (auto& list : lists) {
    const uint32_t len = payload.U32();
    std::string_view text = payload.Bytes(len);
    if (payload.short_read()) {
      return InvalidArgumentError("SSH KEXINIT name-list runs past the packet");
    }
    list = SplitNameList(text);
  }
  SshKexInit out;
  out.kex = std::move(lists[0]);
  out.host_keys = std::move(lists[1]);
  out.ciphers_c2s = std::move(lists[2]);
  out.ciphers_s2c = std::move(lists[3]);
  out.macs_c2s = std::move(lists[4]);
  out.macs_s2c = std::move(lists[5]);
  return out;
}

void JudgeSshKexInit(const SshKexInit& kex, ServiceSsh* out) {
  out->strict_kex = std::find(kex.kex.begin(), kex.kex.end(),
                              "kex-strict-s-v00@openssh.com") != kex.kex.end();
  out->chacha20_offered =
      AnyOf(kex.ciphers_c2s, IsChaCha) || AnyOf(kex.ciphers_s2c, IsChaCha);
  const bool cbc =
      AnyOf(kex.ciphers_c2s, IsCbc) || AnyOf(kex.ciphers_s2c, IsCbc);
  const bool etm = AnyOf(kex.macs_c2s, IsEtm) || AnyOf(kex.macs_s2c, IsEtm);
  out->cbc_etm_offered = cbc && etm;
  out->terrapin_exposed =
      (out->chacha20_offered || out->cbc_etm_offered) && !out->strict_kex;
  out->weak_kex.clear();
  out->weak_ciphers.clear();
  out->weak_host_keys.clear();
  out->weak_macs.clear();
  for (const std::string& k : kex.kex) {
    if (IsWeakKex(k)) AddUnique(&out->weak_kex, k);
  }
  for (const auto* list : {&kex.ciphers_c2s, &kex.ciphers_s2c}) {
    for (const std::string& c : *list) {
      if (IsWeakCipher(c)) AddUnique(&out->weak_ciphers, c);
    }
  }
  for (const std::string& h : kex.host_keys) {
    if (IsWeakHostKey(h)) AddUnique(&out->weak_host_keys, h);
  }
  for (const auto* list : {&kex.macs_c2s, &kex.macs_s2c}) {
    for (const std::string& m : *list) {
      if (IsWeakMac(m)) AddUnique(&out->weak_macs, m);
    }
  }
}

// ---------------------------------------------------------------------------
// TLS

const std::vector<TlsSuite>& WeakTlsSuites() {
  static const std::vector<TlsSuite> kSuites = {
      {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
      {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
      {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
      {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
      {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
      {0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
      {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
      {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
      {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
      {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
      {0x0001, "TLS_RSA_WITH_NULL_MD5"},
      {0x0002, "TLS_RSA_WITH_NULL_SHA"},
      {0x003B, "TLS_RSA_WITH_NULL_SHA256"},
      {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
  };
  return kSuites;
}

std::string TlsSuiteName(uint16_t id) {
  for (const TlsSuite& s : WeakTlsSuites()) {
    if (s.id == id) return std::string(s.name);
  }
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(id >> shift) & 0xf];
  return out;
}

std::string BuildTlsClientHello(const std::vector<uint16_t>& suites,
                                std::string_view host_name,
                                std::string_view client_random) {
  std::string body;
  PutU16(&body, 0x0303);
  std::string random(client_random.substr(0, 32));
  random.resize(32, '\0');
  body += random;
  body.push_back('\0');  // no session id
  PutU16(&body, static_cast<uint16_t>(2 * (suites.size() + 1)));
  for (uint16_t s : suites) PutU16(&body, s);
  PutU16(&body, 0x00FF);  // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  body.push_back('\x01');
  body.push_back('\0');  // null compression

  std::string ext;
  const bool is_name =
      !host_name.empty() && !Contains(host_name, ":") &&
      !std::all_of(host_name.begin(), host_name.end(),
                   [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
  if (is_name && host_name.size() < 256) {
    PutU16(&ext, 0x0000);
    PutU16(&ext, static_cast<uint16_t>(host_name.size() + 5));
    PutU16(&ext, static_cast<uint16_t>(host_name.size() + 3));
    ext.push_back('\0');
    PutU16(&ext, static_cast<uint16_t>(host_name.size()));
    ext += host_name;
  }
  const uint16_t groups[] = {0x001d, 0x0017, 0x0018};
  PutU16(&ext, 0x000a);
  PutU16(&ext, 2 + 2 * 3);
  PutU16(&ext, 2 * 3);
  for (uint16_t g : groups) PutU16(&ext, g);
  PutU16(&ext, 0x000b);  // ec_point_formats: uncompressed
  PutU16(&ext, 2);
  ext.push_back('\x01');
  ext.push_back('\0');
  const uint16_t sig_algs[] = {0x0401, 0x0501, 0x0601, 0x0804,
                               0x0403, 0x0503, 0x0201, 0x0203};
  PutU16(&ext, 0x000d);
  PutU16(&ext, static_cast<uint16_t>(2 + 2 * std::size(sig_algs)));
  PutU16(&ext, static_cast<uint16_t>(2 * std::size(sig_algs)));
  for (uint16_t a : sig_algs) PutU16(&ext, a);
  PutU16(&body, static_cast<uint16_t>(ext.size()));
  body += ext;

  std::string handshake;
  handshake.push_back('\x01');  // client_hello
  PutU24(&handshake, static_cast<uint32_t>(body.size()));
  handshake += body;
  std::string record;
  record.push_back('\x16');
  PutU16(&record, 0x0301);
  PutU16(&record, static_cast<uint16_t>(handshake.size()));
  record += handshake;
  return record;
}

bool LooksLikeTlsRecord(std::string_view bytes) {
  if (bytes.size() < 3) return false;
  const auto type = static_cast<uint8_t>(bytes[0]);
  return type >= 20 && type <= 23 && bytes[1] == '\x03' &&
         static_cast<uint8_t>(bytes[2]) <= 4;
}

Result<TlsServerAnswer> ParseTlsServerAnswer(std::string_view bytes) {
  Reader r(bytes);
  const uint8_t type = r.U8();
  const uint16_t record_version = r.U16();
  const uint16_t length = r.U16();
  if (r.short_read()) return UnavailableError("TLS record header incomplete");
  if ((record_version >> 8) != 3 || (type != 21 && type != 22)) {
    return InvalidArgumentError("not a TLS handshake or alert record (type " +
                                std::to_string(type) + ", version 0x" +
                                TlsSuiteName(record_version).substr(2) + ")");
  }
  if (length == 0 || length > 16384 + 2048) {
    return InvalidArgumentError("TLS record length " + std::to_string(length) +
                                " outside 1..18432");
  }
  TlsServerAnswer out;
  if (type == 21) {
    std::string_view alert = r.Bytes(2);
    if (r.short_read()) return UnavailableError("TLS alert incomplete");
    out.kind = TlsServerAnswer::Kind::kAlert;
    out.alert_level = static_cast<uint8_t>(alert[0]);
    out.alert_description = static_cast<uint8_t>(alert[1]);
    return out;
  }
  // ServerHello: type, length, version, random, session id, suite. A
  // ServerHello fits one record in practice; only its head is needed.
  const uint8_t hs_type = r.U8();
  const uint32_t hs_length = r.U24();
  if (r.short_read())
    return UnavailableError("TLS handshake header incomplete");
  if (hs_type != 2) {
    return InvalidArgumentError("TLS handshake message " +
                                std::to_string(hs_type) +
                                " where ServerHello (2) was expected");
  }
  if (hs_length < 38) {
    return InvalidArgumentError("TLS ServerHello of " +
                                std::to_string(hs_length) +
                                " bytes is too short");
  }
  out.kind = TlsServerAnswer::Kind::kServerHello;
  out.version = r.U16();
  r.Bytes(32);
  const uint8_t sid_length = r.U8();
  if (!r.short_read() && sid_length > 32) {
    return InvalidArgumentError(
        "TLS ServerHello session id longer than 32 bytes");
  }
  r.Bytes(sid_length);
  out.cipher_suite = r.U16();
  if (r.short_read()) return UnavailableError("TLS ServerHello incomplete");
  return out;
}

// ---------------------------------------------------------------------------
// RDP connection start

namespace {

uint32_t Le32(std::string_view b) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[3])) << 24;
}

std::string Hex32(uint32_t v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4)
    out += kDigits[(v >> shift) & 0xF];
  return out;
}

}  // namespace

std::string BuildRdpConnectionRequest(uint32_t requested_protocols) {
  std::string out;
  // TPKT: version 3, reserved, length 19 (big-endian).
  out += {'\x03', '\x00', '\x00', '\x13'};
  // X.224 CR TPDU: length indicator 14, CR code, dst-ref, src-ref, class 0.
  out += {'\x0e', '\xe0', '\x00', '\x00', '\x00', '\x00', '\x00'};
  // RDP_NEG_REQ: type 1, flags 0, length 8 (little-endian), protocols.
  out += {'\x01', '\x00', '\x08', '\x00'};
  for (int shift = 0; shift < 32; shift += 8) {
    out += static_cast<char>((requested_protocols >> shift) & 0xFF);
  }
  return out;
}

Result<RdpNegotiation> ParseRdpConnectionConfirm(std::string_view bytes) {
  if (bytes.empty())
    return UnavailableError("RDP Connection Confirm: no bytes");
  if (bytes[0] != '\x03') {
    return InvalidArgumentError("not RDP: first byte is not TPKT version 3");
  }
  if (bytes.size() < 4) {
    return UnavailableError("RDP Connection Confirm: TPKT header incomplete");
  }
  const size_t length = static_cast<size_t>(static_cast<uint8_t>(bytes[2]))
                            << 8 |
                        static_cast<uint8_t>(bytes[3]);
  if (length < 11 || length > 512) {
    return InvalidArgumentError("not RDP: TPKT length " +
                                std::to_string(length) + " outside 11..512");
  }
  if (bytes.size() < length) {
    return UnavailableError("RDP Connection Confirm incomplete");
  }
  const std::string_view tpdu = bytes.substr(4, length - 4);
  const size_t li = static_cast<uint8_t>(tpdu[0]);
  if (li + 1 != tpdu.size()) {
    return InvalidArgumentError("not RDP: X.224 length indicator " +
                                std::to_string(li) + " does not match TPKT");
  }
  if ((static_cast<uint8_t>(tpdu[1]) & 0xF0) != 0xD0) {
    return InvalidArgumentError("not RDP: not an X.224 Connection Confirm");
  }
  RdpNegotiation out;
  const std::string_view neg = tpdu.substr(7);
  if (neg.empty()) return out;  // legacy server: standard RDP security
  if (neg.size() != 8 || neg[2] != '\x08' || neg[3] != '\x00') {
    return InvalidArgumentError(
        "not RDP: negotiation data is not 8 bytes long");
  }
  switch (static_cast<uint8_t>(neg[0])) {
    case 0x02:
      out.kind = RdpNegotiation::Kind::kResponse;
      out.selected_protocol = Le32(neg.substr(4));
      return out;
    case 0x03:
      out.kind = RdpNegotiation::Kind::kFailure;
      out.failure_code = Le32(neg.substr(4));
      return out;
    default:
      return InvalidArgumentError("not RDP: negotiation type " +
                                  std::to_string(static_cast<uint8_t>(neg[0])) +
                                  " is neither 2 nor 3");
  }
}

std::string RdpProtocolName(uint32_t selected_protocol) {
  switch (selected_protocol) {
    case 0:
      return "rdp";
    case kRdpProtocolSsl:
      return "ssl";
    case kRdpProtocolHybrid:
      return "hybrid";
    case kRdpProtocolRdstls:
      return "rdstls";
    case kRdpProtocolHybridEx:
      return "hybrid_ex";
    default:
      return Hex32(selected_protocol);
  }
}

std::string RdpFailureName(uint32_t failure_code) {
  switch (failure_code) {
    case 1:
      return "ssl_required_by_server";
    case 2:
      return "ssl_not_allowed_by_server";
    case 3:
      return "ssl_cert_not_on_server";
    case 4:
      return "inconsistent_flags";
    case 5:
      return "hybrid_required_by_server";
    case 6:
      return "ssl_with_user_auth_required_by_server";
    default:
      return "code " + std::to_string(failure_code);
  }
}

}  // namespace mamori::facts
