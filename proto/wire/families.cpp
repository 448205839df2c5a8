#include "proto/wire/families.h"

#include <algorithm>
#include <string>
#include <vector>

#include "mamori/v1/facts.pb.h"

namespace mamori::wire {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool CarriesStatus(const Descriptor* message) {
  const FieldDescriptor* status = message->FindFieldByName("status");
  return status != nullptr && !status->is_repeated() &&
         status->type() == FieldDescriptor::TYPE_MESSAGE &&
         status->message_type() == v1::CollectionStatus::descriptor();
}

const std::vector<const FieldDescriptor*>& Fields() {
  static const std::vector<const FieldDescriptor*> fields = [] {
    std::vector<const FieldDescriptor*> out;
    const Descriptor* facts = v1::EndpointFacts::descriptor();
    for (int i = 0; i < facts->field_count(); ++i) {
      const FieldDescriptor* f = facts->field(i);
      if (f->type() == FieldDescriptor::TYPE_MESSAGE && !f->is_repeated() &&
          CarriesStatus(f->message_type())) {
        out.push_back(f);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
    return out;
  }();
  return fields;
}

}  // namespace

std::span<const FieldDescriptor* const> FamilyFields() { return Fields(); }

bool IsFamilyField(const FieldDescriptor* field) {
  if (field == nullptr) return false;
  const auto& fields = Fields();
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

const FieldDescriptor* FamilyField(std::string_view name) {
  const FieldDescriptor* field =
      v1::EndpointFacts::descriptor()->FindFieldByName(std::string(name));
  return IsFamilyField(field) ? field : nullptr;
}

}  // namespace mamori::wire
