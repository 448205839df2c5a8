// OpenSSL side of the service_exposure probes. Each attempt has its own
// SSL_CTX at security level 0 (so TLS 1.0, SHA-1 and small keys can be seen,
// never accepted for anything), verification off (the chain is checked after
// the handshake, to report on it), and blocking I/O bounded by socket timeouts.
#include "agent/facts/service_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace mamori::facts {

namespace {

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* s) const { X509_STORE_CTX_free(s); }
};

std::string OpenSslReason() {
  const unsigned long e = ERR_peek_last_error();
  std::string out;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    out = reason != nullptr ? reason
                            : "error " + std::to_string(ERR_GET_REASON(e));
  }
  ERR_clear_error();
  return out;
}

std::chrono::milliseconds StepLeft(const TlsTarget& t) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      t.deadline - std::chrono::steady_clock::now());
  return std::max(std::chrono::milliseconds(1), std::min(t.step, left));
}

int OpenSslVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
    case TlsVersion::kAny:
      break;
  }
  return 0;
}

// A context that can offer exactly `version` (or all) with `ciphers`.
std::unique_ptr<SSL_CTX, CtxFree> ProbeContext(TlsVersion version,
                                               std::string_view ciphers) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ctx;
  SSL_CTX_set_security_level(ctx.get(), 0);
  const int v = OpenSslVersion(version);
  SSL_CTX_set_min_proto_version(ctx.get(), v == 0 ? TLS1_VERSION : v);
  SSL_CTX_set_max_proto_version(ctx.get(), v == 0 ? TLS1_3_VERSION : v);
  SSL_CTX_set_options(ctx.get(),
                      SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_TICKET);
  const std::string list = ciphers.empty()
                               ? std::string("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
                               : std::string(ciphers) + ":@SECLEVEL=0";
  if (SSL_CTX_set_cipher_list(ctx.get(), list.c_str()) != 1) ctx.reset();
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  return ctx;
}

std::string X509NameText(X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || name == nullptr) return "";
  X509_NAME_print_ex(bio.get(), name, 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return SanitizeUtf8(
      std::string_view(data, static_cast<size_t>(len)).substr(0, 512));
}

// Whether the chain the server sent reaches a system CA (hostname not
// checked: the probe connects to an address). Unset when no store loads.
std::optional<bool> ChainedToSystemCa(X509* leaf, STACK_OF(X509) * chain) {
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  if (!store || !LoadSystemTrustStore(store.get())) return std::nullopt;
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain) != 1) {
    return std::nullopt;
  }
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

// One connection with one SSL object; closes both on destruction.
class TlsStream final : public ProbeStream {
 public:
  TlsStream(std::unique_ptr<ProbeSocket> socket,
            std::unique_ptr<SSL_CTX, CtxFree> ctx,
            std::unique_ptr<SSL, SslFree> ssl)
      : socket_(std::move(socket)),
        ctx_(std::move(ctx)),
        ssl_(std::move(ssl)) {}

  Status Send(std::string_view bytes, ProbeDeadline) override {
    size_t written = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) != 1) {
      return UnavailableError("TLS write: " + OpenSslReason());
    }
    return Status();
  }

  Status ReceiveSome(std::string* out, size_t max_bytes,
                     ProbeDeadline) override {
    char buf[8192];
    size_t got = 0;
    if (SSL_read_ex(ssl_.get(), buf, std::min(sizeof buf, max_bytes), &got) ==
        1) {
      out->append(buf, got);
      return Status();
    }
    const int err = SSL_get_error(ssl_.get(), 0);
    ERR_clear_error();
    if (err == SSL_ERROR_ZERO_RETURN) return Status();
    if (err == SSL_ERROR_SYSCALL) return Status();  // closed without notify
    if (err == SSL_ERROR_WANT_READ)
      return DeadlineExceededError("TLS read timed out");
    return UnavailableError("TLS read failed");
  }

  SSL* ssl() { return ssl_.get(); }

 private:
  std::unique_ptr<ProbeSocket> socket_;
  std::unique_ptr<SSL_CTX, CtxFree> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;
};

