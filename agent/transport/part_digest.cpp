#include "agent/transport/part_digest.h"

#include "proto/wire/families.h"
#include "proto/wire/part_digest.h"

namespace mamori::transport {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The family fields: the wire contract's one list (proto/wire/families.h).
using wire::IsFamilyField;

}  // namespace

std::map<std::string, std::string> FamilyDigests(
    const mamori::v1::EndpointFacts& facts) {
  std::map<std::string, std::string> out;
  const google::protobuf::Descriptor* d = facts.GetDescriptor();
  const google::protobuf::Reflection* r = facts.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!IsFamilyField(f) || !r->HasField(facts, f)) continue;
    out[f->name()] = wire::PartDigest(r->GetMessage(facts, f));
  }
  return out;
}

std::vector<std::string> ReplaceUnchangedParts(
    const std::map<std::string, std::string>& acked,
    mamori::v1::EndpointFacts* facts,
    google::protobuf::RepeatedPtrField<mamori::v1::PartDigest>* unchanged) {
  std::vector<std::string> replaced;
  const google::protobuf::Descriptor* d = facts->GetDescriptor();
  const google::protobuf::Reflection* r = facts->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!IsFamilyField(f) || !r->HasField(*facts, f)) continue;
    auto it = acked.find(f->name());
    if (it == acked.end()) continue;
    const Message& family = r->GetMessage(*facts, f);
    if (family.ByteSizeLong() < kMinDigestBytes) continue;
    const std::string digest = wire::PartDigest(family);
    if (digest != it->second) continue;
    mamori::v1::PartDigest* part = unchanged->Add();
    part->set_family(f->name());
    part->set_sha256(digest);
    r->ClearField(facts, f);
    replaced.push_back(f->name());
  }
  return replaced;
}

}  // namespace mamori::transport
