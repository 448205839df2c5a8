#include "collector/service/part_digest.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "common/sha256.h"

namespace mamori::service {

std::string PartDigest(const google::protobuf::Message& family) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* descriptor = family.GetDescriptor();
  const FieldDescriptor* status_field = descriptor->FindFieldByName("status");
  const google::protobuf::Message* to_hash = &family;
  // The copy lives in an arena: one allocation instead of one per field.
  google::protobuf::Arena arena;
  if (status_field != nullptr &&
      status_field->type() == FieldDescriptor::TYPE_MESSAGE &&
      family.GetReflection()->HasField(family, status_field)) {
    google::protobuf::Message* copy = family.New(&arena);
    copy->CopyFrom(family);
    google::protobuf::Message* status =
        copy->GetReflection()->MutableMessage(copy, status_field);
    const google::protobuf::Descriptor* sd = status->GetDescriptor();
    for (const char* name : {"collected_at", "duration_us"}) {
      const FieldDescriptor* field = sd->FindFieldByName(name);
      if (field != nullptr) status->GetReflection()->ClearField(status, field);
    }
    to_hash = copy;
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    to_hash->SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

}  // namespace mamori::service
