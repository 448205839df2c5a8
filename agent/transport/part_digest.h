#pragma once

// Part digests on the agent side: which families of a report go as a hash
// (PartDigest in collector.proto) instead of in full.
//
// The digest and the list of family fields are the wire contract's
// (proto/wire/part_digest.h, proto/wire/families.h: hex SHA-256 of the
// deterministic serialisation with the collection timing cleared), so both
// sides always hash the same families the same way.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "mamori/v1/collector.pb.h"
#include "mamori/v1/facts.pb.h"

namespace mamori::transport {

// Families smaller than this are always sent in full: a digest saves nothing.
inline constexpr size_t kMinDigestBytes = 1024;

// Returns family name → digest for every family present in `facts`.
std::map<std::string, std::string> FamilyDigests(
    const mamori::v1::EndpointFacts& facts);

// Replaces each present family of at least kMinDigestBytes whose digest
// equals `acked[name]` by a PartDigest: the family is cleared from `facts`
// and the digest appended to `unchanged`. Returns the names replaced.
std::vector<std::string> ReplaceUnchangedParts(
    const std::map<std::string, std::string>& acked,
    mamori::v1::EndpointFacts* facts,
    google::protobuf::RepeatedPtrField<mamori::v1::PartDigest>* unchanged);

// Hex SHA-256 (lower case).
using ::mamori::Sha256Hex;

}  // namespace mamori::transport
