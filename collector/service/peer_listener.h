#pragma once

// Per-peer connection limits (issue 13.1). gRPC 1.51 has no setting that
// bounds how many connections one address may hold open, and every open
// connection costs the collector memory (≈80 KB with TLS) and, until its
// handshake ends, CPU. So the collector listens itself: PeerListener
// accepts each TCP connection, counts the connections each peer address
// holds open, closes one over the limit at once (a reset, before a single
// TLS byte is read), and hands the rest to gRPC through ServerBuilder's
// external connection acceptor. gRPC then does TLS and HTTP/2 on them with
// the server's credentials and channel arguments, exactly as on a port it
// had bound itself.
//
// A connection handed to gRPC is closed by gRPC without telling us. Its slot
// is freed when the kernel no longer lists the socket as open on our side:
// ConnectionTable keeps each peer's connections by socket cookie
// (SO_COOKIE), and when a peer reaches its limit the listener asks the
// kernel (sock_diag) which of them are still open before refusing.
//
// Thread safety: ConnectionTable is not thread-safe (the listener's one
// accept thread owns it). PeerListener: Open/Start/Stop from one owner
// thread; counters may be read from any thread.

#include <grpcpp/server_builder.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collector/service/log_limiter.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::service {

// Open connections per peer address, each known by its socket cookie.
class ConnectionTable {
 public:
  // `limit` connections per peer (at least 1).
  explicit ConnectionTable(size_t limit) : limit_(limit) {}

  // Records connection `cookie` from `peer` and returns true when the peer
  // holds fewer than the limit; returns false (and records nothing) when it
  // holds the limit already.
  bool Admit(const std::string& peer, uint64_t cookie);

  // Forgets every connection whose cookie is not in `open` (the sockets the
  // kernel still lists) and every peer left with none.
  void KeepOnly(const std::unordered_set<uint64_t>& open);

  // Connections recorded for `peer` (0 when none).
  size_t Count(const std::string& peer) const;
  // Peers with at least one connection recorded.
  size_t peers() const { return by_peer_.size(); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::unordered_map<std::string, std::vector<uint64_t>> by_peer_;
};

// Cookies of the TCP sockets (IPv4 and IPv6) whose local port is
// `local_port` and that are still open on this side (ESTABLISHED or
// CLOSE_WAIT: a socket the collector closed is in neither). Returns them,
// or UNAVAILABLE naming the netlink failure (e.g. a kernel without
// sock_diag for TCP).
Result<std::unordered_set<uint64_t>> OpenSocketCookies(int local_port);

// "10.0.0.5", "::1"; an IPv4 address mapped into IPv6 (::ffff:10.0.0.5, as
// a dual-stack listener sees IPv4 peers) as IPv4, so one peer has one name.
std::string SocketPeerAddress(const sockaddr_storage& address);

class PeerListener {
 public:
  struct Options {
    // Connections one peer address may hold open at once; 0 = no limit
    // (every connection is handed over, nothing is counted).
    size_t max_connections_per_peer = 64;
    // Refusal log lines a minute (the next line says how many were left
    // out).
    int log_lines_per_minute = 20;
  };

  // Binds and listens on `address` the way gRPC would: "HOST:PORT" with
  // HOST an IPv4 address, a bracketed IPv6 address or a name (every address
  // it resolves to, on one port; "localhost" gives 127.0.0.1 and ::1), and
  // 0.0.0.0, [::] or an empty HOST as every address (one dual-stack socket
  // where the system has IPv6). Port 0 picks a free port, the same for every
  // address. No port sharing: a port in use is an error. Returns the
  // listener (not yet accepting), UNAVAILABLE naming the address when
  // nothing could be bound, INVALID_ARGUMENT for a malformed address, or
  // UNAVAILABLE when the limit is on and the kernel cannot list sockets.
  static Result<std::unique_ptr<PeerListener>> Open(const std::string& address,
                                                    const Clock& clock,
                                                    Options options);
  PeerListener(const PeerListener&) = delete;
  PeerListener& operator=(const PeerListener&) = delete;
  ~PeerListener();

  // The port bound.
  int port() const { return port_; }

  // Starts accepting on a thread of its own, handing admitted connections
  // to `acceptor`. Call after the gRPC server has started (gRPC leaks a
  // connection handed to it before then).
  void Start(
      std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor);

  // Stops accepting and closes the listening sockets; connections already
  // handed over stay gRPC's. Call before shutting the gRPC server down.
  // Idempotent.
  void Stop();

  // Connections handed to gRPC, and refused for being over the limit.
  uint64_t admitted() const { return admitted_; }
  uint64_t refused() const { return refused_; }

 private:
  PeerListener(const Clock& clock, Options options);
  void AcceptLoop();
  void AcceptFrom(int listener_fd);
  // Asks the kernel which recorded connections are still open, at most
  // once per kMinRecountInterval unless `force`.
  void Recount(bool force);

  const Options options_;
  std::vector<int> listen_fds_;
  int wake_fd_ = -1;
  int port_ = 0;
  ConnectionTable table_;
  LogLimiter refusal_log_;
  std::chrono::steady_clock::time_point last_recount_{};
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::thread thread_;
  std::atomic<uint64_t> admitted_{0};
  std::atomic<uint64_t> refused_{0};
  bool stopped_ = false;
};

}  // namespace mamori::service
