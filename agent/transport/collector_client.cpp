#include "agent/transport/collector_client.h"

#include <grpcpp/grpcpp.h>

#include "agent/transport/tls_pin.h"
#include "common/text.h"

namespace mamori::transport {
namespace {

constexpr int kMaxReceiveBytes = 1 << 20;
// Retries replay the request from this buffer; a first report with a large
// package list must fit or it is sent only once.
constexpr int kRetryBufferBytes = 16 << 20;

Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  // gRPC reports a certificate the CA does not vouch for as UNAVAILABLE, like
  // a network outage; retrying cannot fix it, so it is a refusal.
  const std::string lower = ToLowerAscii(s.error_message());
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (lower.find("certificate verify failed") != std::string::npos ||
       lower.find("certificate_verify_failed") != std::string::npos)) {
    return PermissionDeniedError(
        what +
        ": the collector's TLS certificate is not signed by the "
        "trusted CA certificate (wrong --ca or --ca-sha256, or the "
        "collector was re-initialised): " +
        s.error_message());
  }
  return Status(static_cast<StatusCode>(s.error_code()),
                what + ": " + s.error_message());
}

std::chrono::milliseconds PushbackOf(const grpc::ClientContext& ctx) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find("grpc-retry-pushback-ms");
  if (it == trailers.end()) return std::chrono::milliseconds(0);
  std::optional<int64_t> ms =
      ParseInt64(std::string_view(it->second.data(), it->second.size()));
  if (!ms || *ms < 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(*ms);
}

}  // namespace

std::string CollectorServiceConfig() {
  return R"({
  "methodConfig": [{
    "name": [{"service": "mamori.v1.Collector", "method": "Report"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.5s",
      "maxBackoff": "10s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"]
    }
  }]
})";
}

Result<std::unique_ptr<CollectorClient>> CollectorClient::Create(
    const ClientOptions& options) {
  std::string host;
  int port = 0;
  MAMORI_RETURN_IF_ERROR(SplitHostPort(options.server, &host, &port));
  if (options.ca_pem.find("BEGIN CERTIFICATE") == std::string::npos) {
    return InvalidArgumentError("no CA certificate to trust the collector");
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.ca_pem;
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(CollectorServiceConfig());
  args.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  args.SetMaxSendMessageSize(options.max_send_bytes);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetInt(GRPC_ARG_PER_RPC_RETRY_BUFFER_SIZE, kRetryBufferBytes);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10000);
  auto channel = grpc::CreateCustomChannel(options.server,
                                           grpc::SslCredentials(ssl), args);
  return std::unique_ptr<CollectorClient>(
      new CollectorClient(options, mamori::v1::Collector::NewStub(channel)));
}

Result<mamori::v1::EnrollResponse> CollectorClient::Enroll(
    const mamori::v1::EnrollRequest& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  mamori::v1::EnrollResponse response;
  grpc::Status s = stub_->Enroll(&ctx, request, &response);
  if (!s.ok()) return FromGrpc(s, "enroll with " + options_.server);
  return response;
}

ReportCall CollectorClient::Report(const mamori::v1::ReportRequest& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
  ReportCall call;
  grpc::Status s = stub_->Report(&ctx, request, &call.response);
  call.status = FromGrpc(s, "report to " + options_.server);
  if (!s.ok()) call.retry_after = PushbackOf(ctx);
  // gRPC's own size checks, on the server ("Received message larger than
  // max (N vs. M)") and on this channel ("Sent message larger than max").
  call.too_large =
      s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      s.error_message().find("message larger than max") != std::string::npos;
  return call;
}

}  // namespace mamori::transport
