// <windows.h> (which gRPC includes) defines GetMessage as GetMessageW and
// would rename protobuf's Reflection::GetMessage in the headers below: take
// it first and drop the macro.
#ifdef _WIN32
#include <windows.h>
#undef GetMessage
#endif
// clang-format off
#include "agent/transport/testing/fake_collector.h"
// clang-format on

#include "agent/transport/part_digest.h"

namespace mamori::transport::testing {

using mamori::v1::ReportResponse;

FakeCollector::FakeCollector(const TestPki& pki) {
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({pki.server_key_pem, pki.ServerChainPem()});
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl),
                           &port_);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

FakeCollector::~FakeCollector() { server_->Shutdown(); }

void FakeCollector::AddToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.insert(token);
}
void FakeCollector::SetBusy(int calls, int pushback_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_calls_ = calls;
  pushback_ms_ = pushback_ms;
}
void FakeCollector::LoseAcks(int calls) {
  std::lock_guard<std::mutex> lock(mu_);
  lose_acks_ = calls;
}
void FakeCollector::ForgetParts() {
  std::lock_guard<std::mutex> lock(mu_);
  held_digests_.clear();
}
void FakeCollector::RejectReports(bool reject) {
  std::lock_guard<std::mutex> lock(mu_);
  reject_ = reject;
}
std::vector<FakeCollector::Stored> FakeCollector::stored() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stored_;
}
int FakeCollector::report_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(requests_.size());
}
std::vector<mamori::v1::ReportRequest> FakeCollector::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}
std::vector<std::chrono::steady_clock::time_point> FakeCollector::call_times()
    const {
  std::lock_guard<std::mutex> lock(mu_);
  return call_times_;
}
uint64_t FakeCollector::dropped_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_total_;
}

grpc::Status FakeCollector::Enroll(grpc::ServerContext* /*ctx*/,
                                   const mamori::v1::EnrollRequest* req,
                                   mamori::v1::EnrollResponse* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_.erase(req->token()) == 0) {
    return {grpc::StatusCode::UNAUTHENTICATED, "unknown or used-up token"};
  }
  const std::string host = "host-" + std::to_string(next_host_++);
  node_keys_[host] = "key-of-" + host;
  resp->set_host_id(host);
  resp->set_node_key(node_keys_[host]);
  resp->set_organization("Test Org");
  return grpc::Status::OK;
}

grpc::Status FakeCollector::Report(grpc::ServerContext* ctx,
                                   const mamori::v1::ReportRequest* req,
                                   ReportResponse* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(*req);
  call_times_.push_back(std::chrono::steady_clock::now());
  auto key = node_keys_.find(req->host_id());
  if (key == node_keys_.end() || key->second != req->node_key()) {
    return {grpc::StatusCode::UNAUTHENTICATED, "bad node key"};
  }
  if (busy_calls_ > 0) {
    --busy_calls_;
    ctx->AddTrailingMetadata("grpc-retry-pushback-ms",
                             std::to_string(pushback_ms_));
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "busy"};
  }
  if (reject_) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "facts.system.hostname: bad"};
  }
  if (seen_ids_.count(req->report_id()) != 0) {
    resp->set_outcome(ReportResponse::OUTCOME_DUPLICATE);
    return grpc::Status::OK;
  }
  auto& held = held_digests_[req->host_id()];
  mamori::v1::EndpointFacts facts = req->facts();
  for (const auto& part : req->unchanged_parts()) {
    auto it = held.find(part.family());
    if (it == held.end() || it->second != part.sha256()) {
      resp->add_missing_parts(part.family());
    }
  }
  if (resp->missing_parts_size() > 0) {
    resp->set_outcome(ReportResponse::OUTCOME_NEED_PARTS);
    return grpc::Status::OK;
  }
  // Fill digested parts back in from the host's current state.
  const auto* desc = facts.GetDescriptor();
  for (const auto& part : req->unchanged_parts()) {
    const auto* field = desc->FindFieldByName(part.family());
    facts.GetReflection()
        ->MutableMessage(&facts, field)
        ->CopyFrom(current_[req->host_id()].GetReflection()->GetMessage(
            current_[req->host_id()], field));
  }
  current_[req->host_id()] = facts;
  held = FamilyDigests(facts);
  seen_ids_.insert(req->report_id());
  stored_.push_back({*req, facts});
  dropped_total_ += req->dropped_reports();
  if (lose_acks_ > 0) {
    --lose_acks_;
    return {grpc::StatusCode::UNAVAILABLE, "connection lost before the ack"};
  }
  resp->set_outcome(ReportResponse::OUTCOME_STORED);
  return grpc::Status::OK;
}

}  // namespace mamori::transport::testing
