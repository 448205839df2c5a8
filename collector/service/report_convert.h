#pragma once

// Turns received protobuf requests into validated store inputs: checks the
// limits (list lengths, string lengths, timestamps, ids), converts each fact
// family to protobuf JSON with proto field names and computes its part
// digest. Runs on the gRPC threads so the single store writer only writes.
//
// Invalid UTF-8 never reaches here: protobuf refuses to parse a string field
// holding it, and the service answers INVALID_ARGUMENT naming that field.
//
// Pure functions, thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "collector/store/store.h"
#include "common/clock.h"
#include "common/status.h"
#include "mamori/v1/collector.pb.h"
#include "proto/wire/limits.h"

namespace mamori::service {

struct Limits {
  // Largest request accepted by gRPC (bigger ones fail with
  // RESOURCE_EXHAUSTED before parsing).
  int max_message_bytes = wire::kMaxReportBytes;
  // Entries in any repeated field (a package list, a socket list …).
  int max_list_entries = 100'000;
  // Bytes in any string field.
  size_t max_string_bytes = 64 << 10;
  // Bytes in ids (report id, host id) and identity fields.
  size_t max_id_bytes = 256;
  // Spool drops one report can announce; more is a broken agent.
  uint64_t max_dropped_reports = 10'000'000;
  // Nesting depth of messages (the schema needs 4).
  int max_depth = 16;
  // How far an agent's collected_at may be ahead of the collector's clock
  // (clock skew) before it is treated as wrong (see ClampFutureTimes).
  int64_t max_clock_skew_seconds = 300;
};

// Checks every string, list and timestamp of `message` against `limits`.
// Returns INVALID_ARGUMENT naming the field path ("facts.packages.packages")
// on the first violation.
Status CheckLimits(const google::protobuf::Message& message,
                   const Limits& limits);

// The protobuf JSON of `message` as util::MessageToJsonString prints it with
// preserve_proto_field_names and always_print_primitive_fields, written
// directly by reflection (≈20× faster). nullopt for what it does not handle
// (maps, well-known types other than Timestamp, invalid UTF-8, timestamps
// out of range); the collector then uses protobuf's converter.
std::optional<std::string> FastJson(const google::protobuf::Message& message);

// Validates `request` and converts it. `node_key_hash` is filled from the
// request's node key. INVALID_ARGUMENT naming the field for a bad host id,
// empty or oversized report id, unknown family in unchanged_parts, a family
// both sent and listed as unchanged, or a limit exceeded.
// Family JSON is produced lazily (FamilyUpdate::payload_fn), holding a
// reference to the shared request. Digests are computed in place (see
// PartDigestInPlace): the request is modified and restored while this runs,
// so no other thread may read it until it returns.
Result<store::ReportInput> ConvertReport(
    std::shared_ptr<v1::ReportRequest> request, const Limits& limits);
// Convenience for tests: copies `request`.
Result<store::ReportInput> ConvertReport(const v1::ReportRequest& request,
                                         const Limits& limits);

// A collected_at later than `received_at` plus limits.max_clock_skew_seconds
// would count as fresh for ever (a year-9999 report never goes stale). Such
// times — the report's and each family's — are set to `received_at` (when
// the facts were at the latest collected) and the largest excess is kept in
// report->clock_ahead_seconds, so the store flags the host (clock_ahead).
// Times within the allowance are kept as sent. Returns true when it clamped.
bool ClampFutureTimes(store::ReportInput* report, TimePoint received_at,
                      const Limits& limits);

// Validates an enrollment request's sizes. INVALID_ARGUMENT naming the field.
Status CheckEnroll(const v1::EnrollRequest& request, const Limits& limits);

// The store's enrollment input for a request CheckEnroll accepted: token,
// identity (SMBIOS UUID lower-cased, MACs sorted), OS and agent version.
// The node key hashes are the caller's (the service makes the key).
store::EnrollInput ConvertEnroll(const v1::EnrollRequest& request);

// Parses a decimal host id; nullopt when not a positive integer.
std::optional<int64_t> ParseHostId(const std::string& text);

}  // namespace mamori::service