// Connects and handshakes; on failure fills `attempt` and returns null.
std::unique_ptr<TlsStream> Handshake(const TlsTarget& target,
                                     TlsVersion version,
                                     std::string_view ciphers,
                                     TlsAttempt* attempt) {
  auto ctx = ProbeContext(version, ciphers);
  if (!ctx) {
    attempt->outcome = TlsAttempt::Outcome::kUnsupported;
    attempt->detail =
        "this OpenSSL cannot offer these suites: " + OpenSslReason();
    return nullptr;
  }
  Result<std::unique_ptr<ProbeSocket>> socket =
      ConnectProbeSocket(target.address, target.port,
                         std::chrono::steady_clock::now() + StepLeft(target));
  if (!socket.ok()) {
    attempt->outcome = socket.status().code() == StatusCode::kDeadlineExceeded
                           ? TlsAttempt::Outcome::kTimeout
                           : TlsAttempt::Outcome::kRefused;
    attempt->detail = socket.status().message();
    return nullptr;
  }
  if (target.prelude) {
    Status st = target.prelude(
        **socket, std::chrono::steady_clock::now() + StepLeft(target));
    if (!st.ok()) {
      attempt->outcome = st.code() == StatusCode::kDeadlineExceeded
                             ? TlsAttempt::Outcome::kTimeout
                             : TlsAttempt::Outcome::kNotTls;
      attempt->detail = st.message();
      return nullptr;
    }
  }
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl) {
    attempt->outcome = TlsAttempt::Outcome::kUnsupported;
    attempt->detail = OpenSslReason();
    return nullptr;
  }
  SSL_set_fd(ssl.get(),
             static_cast<int>((*socket)->NativeHandleForTls(StepLeft(target))));
  ERR_clear_error();
  const int rc = SSL_connect(ssl.get());
  if (rc != 1) {
    const int err = SSL_get_error(ssl.get(), rc);
    const unsigned long e = ERR_peek_last_error();
    const int reason = ERR_GET_REASON(e);
    attempt->detail = OpenSslReason();
    if (reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
        reason == SSL_R_NO_CIPHERS_AVAILABLE) {
      attempt->outcome = TlsAttempt::Outcome::kUnsupported;
    } else if (reason == SSL_R_WRONG_VERSION_NUMBER ||
               reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
               reason == SSL_R_UNEXPECTED_RECORD) {
      attempt->outcome = TlsAttempt::Outcome::kNotTls;
    } else if ((err == SSL_ERROR_SYSCALL && e == 0 &&
                std::chrono::steady_clock::now() >= target.deadline) ||
               err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      // The deadline passed, or the handshake was still waiting on I/O.
      attempt->outcome = TlsAttempt::Outcome::kTimeout;
    } else {
      attempt->outcome = TlsAttempt::Outcome::kRefused;
    }
    if (attempt->detail.empty())
      attempt->detail = "handshake failed (error " + std::to_string(err) + ")";
    return nullptr;
  }
  attempt->outcome = TlsAttempt::Outcome::kAccepted;
  attempt->session.negotiated_version = SSL_get_version(ssl.get());
  attempt->session.cipher = SSL_get_cipher_name(ssl.get());
  EVP_PKEY* tmp = nullptr;
  if (SSL_get_peer_tmp_key(ssl.get(), &tmp) == 1 && tmp != nullptr) {
    if (EVP_PKEY_get_base_id(tmp) == EVP_PKEY_DH) {
      attempt->session.dh_bits = static_cast<uint32_t>(EVP_PKEY_get_bits(tmp));
    }
    EVP_PKEY_free(tmp);
  }
  return std::make_unique<TlsStream>(std::move(*socket), std::move(ctx),
                                     std::move(ssl));
}

}  // namespace

