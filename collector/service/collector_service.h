#pragma once

// CollectorService: the gRPC Collector service (callback API). Thin: it
// parses and validates messages, calls the store for enrollments and hands
// reports to the single ReportWriter; no SQL here.
//
// Work is done only for those who prove who they are (issue 13.1): a
// report's node key (or client certificate) is checked from its wire bytes
// against the host's stored credentials, then its host and organisation
// quotas, before it is parsed. Failed enrollments are budgeted per peer
// address and in all before the store is touched (13.5). Refusals are
// logged, a limited number of lines per minute. When the store reports
// corruption the service stops accepting work and says how to restore.
//
// Requests are taken as raw bytes and parsed here, so a malformed message or
// a string with invalid UTF-8 gets INVALID_ARGUMENT naming the field instead
// of gRPC's generic INTERNAL. Enroll runs the store call on the gRPC thread
// (enrollments are rare); Report completes from the writer thread after the
// commit.
//
// Thread safety: all methods may run concurrently (gRPC's threads).

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <optional>
#include <string>

#include "collector/pki/ca.h"
#include "collector/service/credentials.h"
#include "collector/service/log_limiter.h"
#include "collector/service/quotas.h"
#include "collector/service/rate_limiter.h"
#include "collector/service/report_convert.h"
#include "collector/service/report_writer.h"
#include "collector/store/store.h"
#include "common/clock.h"
#include "mamori/v1/collector.grpc.pb.h"

namespace mamori::service {

struct ServiceOptions {
  Limits limits;
  // Enrollments per token: sustained rate and burst.
  double enroll_per_minute = 60;
  double enroll_burst = 30;
  // Failed enrollments (unknown, expired, revoked or used-up token) per
  // peer address and in all, sustained per minute and at once. Past them an
  // enrollment is refused before the store is touched; successes cost
  // nothing, so a whole office enrolling behind one NAT address is not
  // slowed by them.
  double enroll_failures_per_peer_per_minute = 6;
  double enroll_failure_burst_per_peer = 10;
  double enroll_failures_per_minute = 60;
  double enroll_failure_burst = 100;
  // Hosts whose credentials are kept in memory for the check before work.
  size_t auth_cache_hosts = 100'000;
  // Lines per minute logged about refused reports and, apart, enrollments.
  int refusal_log_lines_per_minute = 20;
  QuotaOptions quotas;
  // Retry hint sent with RESOURCE_EXHAUSTED, spread per host over
  // [base, base + spread) so a crowd does not come back at once.
  int pushback_base_ms = 1000;
  int pushback_spread_ms = 2000;
  // Suggested seconds between reports (0 = agent default).
  uint32_t next_report_in_seconds = 0;
};

class CollectorService final
    : public v1::Collector::WithRawCallbackMethod_Enroll<
          v1::Collector::WithRawCallbackMethod_Report<v1::Collector::Service>> {
 public:
  // `ca` signs client certificates from CSRs; when nullopt, a CSR gets
  // FAILED_PRECONDITION. All references must outlive the service.
  CollectorService(store::Store& store, ReportWriter& writer,
                   std::optional<pki::KeyAndCert> ca, const Clock& clock,
                   ServiceOptions options);

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Report(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

 private:
  grpc::Status DoEnroll(grpc::CallbackServerContext* context,
                        const grpc::ByteBuffer* request,
                        grpc::ByteBuffer* response);
  // Finishes a report call with RESOURCE_EXHAUSTED and a retry hint spread
  // over pushback_spread_ms (by host id, or by a counter when the request
  // was refused before it was parsed), so refused agents do not all come
  // back at once.
  void Busy(grpc::CallbackServerContext* context,
            grpc::ServerUnaryReactor* reactor, int64_t host_id);
  // The SHA-256 of the peer's client certificate when it names `host_id`
  // (CN) and was verified against our CA; empty otherwise.
  std::string ClientCertificateSha256(grpc::CallbackServerContext* context,
                                      const std::string& host_id) const;
  // Logs a refused call (rate limited) and returns `status` for gRPC.
  grpc::Status Refuse(LogLimiter& log, const char* what,
                      grpc::CallbackServerContext* context,
                      const Status& status);
  // Remembers that the store reported corruption (logged once).
  void MarkDamaged(const Status& status);
  // The answer to every call once the store is damaged.
  static grpc::Status Damaged();

  store::Store& store_;
  ReportWriter& writer_;
  const std::optional<pki::KeyAndCert> ca_;
  const Clock& clock_;
  const ServiceOptions options_;
  RateLimiter enroll_limiter_;
  RateLimiter enroll_failures_by_peer_;
  RateLimiter enroll_failures_;
  Authenticator authenticator_;
  Quotas quotas_;
  LogLimiter report_refusals_;
  LogLimiter enroll_refusals_;
  std::atomic<bool> damaged_{false};
  std::atomic<uint64_t> refused_unparsed_{0};
};

// Parses `buffer` as `message`. Returns INVALID_ARGUMENT saying what was
// wrong (invalid UTF-8 in a named field, or not a valid `what`).
Status ParseRequest(const grpc::ByteBuffer& buffer,
                    google::protobuf::Message* message);

// Converts between the project's Status and gRPC's.
grpc::Status ToGrpc(const Status& status);

}  // namespace mamori::service
