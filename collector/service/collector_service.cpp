#include "collector/service/collector_service.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <mutex>

#include "collector/pki/ca.h"
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
      enroll_limiter_(clock, options.enroll_per_minute, options.enroll_burst),
      enroll_failures_by_peer_(clock,
                               options.enroll_failures_per_peer_per_minute,
                               options.enroll_failure_burst_per_peer),
      enroll_failures_(clock, options.enroll_failures_per_minute,
                       options.enroll_failure_burst),
      authenticator_(store, options.auth_cache_hosts),
      quotas_(clock, options.quotas),
      report_refusals_(clock, options.refusal_log_lines_per_minute),
      enroll_refusals_(clock, options.refusal_log_lines_per_minute) {
  InstallProtobufLogHandler();
}

grpc::Status CollectorService::Damaged() {
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE,
      "the collector's database is damaged; the administrator must stop the "
      "collector and restore the last backup (mamori-collector restore) / "
      "データベースが破損しています。管理者はコレクターを停止し、最新の"
      "バックアップから復元してください (mamori-collector restore)");
}

void CollectorService::MarkDamaged(const Status& status) {
  if (damaged_.exchange(true)) return;
  MAMORI_LOG(kError) << "the database is damaged (" << status.message()
                     << "): refusing all reports and enrollments. Stop the "
                        "collector, keep a copy of the data directory, and "
                        "restore the last backup (mamori-collector restore); "
                        "see docs/security.md / データベースが破損しています。"
                        "停止してバックアップから復元してください";
}

grpc::Status CollectorService::Refuse(LogLimiter& log, const char* what,
                                      grpc::CallbackServerContext* context,
                                      const Status& status) {
  uint64_t left_out = 0;
  if (log.Allow(&left_out)) {
    MAMORI_LOG(kWarning) << what << " from " << PeerAddress(context->peer())
                         << " refused: " << status.message()
                         << (left_out > 0 ? " (" + std::to_string(left_out) +
                                                " more refusals not logged)"
                                          : std::string());
  }
  return ToGrpc(status);
}

