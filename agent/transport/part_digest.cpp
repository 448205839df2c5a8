#include "agent/transport/part_digest.h"

#include "collector/service/part_digest.h"

namespace mamori::transport {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Family fields are the message-typed fields of EndpointFacts other than the
// envelope (identity, collected_at).
bool IsFamilyField(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_MESSAGE &&
         !field->is_repeated() && field->name() != "identity" &&
         field->name() != "collected_at";
}

}  // namespace

std::map<std::string, std::string> FamilyDigests(
    const mamori::v1::EndpointFacts& facts) {
  std::map<std::string, std::string> out;
  const google::protobuf::Descriptor* d = facts.GetDescriptor();
  const google::protobuf::Reflection* r = facts.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!IsFamilyField(f) || !r->HasField(facts, f)) continue;
    out[f->name()] = service::PartDigest(r->GetMessage(facts, f));
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
    const std::string digest = service::PartDigest(family);
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
