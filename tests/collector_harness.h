#pragma once

// Test harness for collector integration tests: a temporary data directory
// with a real CA, server certificate and SQLite store; an in-process
// CollectorServer on 127.0.0.1 port 0 with real TLS; and small clients that
// enroll and report like agents do.
//
// Thread safety: a Harness belongs to one test; its Client methods may be
// called from several threads.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "collector/pki/ca.h"
#include "collector/service/server.h"
#include "collector/store/store.h"
#include "collector/store/testing/test_database.h"
#include "common/clock.h"
#include "mamori/v1/collector.grpc.pb.h"

namespace mamori::testing {

// A fresh directory under the test temp dir.
std::string MakeTempDir(const std::string& prefix);

struct Agent {
  std::string host_id;
  std::string node_key;
};

class Harness {
 public:
  // Creates the PKI in a temp dir and the store: a SQLite file beside it,
  // or a fresh PostgreSQL database (issue #17; callers skip that backend
  // without MAMORI_TEST_PG_URL). Does not start the server.
  explicit Harness(
      store::testing::Backend backend = store::testing::Backend::kSqlite);
  ~Harness();

  // Starts the server with `config` adjustments applied to the defaults
  // (TLS, port 0). Fails the test on error.
  void Start(service::ServerConfig config = {});
  void Stop();

  int port() const { return server_->port(); }
  store::Store& store() { return *store_; }
  const pki::KeyAndCert& ca() const { return ca_; }
  const std::string& dir() const { return dir_; }

  // A TLS channel trusting our CA, to localhost:port.
  std::shared_ptr<grpc::Channel> Channel() const;
  std::unique_ptr<v1::Collector::Stub> Stub() const;

  // Creates a token for `org` (created on first use).
  std::string Token(const std::string& org, std::optional<int64_t> uses = {});

  // Enrolls over gRPC; returns the status and fills `agent`.
  grpc::Status Enroll(v1::Collector::Stub& stub, const std::string& token,
                      const std::string& machine_id, const std::string& smbios,
                      const std::string& serial, Agent* agent,
                      v1::EnrollResponse* response = nullptr);

  // Counts rows: SELECT count(*) … via a separate connection.
  int64_t Scalar(const std::string& sql);
  store::testing::Backend backend() const { return backend_; }

 private:
  std::string dir_;
  store::testing::Backend backend_;
  FakeClock clock_{FromUnixSeconds(1'763'900'000)};
  // The PostgreSQL database (declared before the store, which closes first).
  std::unique_ptr<store::testing::TestDatabase> database_;
  pki::KeyAndCert ca_;
  pki::KeyAndCert server_identity_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<service::CollectorServer> server_;
};

// A report with system facts and `packages` dpkg packages.
v1::ReportRequest MakeReport(const Agent& agent, const std::string& report_id,
                             int packages);

// Sends `request` (30 s deadline); on success fills `agent` (when given)
// and `response` (when given).
grpc::Status SendEnroll(v1::Collector::Stub& stub,
                        const v1::EnrollRequest& request, Agent* agent,
                        v1::EnrollResponse* response = nullptr);

// A new P-256 key (PEM, into `key_pem`) and a CSR for it, as an agent makes
// them for a client certificate. Returns the CSR (PEM).
std::string MakeCsr(std::string* key_pem);

// A TLS channel to 127.0.0.1:port verifying the server as "localhost" with
// `ca_pem` as the only trust root.
std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& ca_pem);

}  // namespace mamori::testing
