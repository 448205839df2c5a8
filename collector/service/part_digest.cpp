#include "collector/service/part_digest.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include <array>

namespace mamori::service {
namespace {

std::string HexSha256(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(),
             nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
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
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    to_hash->SerializeToCodedStream(&coded);
  }
  return HexSha256(bytes);
}

}  // namespace mamori::service
