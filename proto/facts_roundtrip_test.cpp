// Round-trips a fully populated EndpointFacts through binary and the JSON
// mapping with proto field names. "Fully populated" is done by reflection, so
// a field added to facts.proto is covered without touching this test.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mamori/v1/collector.pb.h"
#include "mamori/v1/facts.pb.h"

namespace mamori {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every field of `msg` (recursively, two elements per repeated field) to
// a non-default value derived from `seed`. Returns the number of fields set.
int FillAll(Message* msg, int seed, int depth = 0) {
  const Descriptor* desc = msg->GetDescriptor();
  const Reflection* refl = msg->GetReflection();
  int set = 0;
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* f = desc->field(i);
    const int v = seed + i + 1;
    const int times = f->is_repeated() ? 2 : 1;
    for (int k = 0; k < times; ++k) {
      const int value = v + k;
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? refl->AddInt32(msg, f, -value)
                           : refl->SetInt32(msg, f, -value);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? refl->AddInt64(msg, f, value * 1000003LL)
                           : refl->SetInt64(msg, f, value * 1000003LL);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? refl->AddUInt32(msg, f, value)
                           : refl->SetUInt32(msg, f, value);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? refl->AddUInt64(msg, f, value * 7919ULL)
                           : refl->SetUInt64(msg, f, value * 7919ULL);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          f->is_repeated() ? refl->AddDouble(msg, f, value + 0.5)
                           : refl->SetDouble(msg, f, value + 0.5);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          f->is_repeated() ? refl->AddFloat(msg, f, value + 0.25f)
                           : refl->SetFloat(msg, f, value + 0.25f);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? refl->AddBool(msg, f, true)
                           : refl->SetBool(msg, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* e = f->enum_type();
          const auto* ev =
              e->value(e->value_count() - 1 - (k % e->value_count()));
          f->is_repeated() ? refl->AddEnum(msg, f, ev)
                           : refl->SetEnum(msg, f, ev);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          // Japanese text and escapes must survive JSON.
          std::string s =
              std::string(f->name()) + "-値-\"q\"-" + std::to_string(value);
          f->is_repeated() ? refl->AddString(msg, f, s)
                           : refl->SetString(msg, f, s);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE: {
          Message* child = f->is_repeated() ? refl->AddMessage(msg, f)
                                            : refl->MutableMessage(msg, f);
          if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
            const auto* sec = f->message_type()->FindFieldByName("seconds");
            const auto* nanos = f->message_type()->FindFieldByName("nanos");
            child->GetReflection()->SetInt64(child, sec, 1'700'000'000 + value);
            child->GetReflection()->SetInt32(child, nanos, 1000 * value);
          } else if (depth < 6) {
            set += FillAll(child, value * 10, depth + 1);
          }
          break;
        }
      }
    }
    ++set;
  }
  return set;
}

// Collects names of fields that are not set anywhere in the tree.
void FindUnset(const Message& msg, const std::string& path,
               std::set<std::string>* unset) {
  const Descriptor* desc = msg.GetDescriptor();
  const Reflection* refl = msg.GetReflection();
  if (desc->full_name() == "google.protobuf.Timestamp") return;
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* f = desc->field(i);
    const std::string name = path + "." + std::string(f->name());
    if (f->is_repeated()) {
      if (refl->FieldSize(msg, f) == 0) unset->insert(name);
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (int k = 0; k < refl->FieldSize(msg, f); ++k)
          FindUnset(refl->GetRepeatedMessage(msg, f, k), name, unset);
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!refl->HasField(msg, f))
        unset->insert(name);
      else
        FindUnset(refl->GetMessage(msg, f), name, unset);
    } else if (f->has_presence() && !refl->HasField(msg, f)) {
      unset->insert(name);
    }
  }
}

template <typename T>
void ExpectBinaryJsonBinaryRoundTrip() {
  T original;
  ASSERT_GT(FillAll(&original, 0), 0);
  std::set<std::string> unset;
  FindUnset(original, T::descriptor()->name(), &unset);
  EXPECT_TRUE(unset.empty()) << "field left unset: " << *unset.begin();

  std::string binary;
  ASSERT_TRUE(original.SerializeToString(&binary));
  T from_binary;
  ASSERT_TRUE(from_binary.ParseFromString(binary));

  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(from_binary, &json, print)
          .ok());
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  T from_json;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &from_json, parse);
  ASSERT_TRUE(status.ok()) << status.ToString();

  std::string binary_again;
  ASSERT_TRUE(from_json.SerializeToString(&binary_again));
  T final_msg;
  ASSERT_TRUE(final_msg.ParseFromString(binary_again));
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(original, final_msg)) << diff;
}

TEST(FactsRoundTripTest, FullyPopulatedEndpointFactsSurvivesBinaryJsonBinary) {
  ExpectBinaryJsonBinaryRoundTrip<v1::EndpointFacts>();
}

TEST(FactsRoundTripTest, CollectorMessagesSurviveBinaryJsonBinary) {
  ExpectBinaryJsonBinaryRoundTrip<v1::ReportRequest>();
  ExpectBinaryJsonBinaryRoundTrip<v1::EnrollRequest>();
  ExpectBinaryJsonBinaryRoundTrip<v1::EnrollResponse>();
  ExpectBinaryJsonBinaryRoundTrip<v1::ReportResponse>();
}

TEST(FactsRoundTripTest, JsonUsesProtoFieldNames) {
  v1::EndpointFacts facts;
  facts.mutable_antivirus()->add_products()->set_definitions_age_hours(212.0);
  facts.mutable_usb_storage()->set_effective_policy(
      v1::USB_STORAGE_POLICY_BLOCKED);
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(facts, &json, print).ok());
  EXPECT_NE(json.find("\"definitions_age_hours\":212"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"effective_policy\":\"USB_STORAGE_POLICY_BLOCKED\""),
            std::string::npos)
      << json;
}

TEST(FactsRoundTripTest, EveryFamilyCarriesACollectionStatus) {
  const Descriptor* facts = v1::EndpointFacts::descriptor();
  int families = 0;
  for (int i = 0; i < facts->field_count(); ++i) {
    const FieldDescriptor* f = facts->field(i);
    if (f->number() < 10) continue;  // envelope fields
    ++families;
    ASSERT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_MESSAGE) << f->name();
    const FieldDescriptor* status =
        f->message_type()->FindFieldByName("status");
    ASSERT_NE(status, nullptr) << f->name() << " has no status";
    EXPECT_EQ(status->message_type(), v1::CollectionStatus::descriptor());
  }
  EXPECT_EQ(families, 16);
}

}  // namespace
}  // namespace mamori
