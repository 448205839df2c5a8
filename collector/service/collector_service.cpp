#include "collector/service/collector_service.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <mutex>

#include "collector/pki/crypto.h"
#include "collector/service/remote_status.h"
#include "common/log.h"
#include "common/text.h"

namespace mamori::service {
namespace {

// protobuf reports the field holding invalid UTF-8 only through its log.
// This handler keeps that line for the parsing thread, so ParseRequest can
// name the field; other protobuf messages go to our log.
thread_local std::string tls_protobuf_error;

void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename,
                        int line, const std::string& message) {
  if (message.find("invalid UTF-8") != std::string::npos) {
    tls_protobuf_error = message;
    return;
  }
  if (level >= google::protobuf::LOGLEVEL_WARNING) {
    MAMORI_LOG(kWarning) << "protobuf " << filename << ":" << line << ": "
                         << message;
  }
}

void InstallProtobufLogHandler() {
  static std::once_flag once;
  std::call_once(once,
                 [] { google::protobuf::SetLogHandler(&ProtobufLogHandler); });
}

// "String field 'mamori.v1.SystemFacts.hostname' contains invalid UTF-8 …"
// → "mamori.v1.SystemFacts.hostname".
std::string Utf8FieldName(const std::string& log_line) {
  size_t open = log_line.find('\'');
  size_t close =
      open == std::string::npos ? open : log_line.find('\'', open + 1);
  if (close == std::string::npos) return "a string field";
  return log_line.substr(open + 1, close - open - 1);
}

void SetResponse(const google::protobuf::Message& message,
                 grpc::ByteBuffer* response) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *response = grpc::ByteBuffer(&slice, 1);
}

}  // namespace

grpc::Status ToGrpc(const Status& status) { return ToRemoteStatus(status); }

Status ParseRequest(const grpc::ByteBuffer& buffer,
                    google::protobuf::Message* message) {
  InstallProtobufLogHandler();
  tls_protobuf_error.clear();
  grpc::ByteBuffer copy(buffer);  // the reader consumes its buffer
  grpc::ProtoBufferReader reader(&copy);
  if (message->ParseFromZeroCopyStream(&reader)) return Status::Ok();
  if (!tls_protobuf_error.empty()) {
    std::string field = Utf8FieldName(tls_protobuf_error);
    tls_protobuf_error.clear();
    return InvalidArgumentError("field " + field +
                                " contains invalid UTF-8; send valid UTF-8");
  }
  return InvalidArgumentError("request is not a valid " +
                              message->GetDescriptor()->full_name() +
                              " (malformed protobuf)");
}

CollectorService::CollectorService(store::Store& store, ReportWriter& writer,
                                   std::optional<pki::KeyAndCert> ca,
                                   const Clock& clock, ServiceOptions options)
    : store_(store),
      writer_(writer),
      ca_(std::move(ca)),
      clock_(clock),
      options_(options),
      enroll_limiter_(clock, options.enroll_per_minute, options.enroll_burst) {
  InstallProtobufLogHandler();
}

grpc::ServerUnaryReactor* CollectorService::Enroll(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(DoEnroll(context, request, response));
  return reactor;
}

grpc::Status CollectorService::DoEnroll(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) {
  v1::EnrollRequest in;
  Status parsed = ParseRequest(*request, &in);
  if (!parsed.ok()) return ToGrpc(parsed);
  Status valid = CheckEnroll(in, options_.limits);
  if (!valid.ok()) return ToGrpc(valid);
  const std::string token_hash = pki::Sha256Hex(in.token());
  if (!enroll_limiter_.Allow(token_hash)) {
    context->AddTrailingMetadata("grpc-retry-pushback-ms", "60000");
    return ToGrpc(ResourceExhaustedError(
        "too many enrollments with this token; retry in a minute"));
  }
  if (!in.csr_pem().empty() && !ca_.has_value()) {
    return ToGrpc(FailedPreconditionError(
        "this collector cannot sign client certificates (no CA key loaded)"));
  }

  store::EnrollInput input;
  input.token = in.token();
  input.identity.hostname = in.identity().hostname();
  input.identity.machine_id = in.identity().machine_id();
  input.identity.smbios_uuid = ToLowerAscii(in.identity().smbios_uuid());
  input.identity.serial = in.identity().serial();
  input.identity.macs.assign(in.identity().macs().begin(),
                             in.identity().macs().end());
  std::sort(input.identity.macs.begin(), input.identity.macs.end());
  input.os_name = in.os_name();
  input.os_version = in.os_version();
  input.agent_version = in.agent_version();
  const std::string node_key = pki::RandomSecret(32);
  input.node_key_hash = pki::Sha256Hex(node_key);
  if (!in.previous_host_id().empty() && !in.previous_node_key().empty()) {
    input.previous_host_id = ParseInt64(in.previous_host_id());
    input.previous_node_key_hash = pki::Sha256Hex(in.previous_node_key());
  }

  Result<store::EnrollOutcome> outcome = store_.Enroll(input);
  if (!outcome.ok()) {
    // The peer address helps spot a misconfigured fleet; the token itself
    // is never logged.
    MAMORI_LOG(kWarning) << "enrollment from " << context->peer()
                         << " refused: " << outcome.status().message();
    return ToGrpc(outcome.status());
  }
  v1::EnrollResponse out;
  out.set_host_id(std::to_string(outcome->host_id));
  out.set_node_key(node_key);
  out.set_reattached(outcome->reattached);
  out.set_clone_suspected(outcome->clone_suspected);
  out.set_possible_duplicate(outcome->possible_duplicate_of.has_value());
  out.set_organization(outcome->org_name);
  if (!in.csr_pem().empty()) {
    Result<std::string> cert =
        pki::SignClientCsr(*ca_, in.csr_pem(), out.host_id(), clock_.Now());
    if (!cert.ok()) {
      // The host is enrolled; the agent may retry with a valid CSR, which
      // re-attaches to the same record.
      return ToGrpc(cert.status());
    }
    out.set_client_cert_pem(*cert);
  }
  MAMORI_LOG(kInfo)
      << "host " << outcome->host_id << " enrolled in '" << outcome->org_name
      << "'" << (outcome->reattached ? " (re-attached)" : "")
      << (outcome->clone_suspected ? " (suspected clone)" : "")
      << (outcome->possible_duplicate_of
              ? " (possible duplicate of host " +
                    std::to_string(*outcome->possible_duplicate_of) + ")"
              : "");
  SetResponse(out, response);
  return grpc::Status::OK;
}

