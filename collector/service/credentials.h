#pragma once

// Authentication before work (issue 13.1): a report's host id and node key
// are read straight from the wire bytes (two short top-level fields, the
// rest skipped without copying) and checked against the host's stored
// credentials before the request is parsed, converted or queued.
//
// Authenticator keeps the credentials of hosts that reported recently in a
// bounded cache; a miss costs one primary-key read from the store. The
// cache only admits: the store writer checks the key again in the writing
// transaction, so a revocation made by another process (the CLI) is seen by
// the next report, and Forget() drops the cached entry then.
//
// Thread safety: Authenticator is thread-safe; the free functions are pure.

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "collector/store/store.h"
#include "common/lru_cache.h"
#include "common/status.h"

namespace mamori::service {

// The credentials a report claims, read from its wire form.
struct ClaimedCredentials {
  std::string host_id;   // field 1, as sent
  std::string node_key;  // field 2, as sent (at most 256 bytes kept)
};

// Reads fields 1 and 2 of a ReportRequest from `buffer` without parsing the
// rest. Returns them (empty when absent), or INVALID_ARGUMENT when the bytes
// are not a protobuf message.
Result<ClaimedCredentials> ScanReportCredentials(
    const grpc::ByteBuffer& buffer);

class Authenticator {
 public:
  // `store` must outlive the authenticator; at most `capacity` hosts cached.
  Authenticator(store::Store& store, size_t capacity)
      : store_(store), cache_(capacity) {}

  // Checks a claim: the node key's hash, or the SHA-256 of a client
  // certificate whose CN is the host id (either may be empty). Returns the
  // host's organisation id, UNAUTHENTICATED ("unknown host id or wrong node
  // key", the same for every case), INVALID_ARGUMENT for a host id that is
  // not a positive number, or the store's error.
  Result<int64_t> Check(const std::string& host_id,
                        const std::string& node_key_hash,
                        const std::string& cert_sha256);

  // Drops what is cached for `host_id` (after an enrollment or a refusal by
  // the store), so the next check reads the store.
  void Forget(int64_t host_id);

 private:
  store::Store& store_;
  std::mutex mu_;
  LruCache<int64_t, store::HostCredential> cache_;
};

// "ipv4:10.0.0.5:51234" → "10.0.0.5", "ipv6:[::1]:5000" → "::1": the peer's
// address without the port, for per-peer limits and logs.
std::string PeerAddress(const std::string& grpc_peer);

}  // namespace mamori::service
