#pragma once

// CollectorServer: the gRPC server around CollectorService and its
// ReportWriter, with the transport settings the collector needs (TLS,
// message size, keepalive, stream limits, a memory quota for what is still
// being received, per-peer connection limits, no port sharing). The
// collector's PeerListener accepts connections and gRPC serves them. Used by
// `mamori-collector serve` and by in-process integration tests.
//
// Thread safety: Start() and Shutdown() from one owner thread.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "collector/pki/ca.h"
#include "collector/service/collector_service.h"
#include "collector/service/peer_listener.h"
#include "collector/service/report_writer.h"
#include "collector/store/store.h"

namespace mamori::service {

struct ServerConfig {
  // ADDR:PORT to listen on; port 0 picks a free port (see port()).
  std::string address = "127.0.0.1:50443";
  // Plain HTTP/2 without TLS: tests only.
  bool insecure_plaintext = false;
  // The server's key and certificate (TLS).
  pki::KeyAndCert server_identity;
  // The CA: its certificate verifies client certificates; its key, when
  // set, signs CSRs sent at enrollment.
  pki::KeyAndCert ca;
  ServiceOptions service;
  ReportWriter::Options writer;
  // Connections one peer address may hold open (issue 13.1); a connection
  // over it is reset before its TLS handshake. 0 = no limit.
  size_t max_connections_per_peer = 64;
  // Time a new connection has to finish its TLS handshake and send HTTP/2's
  // settings; a peer holding connections open without finishing loses them.
  std::chrono::milliseconds handshake_timeout{20'000};
  // Calls in flight on one connection (an agent makes one at a time).
  int max_concurrent_streams = 16;
  // Memory gRPC may use for connections and requests still being received,
  // i.e. before the handler can check who sent them (issue 13.1): past it,
  // gRPC stops reading and cancels streams ("Buffers full") rather than
  // buffering more. Authenticated reports waiting for the store are bounded
  // apart, by writer.max_queued_bytes.
  size_t receive_quota_bytes = 24u << 20;
  // How long Shutdown() lets in-flight calls finish before cancelling them.
  std::chrono::milliseconds shutdown_grace{10'000};
};

class CollectorServer {
 public:
  // Builds and starts the server. Returns it, or UNAVAILABLE naming the
  // address when it cannot listen (in use, bad address), INVALID_ARGUMENT
  // when TLS material is missing.
  static Result<std::unique_ptr<CollectorServer>> Start(store::Store& store,
                                                        const Clock& clock,
                                                        ServerConfig config);
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;
  ~CollectorServer();

  // The port actually bound.
  int port() const { return port_; }

  // Connections refused for being over the per-peer limit.
  uint64_t refused_connections() const { return listener_->refused(); }

  // Stops accepting calls, lets in-flight reports commit (or be cancelled
  // after the grace period; a cancelled report is either fully stored or
  // not at all), drains the queue and returns. Idempotent.
  void Shutdown();

 private:
  CollectorServer(store::Store& store, ServerConfig config, const Clock& clock);

  ServerConfig config_;
  ReportWriter writer_;
  CollectorService service_;
  // Accepts TCP connections and hands them to server_ (per-peer limits).
  std::unique_ptr<PeerListener> listener_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace mamori::service
