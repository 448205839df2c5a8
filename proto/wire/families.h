#pragma once

// Which fields of EndpointFacts are fact families: derived once from the
// proto descriptor, for agent and collector alike (part of the wire
// contract, library mamori_wire). A family is a singular message field of
// EndpointFacts whose message carries `CollectionStatus status` (every
// *Facts message does; the envelope — identity, collected_at — does not).
// Adding a family to facts.proto adds it here with no list to edit.
//
// Thread safety: the list is built once, on first use, and immutable.

#include <google/protobuf/descriptor.h>

#include <span>
#include <string_view>

namespace mamori::wire {

// The family fields of EndpointFacts in field-number order.
std::span<const google::protobuf::FieldDescriptor* const> FamilyFields();

// True for a family field of EndpointFacts (false for nullptr).
bool IsFamilyField(const google::protobuf::FieldDescriptor* field);

// The family field named `name` ("packages"); nullptr for anything else.
const google::protobuf::FieldDescriptor* FamilyField(std::string_view name);

}  // namespace mamori::wire
