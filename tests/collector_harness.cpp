#include "tests/collector_harness.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include "collector/pki/crypto.h"
#include "collector/store/open_store.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::testing {

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = ::testing::TempDir() + prefix + "_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return dir != nullptr ? std::string(dir) : std::string();
}

Harness::Harness(store::testing::Backend backend)
    : dir_(MakeTempDir("mamori_collector")), backend_(backend) {
  EXPECT_TRUE(pki::InitCrypto().ok());
  Result<pki::KeyAndCert> ca = pki::CreateCa("test CA", clock_.Now());
  EXPECT_TRUE(ca.ok());
  ca_ = *ca;
  Result<pki::KeyAndCert> server =
      pki::IssueServerCert(ca_, {"localhost", "127.0.0.1"}, clock_.Now());
  EXPECT_TRUE(server.ok());
  server_identity_ = *server;
  std::string url = store::SqliteUrl(dir_ + "/collector.db");
  if (backend == store::testing::Backend::kPostgres) {
    Result<std::unique_ptr<store::testing::TestDatabase>> db =
        store::testing::TestDatabase::Create(backend);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (db.ok()) {
      database_ = std::move(db).value();
      url = database_->url();
    }
  }
  Result<std::unique_ptr<store::Store>> opened = store::OpenStore(url, clock_);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
}

Harness::~Harness() { Stop(); }

void Harness::Start(service::ServerConfig config) {
  config.address = "127.0.0.1:0";
  config.server_identity = server_identity_;
  config.ca = ca_;
  Result<std::unique_ptr<service::CollectorServer>> server =
      service::CollectorServer::Start(*store_, clock_, config);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  server_ = std::move(server).value();
}

void Harness::Stop() {
  if (server_ != nullptr) server_->Shutdown();
}

std::shared_ptr<grpc::Channel> TlsChannel(int port, const std::string& ca_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetMaxSendMessageSize(-1);
  // Each channel gets its own connection, like separate agents.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::SslCredentials(options), args);
}

std::shared_ptr<grpc::Channel> Harness::Channel() const {
  return TlsChannel(port(), ca_.cert_pem);
}

std::unique_ptr<v1::Collector::Stub> Harness::Stub() const {
  return v1::Collector::NewStub(Channel());
}

std::string Harness::Token(const std::string& org,
                           std::optional<int64_t> uses) {
  if (!store_->FindOrg(org).ok()) {
    EXPECT_TRUE(store_->CreateOrg({org, "", std::nullopt, ""}).ok());
  }
  Result<store::CreatedToken> token =
      store_->CreateToken({org, std::nullopt, uses});
  EXPECT_TRUE(token.ok());
  return token.ok() ? token->token : "";
}

grpc::Status Harness::Enroll(v1::Collector::Stub& stub,
                             const std::string& token,
                             const std::string& machine_id,
                             const std::string& smbios,
                             const std::string& serial, Agent* agent,
                             v1::EnrollResponse* response) {
  v1::EnrollRequest request;
  request.set_token(token);
  request.mutable_identity()->set_hostname("pc-" + machine_id);
  request.mutable_identity()->set_machine_id(machine_id);
  request.mutable_identity()->set_smbios_uuid(smbios);
  request.mutable_identity()->set_serial(serial);
  request.set_agent_version("0.1.0");
  request.set_os_name("Debian GNU/Linux 12 (bookworm)");
  return SendEnroll(stub, request, agent, response);
}

grpc::Status SendEnroll(v1::Collector::Stub& stub,
                        const v1::EnrollRequest& request, Agent* agent,
                        v1::EnrollResponse* response) {
  v1::EnrollResponse local;
  v1::EnrollResponse* out = response != nullptr ? response : &local;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::Status status = stub.Enroll(&context, request, out);
  if (status.ok() && agent != nullptr) {
    agent->host_id = out->host_id();
    agent->node_key = out->node_key();
  }
  return status;
}

int64_t Harness::Scalar(const std::string& sql) {
  if (database_ != nullptr) {
    Result<int64_t> value = database_->Scalar(sql);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : -1;
  }
  Result<store::Database> db =
      store::Database::Open(dir_ + "/collector.db", false);
  EXPECT_TRUE(db.ok());
  if (!db.ok()) return -1;
  Result<store::Statement> s = db->Prepare(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return -1;
  Result<bool> row = s->Step();
  EXPECT_TRUE(row.ok() && *row);
  return s->ColumnInt(0);
}

v1::ReportRequest MakeReport(const Agent& agent, const std::string& report_id,
                             int packages) {
  v1::ReportRequest r;
  r.set_host_id(agent.host_id);
  r.set_node_key(agent.node_key);
  r.set_report_id(report_id);
  r.mutable_collected_at()->set_seconds(1'763'900'000);
  v1::EndpointFacts* facts = r.mutable_facts();
  facts->set_agent_version("0.1.0");
  v1::SystemFacts* system = facts->mutable_system();
  system->mutable_status()->set_state(v1::STATUS_OK);
  system->set_hostname("pc-" + agent.host_id);
  system->set_os_name("Debian GNU/Linux 12 (bookworm)");
  system->set_os_version("12");
  v1::AntivirusFacts* av = facts->mutable_antivirus();
  av->mutable_status()->set_state(v1::STATUS_OK);
  av->add_products()->set_definitions_age_hours(2);
  if (packages > 0) {
    v1::PackageFacts* p = facts->mutable_packages();
    p->mutable_status()->set_state(v1::STATUS_OK);
    for (int i = 0; i < packages; ++i) {
      v1::Package* pkg = p->add_packages();
      pkg->set_name("package-" + std::to_string(i));
      pkg->set_version("1.0." + std::to_string(i % 7));
      pkg->set_architecture("amd64");
      pkg->set_source(v1::PACKAGE_SOURCE_DPKG);
    }
  }
  return r;
}

std::string MakeCsr(std::string* key_pem) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, key);
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  std::string csr(data, static_cast<size_t>(size));
  BIO_free(bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  size = BIO_get_mem_data(key_bio, &data);
  *key_pem = std::string(data, static_cast<size_t>(size));
  BIO_free(key_bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return csr;
}

}  // namespace mamori::testing
