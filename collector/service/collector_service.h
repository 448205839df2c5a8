#pragma once

// CollectorService: the gRPC Collector service (callback API). Thin: it
// parses and validates messages, calls the store for enrollments and hands
// reports to the single ReportWriter; no SQL here.
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

  store::Store& store_;
  ReportWriter& writer_;
  const std::optional<pki::KeyAndCert> ca_;
  const Clock& clock_;
  const ServiceOptions options_;
  RateLimiter enroll_limiter_;
  std::atomic<uint64_t> refused_unparsed_{0};
};

// Parses `buffer` as `message`. Returns INVALID_ARGUMENT saying what was
// wrong (invalid UTF-8 in a named field, or not a valid `what`).
Status ParseRequest(const grpc::ByteBuffer& buffer,
                    google::protobuf::Message* message);

// Converts between the project's Status and gRPC's.
grpc::Status ToGrpc(const Status& status);

}  // namespace mamori::service
