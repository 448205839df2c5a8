#pragma once

// FakeCollector: an in-process implementation of the Collector service for
// the agent transport tests, served over real TLS on 127.0.0.1 port 0. It
// keeps reports in memory, deduplicates on report id, tracks the part
// digests it holds per host, and can be told to be busy, to lose
// acknowledgements or to forget parts. Test-only. Thread-safe.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/transport/testing/test_pki.h"
#include "mamori/v1/collector.grpc.pb.h"

namespace mamori::transport::testing {

class FakeCollector final : public mamori::v1::Collector::Service {
 public:
  explicit FakeCollector(const TestPki& pki);
  ~FakeCollector() override;

  // "127.0.0.1:PORT".
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  grpc::Status Enroll(grpc::ServerContext* ctx,
                      const mamori::v1::EnrollRequest* req,
                      mamori::v1::EnrollResponse* resp) override;
  grpc::Status Report(grpc::ServerContext* ctx,
                      const mamori::v1::ReportRequest* req,
                      mamori::v1::ReportResponse* resp) override;

  // Knobs and observations; all take the lock.
  void AddToken(const std::string& token);
  void SetBusy(int calls, int pushback_ms);
  // The next `calls` reports are stored but answered UNAVAILABLE, as if the
  // acknowledgement were lost on the way back.
  void LoseAcks(int calls);
  void ForgetParts();
  void RejectReports(bool reject);

  struct Stored {
    mamori::v1::ReportRequest request;  // as received
    mamori::v1::EndpointFacts facts;    // with digested parts filled back in
  };
  std::vector<Stored> stored() const;
  int report_calls() const;
  std::vector<mamori::v1::ReportRequest> requests() const;
  // Steady-clock times of the report calls, to check retry spacing.
  std::vector<std::chrono::steady_clock::time_point> call_times() const;
  uint64_t dropped_total() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> tokens_;
  std::map<std::string, std::string> node_keys_;  // host id → key
  std::map<std::string, std::map<std::string, std::string>> held_digests_;
  std::map<std::string, mamori::v1::EndpointFacts> current_;  // per host
  std::set<std::string> seen_ids_;
  std::vector<Stored> stored_;
  std::vector<mamori::v1::ReportRequest> requests_;
  std::vector<std::chrono::steady_clock::time_point> call_times_;
  int busy_calls_ = 0;
  int pushback_ms_ = 0;
  int lose_acks_ = 0;
  bool reject_ = false;
  uint64_t dropped_total_ = 0;
  int next_host_ = 1;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace mamori::transport::testing
