#include "proto/wire/part_digest.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <mutex>
#include <unordered_map>

#include "common/sha256.h"

namespace mamori::wire {

namespace {

// Serialises and hashes. The same bytes as SerializeToCodedStream with
// deterministic serialisation. The buffer is per call: a thread_local
// string crashed threads at exit on mingw-w64 (see common/sha256.cpp).
std::string SerializedDigest(const google::protobuf::Message& message) {
  const size_t size = message.ByteSizeLong();
  std::string bytes(size, '\0');
  {
    google::protobuf::io::ArrayOutputStream stream(bytes.data(),
                                                   static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeWithCachedSizes(&coded);
  }
  return Sha256Hex(bytes);
}

// The fields PartDigestInPlace clears, looked up once per message type
// (FindFieldByName hashes the name in the pool: three per family cost as
// much as hashing the family).
struct StatusFields {
  const google::protobuf::FieldDescriptor* status = nullptr;
  const google::protobuf::FieldDescriptor* collected = nullptr;
  const google::protobuf::FieldDescriptor* duration = nullptr;
};

StatusFields FieldsOf(const google::protobuf::Descriptor* descriptor) {
  using google::protobuf::FieldDescriptor;
  static std::mutex mu;
  static std::unordered_map<const google::protobuf::Descriptor*, StatusFields>
      cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(descriptor);
  if (it != cache.end()) return it->second;
  StatusFields fields;
  fields.status = descriptor->FindFieldByName("status");
  if (fields.status != nullptr &&
      fields.status->type() == FieldDescriptor::TYPE_MESSAGE) {
    const google::protobuf::Descriptor* sd = fields.status->message_type();
    fields.collected = sd->FindFieldByName("collected_at");
    fields.duration = sd->FindFieldByName("duration_us");
  }
  cache.emplace(descriptor, fields);
  return fields;
}

}  // namespace

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
  return SerializedDigest(*to_hash);
}

std::string PartDigestInPlace(google::protobuf::Message* family) {
  using google::protobuf::FieldDescriptor;
  const StatusFields fields = FieldsOf(family->GetDescriptor());
  const FieldDescriptor* status_field = fields.status;
  if (status_field == nullptr ||
      status_field->type() != FieldDescriptor::TYPE_MESSAGE ||
      !family->GetReflection()->HasField(*family, status_field)) {
    return SerializedDigest(*family);
  }
  google::protobuf::Message* status =
      family->GetReflection()->MutableMessage(family, status_field);
  const google::protobuf::Reflection* reflection = status->GetReflection();
  const FieldDescriptor* collected = fields.collected;
  const FieldDescriptor* duration = fields.duration;
  // Only the shapes of CollectionStatus are handled in place; anything else
  // takes the copying path, which clears any field type.
  if ((collected != nullptr &&
       (collected->type() != FieldDescriptor::TYPE_MESSAGE ||
        collected->is_repeated())) ||
      (duration != nullptr &&
       (duration->cpp_type() != FieldDescriptor::CPPTYPE_INT64 ||
        duration->is_repeated()))) {
    return PartDigest(*family);
  }
  google::protobuf::Message* detached = nullptr;
  if (collected != nullptr && reflection->HasField(*status, collected)) {
    detached = reflection->UnsafeArenaReleaseMessage(status, collected);
  }
  int64_t duration_value = 0;
  bool duration_set = false;
  if (duration != nullptr && reflection->HasField(*status, duration)) {
    duration_set = true;
    duration_value = reflection->GetInt64(*status, duration);
    reflection->ClearField(status, duration);
  }
  std::string digest = SerializedDigest(*family);
  if (detached != nullptr) {
    reflection->UnsafeArenaSetAllocatedMessage(status, detached, collected);
  }
  if (duration_set) reflection->SetInt64(status, duration, duration_value);
  return digest;
}

}  // namespace mamori::wire