std::string CollectorService::ClientCertificateSha256(
    grpc::CallbackServerContext* context, const std::string& host_id) const {
  // Verified against our CA by the TLS handshake; only the CN naming the
  // host makes it that host's, and only the current one is accepted by the
  // store (revocation).
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated() || host_id.empty()) {
    return "";
  }
  bool names_host = false;
  for (const grpc::string_ref& cn :
       auth->FindPropertyValues("x509_common_name")) {
    names_host = names_host || std::string(cn.data(), cn.size()) == host_id;
  }
  if (!names_host) return "";
  for (const grpc::string_ref& pem :
       auth->FindPropertyValues("x509_pem_cert")) {
    Result<std::string> sha256 =
        pki::CertificateSha256(std::string_view(pem.data(), pem.size()));
    if (sha256.ok()) return *sha256;
  }
  return "";
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
  if (damaged_.load(std::memory_order_relaxed)) return Damaged();
  v1::EnrollRequest in;
  Status parsed = ParseRequest(*request, &in);
  if (!parsed.ok()) return ToGrpc(parsed);
  Status valid = CheckEnroll(in, options_.limits);
  if (!valid.ok()) return ToGrpc(valid);
  // Failed enrollments are budgeted before the store is touched: random
  // tokens from one address (or from many) cannot keep the write lock busy.
  const std::string peer = PeerAddress(context->peer());
  if (!enroll_failures_by_peer_.HasRoom(peer) ||
      !enroll_failures_.HasRoom("")) {
    context->AddTrailingMetadata("grpc-retry-pushback-ms", "60000");
    return Refuse(enroll_refusals_, "enrollment", context,
                  ResourceExhaustedError(
                      "too many failed enrollments from this address or in "
                      "all; retry in a minute"));
  }
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

  store::EnrollInput input = ConvertEnroll(in);
  const std::string node_key = pki::RandomSecret(32);
  input.node_key_hash = pki::Sha256Hex(node_key);
  if (!in.previous_host_id().empty() && !in.previous_node_key().empty()) {
    input.previous_host_id = ParseInt64(in.previous_host_id());
    input.previous_node_key_hash = pki::Sha256Hex(in.previous_node_key());
  }

  Result<store::EnrollOutcome> outcome = store_.Enroll(input);
  if (!outcome.ok()) {
    if (outcome.status().code() == StatusCode::kUnauthenticated) {
      (void)enroll_failures_by_peer_.Allow(peer);
      (void)enroll_failures_.Allow("");
    }
    if (outcome.status().code() == StatusCode::kDataLoss) {
      MarkDamaged(outcome.status());
      return Damaged();
    }
    // The peer address helps spot a misconfigured fleet; the token itself
    // is never logged.
    return Refuse(enroll_refusals_, "enrollment", context, outcome.status());
  }
  authenticator_.Forget(outcome->host_id);
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
    // Only this certificate authenticates the host from now on.
    Result<std::string> cert_sha256 = pki::CertificateSha256(*cert);
    if (!cert_sha256.ok()) return ToGrpc(cert_sha256.status());
    Status recorded = store_.SetHostCertificate(outcome->host_id, *cert_sha256);
    if (!recorded.ok()) return ToGrpc(recorded);
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
  if (damaged_.load(std::memory_order_relaxed)) {
    reactor->Finish(Damaged());
    return reactor;
  }
  // Authenticate before any work: the claimed credentials are read from the
  // wire bytes and checked against the stored ones (cached), then the
  // host's and organisation's quotas; only then is the report parsed.
  Result<ClaimedCredentials> claimed = ScanReportCredentials(*request);
  if (!claimed.ok()) {
    reactor->Finish(
        Refuse(report_refusals_, "report", context, claimed.status()));
    return reactor;
  }
  const std::string cert_sha256 =
      ClientCertificateSha256(context, claimed->host_id);
  Result<int64_t> org_id = authenticator_.Check(
      claimed->host_id,
      claimed->node_key.empty() ? "" : pki::Sha256Hex(claimed->node_key),
      cert_sha256);
  if (!org_id.ok()) {
    if (org_id.status().code() == StatusCode::kDataLoss) {
      MarkDamaged(org_id.status());
      reactor->Finish(Damaged());
    } else {
      reactor->Finish(
          Refuse(report_refusals_, "report", context, org_id.status()));
    }
    return reactor;
  }
  // A parsed and converted report holds about eight times its size on the
  // wire (a first report of 1,500 packages: 110 KB → ≈0.9 MB); when that
  // would not fit, refuse before doing the work.
  constexpr size_t kHeldPerWireByte = 8;
  if (!writer_.HasRoomFor(request->Length() * kHeldPerWireByte)) {
    Busy(context, reactor, 0);
    return reactor;
  }
  // Quotas after the busy check, so a report refused as busy (and sent
  // again after the hint) does not use up its host's quota.
  {
    std::chrono::milliseconds retry_after{0};
    const int64_t claimed_host = ParseHostId(claimed->host_id).value_or(0);
    Status admitted =
        quotas_.Admit(claimed_host, *org_id, request->Length(), &retry_after);
    if (!admitted.ok()) {
      context->AddTrailingMetadata("grpc-retry-pushback-ms",
                                   std::to_string(retry_after.count()));
      reactor->Finish(Refuse(report_refusals_, "report", context, admitted));
      return reactor;
    }
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
  // for the node key (mTLS); the store checks it is the host's current one.
  if (!cert_sha256.empty() && in.host_id() == claimed->host_id) {
    report->authenticated_by_certificate = true;
    report->certificate_sha256 = cert_sha256;
  }
  report->held_bytes = static_cast<size_t>(arena->SpaceAllocated());
  const int64_t host_id = report->host_id;
  const uint32_t next_in = options_.next_report_in_seconds;
  ReportWriter::SubmitResult submitted = writer_.Submit(
      std::move(report).value(), [this, context, reactor, response, next_in,
                                  host_id](Result<store::ReportResult> result) {
        if (!result.ok()) {
          const StatusCode code = result.status().code();
          if (code == StatusCode::kUnauthenticated) {
            // Revoked or re-keyed since it was cached.
            authenticator_.Forget(host_id);
          } else if (code == StatusCode::kDataLoss) {
            MarkDamaged(result.status());
            reactor->Finish(Damaged());
            return;
          } else if (code == StatusCode::kUnavailable) {
            // Disk full or database busy: the agent keeps the report and
            // comes back later.
            context->AddTrailingMetadata(
                "grpc-retry-pushback-ms",
                std::to_string(options_.pushback_base_ms * 5));
          }
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
