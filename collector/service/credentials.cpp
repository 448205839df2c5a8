#include "collector/service/credentials.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "collector/pki/crypto.h"
#include "collector/service/report_convert.h"

namespace mamori::service {
namespace {

using google::protobuf::internal::WireFormatLite;

// Longer credentials are not read: no host id or node key is this long.
constexpr uint32_t kMaxCredentialBytes = 256;

Status Malformed() {
  return InvalidArgumentError(
      "request is not a valid mamori.v1.ReportRequest (malformed protobuf)");
}

}  // namespace

Result<ClaimedCredentials> ScanReportCredentials(
    const grpc::ByteBuffer& buffer) {
  grpc::ByteBuffer copy(buffer);  // shares the slices; the reader consumes it
  grpc::ProtoBufferReader reader(&copy);
  google::protobuf::io::CodedInputStream input(&reader);
  ClaimedCredentials claimed;
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) {
      // The end of the input, or a malformed tag before it.
      if (!input.ConsumedEntireMessage()) return Malformed();
      break;
    }
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if ((field == 1 || field == 2) &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!input.ReadVarint32(&length)) return Malformed();
      std::string* target = field == 1 ? &claimed.host_id : &claimed.node_key;
      if (length > kMaxCredentialBytes) {
        // Kept as an impossible value rather than copied.
        if (!input.Skip(static_cast<int>(length))) return Malformed();
        *target = std::string(kMaxCredentialBytes + 1, '?');
        continue;
      }
      if (!input.ReadString(target, static_cast<int>(length))) {
        return Malformed();
      }
      continue;
    }
    if (!WireFormatLite::SkipField(&input, tag)) return Malformed();
  }
  return claimed;
}

Result<int64_t> Authenticator::Check(const std::string& host_id,
                                     const std::string& node_key_hash,
                                     const std::string& cert_sha256) {
  std::optional<int64_t> id = ParseHostId(host_id);
  if (!id.has_value()) {
    return UnauthenticatedError("host_id is not a host id of this collector");
  }
  auto matches = [&](const store::HostCredential& c) {
    return (!node_key_hash.empty() && !c.node_key_hash.empty() &&
            pki::ConstantTimeEquals(c.node_key_hash, node_key_hash)) ||
           (!cert_sha256.empty() && !c.cert_sha256.empty() &&
            pki::ConstantTimeEquals(c.cert_sha256, cert_sha256));
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (const store::HostCredential* cached = cache_.Find(*id)) {
      if (matches(*cached)) return cached->org_id;
    }
  }
  // A miss or a mismatch (the key may have changed at a re-enrollment):
  // read the store, which is the authority.
  Result<store::HostCredential> stored = store_.FindHostCredential(*id);
  if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) {
    return stored.status();
  }
  if (!stored.ok() || !matches(*stored)) {
    return UnauthenticatedError("unknown host id or wrong node key");
  }
  const int64_t org_id = stored->org_id;
  std::lock_guard<std::mutex> lock(mu_);
  cache_.Put(*id, std::move(stored).value());
  return org_id;
}

void Authenticator::Forget(int64_t host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.Erase(host_id);
}

std::string PeerAddress(const std::string& grpc_peer) {
  std::string_view peer(grpc_peer);
  const size_t scheme = peer.find(':');
  if (scheme == std::string_view::npos) return grpc_peer;
  std::string_view rest = peer.substr(scheme + 1);
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close != std::string_view::npos) {
      return std::string(rest.substr(1, close - 1));
    }
  }
  const size_t port = rest.rfind(':');
  return std::string(port == std::string_view::npos ? rest
                                                    : rest.substr(0, port));
}

}  // namespace mamori::service
