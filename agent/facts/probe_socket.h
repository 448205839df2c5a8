#pragma once

// The thin OS seam of the service_exposure probes: a TCP connection to one of
// this host's own addresses with deadlines. linux/probe_socket.cpp (POSIX
// sockets) and windows/probe_socket.cpp (Winsock) implement it; everything
// above (service_probe.cpp, service_tls.cpp) is portable. A ProbeSocket is
// owned by one thread; distinct sockets may be used concurrently.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct x509_store_st;

namespace mamori::facts {

using ProbeDeadline = std::chrono::steady_clock::time_point;

// A byte stream to the service: the plain socket, or TLS over it.
class ProbeStream {
 public:
  virtual ~ProbeStream() = default;
  // Sends all of `bytes` before `deadline`. DEADLINE_EXCEEDED on timeout,
  // UNAVAILABLE when the peer closed or reset.
  virtual Status Send(std::string_view bytes, ProbeDeadline deadline) = 0;
  // Appends what arrives (at most `max_bytes`) to `out` and returns as soon
  // as some bytes came. Returns OK with nothing appended when the peer closed
  // cleanly, DEADLINE_EXCEEDED when nothing came before `deadline`,
  // UNAVAILABLE on a reset.
  virtual Status ReceiveSome(std::string* out, size_t max_bytes,
                             ProbeDeadline deadline) = 0;
};

class ProbeSocket : public ProbeStream {
 public:
  // The OS handle for OpenSSL's SSL_set_fd (an int fd, or a SOCKET), with the
  // socket switched to blocking mode and its send/receive timeouts set to
  // `io_timeout`.
  virtual intptr_t NativeHandleForTls(std::chrono::milliseconds io_timeout) = 0;
};

// Connects to `address` (textual IPv4 or IPv6) port `port` before `deadline`.
// Errors: INVALID_ARGUMENT for an unparsable address, UNAVAILABLE (refused,
// unreachable) and DEADLINE_EXCEEDED (no answer) naming the address.
Result<std::unique_ptr<ProbeSocket>> ConnectProbeSocket(
    std::string_view address, uint32_t port, ProbeDeadline deadline);

// Adds the operating system's trusted root certificates to `store` (an
// OpenSSL X509_STORE): the distribution's CA bundle on Linux, the ROOT
// certificate store on Windows. Returns false when none could be loaded (then
// chain verdicts are left unset, never "untrusted").
bool LoadSystemTrustStore(x509_store_st* store);

}  // namespace mamori::facts