void CollectorService::Busy(grpc::CallbackServerContext* context,
                            grpc::ServerUnaryReactor* reactor,
                            int64_t host_id) {
  const int64_t spread = options_.pushback_spread_ms;
  // 7919 (a prime) walks the counter across the whole spread.
  const uint64_t key =
      host_id > 0
          ? static_cast<uint64_t>(host_id)
          : refused_unparsed_.fetch_add(1, std::memory_order_relaxed) * 7919u;
  const int64_t pushback =
      options_.pushback_base_ms +
      (spread > 0 ? static_cast<int64_t>(key % static_cast<uint64_t>(spread))
                  : 0);
  context->AddTrailingMetadata("grpc-retry-pushback-ms",
                               std::to_string(pushback));
  reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "collector busy: report queue full; retry "
                               "after grpc-retry-pushback-ms"));
}

grpc::ServerUnaryReactor* CollectorService::Report(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A parsed and converted report holds about eight times its size on the
  // wire (a first report of 1,500 packages: 110 KB → ≈0.9 MB); when that
  // would not fit, refuse before doing the work.
  constexpr size_t kHeldPerWireByte = 8;
  if (!writer_.HasRoomFor(request->Length() * kHeldPerWireByte)) {
    Busy(context, reactor, 0);
    return reactor;
  }
  // Parsed into an arena (far fewer mallocs); the shared pointer keeps the
  // arena alive until the writer has converted what it needs.
  auto arena = std::make_shared<google::protobuf::Arena>();
  std::shared_ptr<v1::ReportRequest> parsed_request(
      arena,
      google::protobuf::Arena::CreateMessage<v1::ReportRequest>(arena.get()));
  Status parsed = ParseRequest(*request, parsed_request.get());
  if (!parsed.ok()) {
    reactor->Finish(ToGrpc(parsed));
    return reactor;
  }
  const v1::ReportRequest& in = *parsed_request;
  Result<store::ReportInput> report =
      ConvertReport(parsed_request, options_.limits);
  if (!report.ok()) {
    reactor->Finish(ToGrpc(report.status()));
    return reactor;
  }
  // A time from the future would count as fresh for ever: stored as
  // received and flagged on the host by the store (not logged here: the
  // report is not authenticated yet).
  (void)ClampFutureTimes(&*report, clock_.Now(), options_.limits);
  // A client certificate from our CA whose CN is this host id stands in
  // for the node key (mTLS).
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const grpc::string_ref& cn :
         auth->FindPropertyValues("x509_common_name")) {
      if (std::string(cn.data(), cn.size()) == in.host_id()) {
        report->authenticated_by_certificate = true;
      }
    }
  }
  report->held_bytes = static_cast<size_t>(arena->SpaceAllocated());
  const int64_t host_id = report->host_id;
  const uint32_t next_in = options_.next_report_in_seconds;
  ReportWriter::SubmitResult submitted = writer_.Submit(
      std::move(report).value(),
      [reactor, response, next_in](Result<store::ReportResult> result) {
        if (!result.ok()) {
          reactor->Finish(ToGrpc(result.status()));
          return;
        }
        v1::ReportResponse out;
        switch (result->outcome) {
          case store::ReportOutcome::kStored:
            out.set_outcome(v1::ReportResponse::OUTCOME_STORED);
            break;
          case store::ReportOutcome::kDuplicate:
            out.set_outcome(v1::ReportResponse::OUTCOME_DUPLICATE);
            break;
          case store::ReportOutcome::kNeedParts:
            out.set_outcome(v1::ReportResponse::OUTCOME_NEED_PARTS);
            for (const std::string& part : result->missing_parts) {
              out.add_missing_parts(part);
            }
            break;
        }
        out.set_next_report_in_seconds(next_in);
        SetResponse(out, response);
        reactor->Finish(grpc::Status::OK);
      });
  switch (submitted) {
    case ReportWriter::SubmitResult::kQueued:
      break;
    case ReportWriter::SubmitResult::kFull:
      Busy(context, reactor, host_id);
      break;
    case ReportWriter::SubmitResult::kClosed:
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "collector is shutting down; retry later"));
      break;
  }
  return reactor;
}

}  // namespace mamori::service
