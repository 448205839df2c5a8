#pragma once

// CollectorClient: the agent's gRPC channel to the collector, always over
// TLS with the collector's CA as the only trust root.
//
// The channel carries a service-config retry policy for Report (retried on
// UNAVAILABLE and RESOURCE_EXHAUSTED; gRPC waits the server's
// `grpc-retry-pushback-ms` before retrying), so short overloads are absorbed
// inside one call; a longer one surfaces as RESOURCE_EXHAUSTED with the
// server's retry-after. Enroll is never retried automatically: a token may be
// single-use. Report is safe to retry because the collector deduplicates on
// report_id.
//
// Thread-safe: calls may be made from several threads.

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "mamori/v1/collector.grpc.pb.h"

namespace mamori::transport {

struct ClientOptions {
  // HOST:PORT.
  std::string server;
  // PEM CA certificate(s) that must have signed the collector's certificate.
  std::string ca_pem;
  // Deadline of one call, retries included.
  std::chrono::milliseconds timeout{30000};
  // Largest report the channel will send.
  int max_send_bytes = 64 << 20;
};

// The result of one Report call.
struct ReportCall {
  // OK, or the gRPC status converted (codes are the same numbers).
  Status status;
  mamori::v1::ReportResponse response;
  // The server's `grpc-retry-pushback-ms` hint, 0 when absent.
  std::chrono::milliseconds retry_after{0};
  // RESOURCE_EXHAUSTED because the request is larger than the collector's
  // (or this channel's) message size limit: sending it again cannot help.
  bool too_large = false;
};

class CollectorClient {
 public:
  // Returns a client, or INVALID_ARGUMENT for a bad address or empty CA.
  // Does not connect: the first call does.
  static Result<std::unique_ptr<CollectorClient>> Create(
      const ClientOptions& options);

  // Returns the response, or the converted gRPC error (UNAUTHENTICATED for a
  // bad token, UNAVAILABLE when unreachable or the TLS handshake fails).
  Result<mamori::v1::EnrollResponse> Enroll(
      const mamori::v1::EnrollRequest& request);

  ReportCall Report(const mamori::v1::ReportRequest& request);

 private:
  CollectorClient(ClientOptions options,
                  std::unique_ptr<mamori::v1::Collector::Stub> stub)
      : options_(std::move(options)), stub_(std::move(stub)) {}

  ClientOptions options_;
  std::unique_ptr<mamori::v1::Collector::Stub> stub_;
};

// The channel's service config (JSON), exposed for tests and docs.
std::string CollectorServiceConfig();

}  // namespace mamori::transport