TlsAttempt TryTlsHandshake(const TlsTarget& target, TlsVersion version,
                           std::string_view ciphers,
                           ServiceCertificate* certificate) {
  TlsAttempt attempt;
  std::unique_ptr<TlsStream> stream =
      Handshake(target, version, ciphers, &attempt);
  if (!stream || certificate == nullptr) return attempt;
  X509* leaf = SSL_get0_peer_certificate(stream->ssl());
  if (leaf == nullptr) return attempt;  // anonymous suite: no certificate
  unsigned char* der = nullptr;
  const int len = i2d_X509(leaf, &der);
  if (len > 0) {
    Result<ServiceCertificate> summary = SummarizeCertificate(
        std::string_view(reinterpret_cast<const char*>(der),
                         static_cast<size_t>(len)),
        target.now);
    if (summary.ok()) {
      *certificate = std::move(*summary);
      certificate->chained_to_system_ca =
          ChainedToSystemCa(leaf, SSL_get_peer_cert_chain(stream->ssl()));
    }
  }
  OPENSSL_free(der);
  return attempt;
}

Result<std::unique_ptr<ProbeStream>> OpenTlsStream(const TlsTarget& target) {
  TlsAttempt attempt;
  std::unique_ptr<TlsStream> stream =
      Handshake(target, TlsVersion::kAny, "", &attempt);
  if (!stream) return UnavailableError("TLS handshake: " + attempt.detail);
  return std::unique_ptr<ProbeStream>(std::move(stream));
}

Result<ServiceCertificate> SummarizeCertificate(std::string_view der,
                                                TimePoint now) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, X509Free> x(
      d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) {
    ERR_clear_error();
    return InvalidArgumentError("not a DER X.509 certificate (" +
                                std::to_string(der.size()) + " bytes)");
  }
  ServiceCertificate out;
  out.subject = X509NameText(X509_get_subject_name(x.get()));
  out.issuer = X509NameText(X509_get_issuer_name(x.get()));
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && out.names.size() < 32;
         ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type == GEN_DNS) {
        const ASN1_IA5STRING* s = g->d.dNSName;
        out.names.push_back(SanitizeUtf8(std::string_view(
            reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
            static_cast<size_t>(ASN1_STRING_length(s)))));
      } else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* s = g->d.iPAddress;
        const unsigned char* b = ASN1_STRING_get0_data(s);
        if (ASN1_STRING_length(s) == 4) {
          out.names.push_back(
              std::to_string(b[0]) + "." + std::to_string(b[1]) + "." +
              std::to_string(b[2]) + "." + std::to_string(b[3]));
        } else {
          out.names.push_back("IPv6 address");
        }
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (out.names.empty()) {
    X509_NAME* subject = X509_get_subject_name(x.get());
    const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) {
      const ASN1_STRING* cn =
          X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
      out.names.push_back(SanitizeUtf8(std::string_view(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
          static_cast<size_t>(ASN1_STRING_length(cn)))));
    }
  }
  EVP_PKEY* key = X509_get0_pubkey(x.get());
  if (X509_NAME_cmp(X509_get_subject_name(x.get()),
                    X509_get_issuer_name(x.get())) == 0 &&
      key != nullptr) {
    out.self_signed = X509_verify(x.get(), key) == 1;
  }
  if (key != nullptr) {
    switch (EVP_PKEY_get_base_id(key)) {
      case EVP_PKEY_RSA:
      case EVP_PKEY_RSA_PSS:
        out.key_type = "RSA";
        break;
      case EVP_PKEY_EC:
        out.key_type = "EC";
        break;
      case EVP_PKEY_ED25519:
        out.key_type = "ED25519";
        break;
      case EVP_PKEY_ED448:
        out.key_type = "ED448";
        break;
      case EVP_PKEY_DSA:
        out.key_type = "DSA";
        break;
      default:
        out.key_type = "other";
    }
    out.key_bits = static_cast<uint32_t>(EVP_PKEY_get_bits(key));
  }
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x.get()), &tm) == 1) {
    // Days from the civil date (UTC), so no timegm/_mkgmtime is needed.
    const int y = tm.tm_year + 1900 - (tm.tm_mon < 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int m = tm.tm_mon + 1;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
    const int64_t seconds =
        days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    out.not_after = TimePoint(std::chrono::seconds(seconds));
    out.expired = now > *out.not_after;
    out.expires_soon =
        !out.expired && *out.not_after - now <= std::chrono::hours(24 * 30);
  }
  ERR_clear_error();
  return out;
}

}  // namespace mamori::facts
