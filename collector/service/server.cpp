#include "collector/service/server.h"

#include <grpc/grpc.h>
#include <grpcpp/resource_quota.h>

#include "common/log.h"

namespace mamori::service {

CollectorServer::CollectorServer(store::Store& store, ServerConfig config,
                                 const Clock& clock)
    : config_(std::move(config)),
      writer_(store, config_.writer),
      service_(store, writer_,
               config_.ca.key_pem.empty()
                   ? std::nullopt
                   : std::optional<pki::KeyAndCert>(config_.ca),
               clock, config_.service) {}

CollectorServer::~CollectorServer() { Shutdown(); }

Result<std::unique_ptr<CollectorServer>> CollectorServer::Start(
    store::Store& store, const Clock& clock, ServerConfig config) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (config.insecure_plaintext) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    if (config.server_identity.key_pem.empty() ||
        config.server_identity.cert_pem.empty()) {
      return InvalidArgumentError(
          "TLS needs the server key and certificate (run mamori-collector "
          "init)");
    }
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = config.ca.cert_pem;
    // The chain carries the CA after the leaf, so an agent enrolling with
    // only the CA's fingerprint (--ca-sha256) can find and pin it.
    std::string chain = config.server_identity.cert_pem;
    if (!chain.empty() && chain.back() != '\n') chain += '\n';
    chain += config.ca.cert_pem;
    options.pem_key_cert_pairs.push_back(
        {config.server_identity.key_pem, chain});
    credentials = grpc::SslServerCredentials(options);
  }

  std::unique_ptr<CollectorServer> server(
      new CollectorServer(store, config, clock));
  // The collector listens itself and hands gRPC the connections it admits:
  // gRPC 1.51 cannot bound connections per peer (peer_listener.h).
  Result<std::unique_ptr<PeerListener>> listener = PeerListener::Open(
      config.address, clock,
      {.max_connections_per_peer = config.max_connections_per_peer});
  if (!listener.ok()) {
    server->shut_down_ = true;
    if (listener.status().code() == StatusCode::kInvalidArgument) {
      return InvalidArgumentError("cannot listen on " + config.address + ": " +
                                  listener.status().message());
    }
    return listener.status();
  }
  server->listener_ = std::move(listener).value();
  server->port_ = server->listener_->port();
  grpc::ServerBuilder builder;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor =
      builder.experimental().AddExternalConnectionAcceptor(
          grpc::ServerBuilder::experimental_type::ExternalConnectionType::
              FROM_FD,
          credentials);
  builder.RegisterService(&server->service_);
  builder.SetMaxReceiveMessageSize(config.service.limits.max_message_bytes);
  builder.SetMaxSendMessageSize(4 << 20);
  // A second collector on the same port must fail, not share the traffic.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             config.max_concurrent_streams);
  // gRPC buffers a whole request before the handler sees it; without a
  // quota, 40 unauthenticated 25 MiB reports took a collector from 30 to
  // ≈590 MiB (docs/security.md). The quota makes gRPC refuse instead.
  grpc::ResourceQuota quota("mamori-collector-receive");
  quota.Resize(config.receive_quota_bytes);
  builder.SetResourceQuota(quota);
  // Keepalive: probe idle connections every 5 minutes, accept agent pings
  // every 30 s, close connections idle for 15 minutes (agents report hourly).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 15 * 60 * 1000);
  // A connection admitted under the per-peer limit holds its slot only as
  // long as its handshake may take (gRPC's default is 120 s).
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(config.handshake_timeout.count()));

  server->writer_.Start();
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) {
    server->writer_.Stop();
    server->shut_down_ = true;
    return UnavailableError("cannot start the gRPC server on " +
                            config.address);
  }
  server->listener_->Start(std::move(acceptor));
  MAMORI_LOG(kInfo) << "serving gRPC on port " << server->port_
                    << (config.insecure_plaintext ? " WITHOUT TLS (test mode)"
                                                  : " with TLS")
                    << ", at most "
                    << (config.max_connections_per_peer == 0
                            ? std::string("unlimited")
                            : std::to_string(config.max_connections_per_peer))
                    << " connections per peer address";
  return server;
}

void CollectorServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // No new connection reaches gRPC once it is shutting down (it would
  // leak them).
  if (listener_ != nullptr) listener_->Stop();
  if (server_ != nullptr) {
    // Stops new calls at once; in-flight reports are completed by the
    // writer, which keeps running until every call is done.
    server_->Shutdown(std::chrono::system_clock::now() +
                      config_.shutdown_grace);
  }
  writer_.Stop();
  if (server_ != nullptr) server_->Wait();
}

}  // namespace mamori::service
