#pragma once

// The digest that lets an agent send an unchanged fact family as a hash
// (PartDigest in collector.proto) instead of in full.
//
// Definition (agent and collector must agree): lower-case hex SHA-256 of the
// family message serialised with protobuf's deterministic serialisation,
// after clearing `status.collected_at` and `status.duration_us` (they change
// on every collection without the content changing). Both sides use the same
// protobuf version (3.21); fields unknown to one side would change the bytes,
// which only costs one resend of the full part.
//
// Part of the wire contract (proto/wire/, library mamori_wire): agent and
// collector link the same code. Pure and thread-safe; links only
// mamori_proto and the SHA-256 helper.

#include <google/protobuf/message.h>

#include <string>

namespace mamori::wire {

// Returns the digest of `family` (a *Facts message such as PackageFacts).
std::string PartDigest(const google::protobuf::Message& family);

// The same digest without copying `family`: clears the two status fields in
// place, serialises, and puts them back before returning (the message is
// unchanged afterwards, but must not be read by another thread meanwhile).
// The collector uses it on every received family, whose copy cost as much
// as the rest of the conversion.
std::string PartDigestInPlace(google::protobuf::Message* family);

}  // namespace mamori::wire
