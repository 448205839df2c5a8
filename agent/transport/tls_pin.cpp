#include "agent/transport/tls_pin.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#include <sys/time.h>
#endif

#include <cerrno>
#include <cstring>
#include <memory>

#include "agent/transport/part_digest.h"
#include "common/text.h"

namespace mamori::transport {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// The oldest queued OpenSSL error with its detail text (e.g. getaddrinfo's
// "Name or service not known"); clears the queue.
std::string OpenSslError() {
  const char* data = nullptr;
  int flags = 0;
  unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  std::string out = buf;
  if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
    out += std::string(" (") + data + ")";
  }
  ERR_clear_error();
  return out;
}

X509Ptr ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();
  return X509Ptr(cert);
}

std::string ToPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string Fingerprint(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  if (n <= 0) return {};
  std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return Sha256Hex(bytes);
}

// BIO_socket's "no socket" (INVALID_SOCKET as an int on Windows).
constexpr int kNoSocket = -1;

// Sets the send and receive timeouts of `fd` (SO_SNDTIMEO/SO_RCVTIMEO take a
// timeval on POSIX and milliseconds as a DWORD on Windows).
void SetTimeouts(int fd, int timeout_seconds) {
#ifdef _WIN32
  const DWORD ms = static_cast<DWORD>(timeout_seconds) * 1000;
  const char* value = reinterpret_cast<const char*>(&ms);
  const int size = sizeof(ms);
#else
  timeval tv{};
  tv.tv_sec = timeout_seconds;
  const void* value = &tv;
  const socklen_t size = sizeof(tv);
#endif
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, value, size);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, value, size);
}

// A connected TCP socket or an error; closes on destruction. Uses OpenSSL's
// portable socket calls (getaddrinfo, socket, connect, close on POSIX;
// Winsock, initialised by OpenSSL, on Windows).
class Socket {
 public:
  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ != kNoSocket) BIO_closesocket(fd_);
  }
  Status Connect(const std::string& host, int port, int timeout_seconds) {
    BIO_ADDRINFO* found = nullptr;
    if (BIO_lookup_ex(host.c_str(), std::to_string(port).c_str(),
                      BIO_LOOKUP_CLIENT, AF_UNSPEC, SOCK_STREAM, 0,
                      &found) == 0) {
      return UnavailableError("cannot resolve " + host + ": " + OpenSslError());
    }
    std::string last_error = "no address";
    for (const BIO_ADDRINFO* a = found; a != nullptr;
         a = BIO_ADDRINFO_next(a)) {
      const int fd =
          BIO_socket(BIO_ADDRINFO_family(a), BIO_ADDRINFO_socktype(a),
                     BIO_ADDRINFO_protocol(a), 0);
      if (fd == kNoSocket) continue;
      SetTimeouts(fd, timeout_seconds);
      if (BIO_connect(fd, BIO_ADDRINFO_address(a), 0) == 1) {
        fd_ = fd;
        break;
      }
      last_error = OpenSslError();
      BIO_closesocket(fd);
    }
    BIO_ADDRINFO_free(found);
    if (fd_ == kNoSocket) {
      return UnavailableError("cannot connect to " + host + ":" +
                              std::to_string(port) + ": " + last_error);
    }
    return Status::Ok();
  }
  int fd() const { return fd_; }

 private:
  int fd_ = kNoSocket;
};

}  // namespace

Status SplitHostPort(const std::string& address, std::string* host, int* port) {
  const std::string expected =
      "expected HOST:PORT (e.g. collector.example.jp:50443), got '" +
      SanitizeUtf8(address) + "'";
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError(expected);
  }
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  std::optional<int64_t> p = ParseInt64(address.substr(colon + 1));
  if (h.empty() || !p || *p <= 0 || *p > 65535) {
    return InvalidArgumentError(expected);
  }
  *host = h;
  *port = static_cast<int>(*p);
  return Status::Ok();
}

Result<std::string> NormaliseFingerprint(const std::string& text) {
  std::string_view t = Trim(text);
  if (size_t eq = t.find('='); eq != std::string_view::npos) {
    t = t.substr(eq + 1);
  } else if (StartsWith(ToLowerAscii(t), "sha256:")) {
    t = t.substr(7);
  }
  std::string hex;
  for (char c : t) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      hex.clear();
      break;
    }
    hex.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 64) {
    return InvalidArgumentError(
        "--ca-sha256: expected the CA certificate's SHA-256 fingerprint as 64 "
        "hex digits (colons allowed), got '" +
        SanitizeUtf8(text) + "'");
  }
  return hex;
}

Result<std::string> CertificateFingerprint(const std::string& pem) {
  X509Ptr cert = ParsePem(pem);
  if (!cert) return InvalidArgumentError("no PEM certificate found");
  return Fingerprint(cert.get());
}

Result<std::vector<std::string>> FetchServerChain(const std::string& host,
                                                  int port,
                                                  int timeout_seconds) {
  Socket sock;
  MAMORI_RETURN_IF_ERROR(sock.Connect(host, port, timeout_seconds));
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return InternalError("TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Nothing is trusted yet: the chain is judged by SelectPinnedCa.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!ssl) return InternalError("TLS: " + OpenSslError());
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof(kAlpn));
  SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  SSL_set_fd(ssl.get(), sock.fd());
  if (SSL_connect(ssl.get()) != 1) {
    return UnavailableError("TLS handshake with " + host + ":" +
                            std::to_string(port) +
                            " failed: " + OpenSslError());
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  std::vector<std::string> out;
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    out.push_back(ToPem(sk_X509_value(chain, i)));
  }
  SSL_shutdown(ssl.get());
  if (out.empty()) {
    return UnavailableError(host + ":" + std::to_string(port) +
                            " presented no certificate");
  }
  return out;
}

Result<std::string> SelectPinnedCa(const std::vector<std::string>& chain,
                                   const std::string& fingerprint,
                                   const std::string& host) {
  if (chain.empty()) return PermissionDeniedError("the server sent no chain");
  std::vector<X509Ptr> certs;
  std::string seen;
  X509* pinned = nullptr;
  for (const std::string& pem : chain) {
    X509Ptr cert = ParsePem(pem);
    if (!cert) return PermissionDeniedError("unreadable certificate in chain");
    const std::string fp = Fingerprint(cert.get());
    seen += (seen.empty() ? "" : ", ") + fp;
    if (fp == fingerprint) pinned = cert.get();
    certs.push_back(std::move(cert));
  }
  if (pinned == nullptr) {
    return PermissionDeniedError(
        "no certificate in the collector's TLS chain has fingerprint " +
        fingerprint + " (chain: " + seen +
        "); check the fingerprint printed by `mamori-collector init`, or the "
        "collector does not send its CA certificate: use --ca FILE");
  }
  if (X509_check_ca(pinned) <= 0) {
    return PermissionDeniedError("the certificate with fingerprint " +
                                 fingerprint + " is not a CA certificate");
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(
      X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), pinned);
  struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
  };
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (size_t i = 1; i < certs.size(); ++i) {
    sk_X509_push(untrusted.get(), certs[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx(
      X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509_STORE_CTX_init(vctx.get(), store.get(), certs[0].get(), untrusted.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(vctx.get());
  // The dialled name must be in the leaf, as gRPC will check later anyway.
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    ERR_clear_error();
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  if (X509_verify_cert(vctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(vctx.get());
    ERR_clear_error();
    return PermissionDeniedError(
        std::string("the collector's certificate does not verify against the "
                    "pinned CA: ") +
        X509_verify_cert_error_string(err));
  }
  return ToPem(pinned);
}

}  // namespace mamori::transport
