// Proves the two writers agree: for every family, a fully populated struct
// written by the JSON writer equals protobuf's own JSON of the proto writer's
// message; and every proto field has a struct field (reflection), so no
// field is dropped silently. Each family is checked on its own, found by
// walking EndpointFacts' members against the proto descriptor: adding a
// family adds no line here.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/facts/endpoint.h"
#include "agent/facts/endpoint_proto.h"
#include "agent/facts/json_reader.h"
#include "agent/facts/json_writer.h"
#include "agent/facts/proto_writer.h"
#include "mamori/v1/facts.pb.h"

namespace mamori::facts {
namespace {

// Sets every field of a struct to a non-default value (two elements per
// list). VisitFields hands out const references; the object being filled is
// not const, so casting constness away is well defined.
class Filler {
 public:
  explicit Filler(int seed) : seed_(seed) {}

  template <typename T>
  void operator()(std::string_view name, const T& value) {
    Fill(std::string(name), const_cast<T&>(value));
  }

 private:
  template <typename T>
  void Fill(const std::string& name, T& v) {
    ++seed_;
    if constexpr (std::is_same_v<T, std::string>) {
      // Non-ASCII and characters JSON must escape, in every string.
      v = name + "-" + std::to_string(seed_) + " 守り \"q\" \\ <tag>&";
    } else if constexpr (std::is_same_v<T, bool>) {
      v = true;
    } else if constexpr (std::is_enum_v<T>) {
      v = static_cast<T>(1 + seed_ % 2);
    } else if constexpr (std::is_floating_point_v<T>) {
      v = seed_ % 2 == 0 ? 24.0 : 720.5 + seed_;
    } else if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(seed_) * 1000 + 7;
    } else if constexpr (std::is_same_v<T, TimePoint>) {
      v = FromUnixSeconds(1795424400 + seed_) +
          std::chrono::milliseconds(seed_ % 2 == 0 ? 0 : 250);
    } else if constexpr (IsOptional<T>::value) {
      v.emplace();
      Fill(name, *v);
    } else if constexpr (IsVector<T>::value) {
      v.resize(2);
      for (auto& e : v) Fill(name, e);
    } else {
      Filler nested(seed_ * 7);
      VisitFields(v, nested);
    }
  }

  int seed_;
};

template <typename S>
S Full() {
  S s;
  Filler filler(1);
  VisitFields(s, filler);
  return s;
}

// A new message of the type `descriptor` describes.
std::unique_ptr<google::protobuf::Message> NewMessage(
    const google::protobuf::Descriptor* descriptor) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(descriptor)
          ->New());
}

template <typename S>
void ExpectWritersAgree(const google::protobuf::Descriptor* descriptor) {
  const S full = Full<S>();
  const auto held = NewMessage(descriptor);
  google::protobuf::Message& message = *held;
  ASSERT_TRUE(WriteProto(full, &message).ok())
      << WriteProto(full, &message).ToString();
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  std::string from_proto;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &from_proto, opts)
          .ok());
  const std::string from_struct = ToJsonString(full);
  EXPECT_EQ(nlohmann::json::parse(from_struct),
            nlohmann::json::parse(from_proto))
      << "struct: " << from_struct << "\nproto:  " << from_proto;
  // Same text too, not only the same value: field order, number and string
  // formatting all match.
  EXPECT_EQ(from_struct, from_proto);
  // The empty struct too: defaults omitted on both sides.
  const auto empty = NewMessage(descriptor);
  ASSERT_TRUE(WriteProto(S{}, empty.get()).ok());
  std::string empty_proto;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(*empty, &empty_proto, opts)
          .ok());
  EXPECT_EQ(nlohmann::json::parse(ToJsonString(S{})),
            nlohmann::json::parse(empty_proto));
}

template <typename S, typename M>
void ExpectWritersAgree() {
  ExpectWritersAgree<S>(M::descriptor());
}

template <typename S, typename M>
void ExpectCovered() {
  const Status s = CheckCoverage<S>(M::descriptor());
  EXPECT_TRUE(s.ok()) << s.message();
}

template <typename S, typename M>
void CheckFamily() {
  ExpectWritersAgree<S, M>();
  ExpectCovered<S, M>();
}

TEST(Writers, CollectionStatus) {
  CheckFamily<CollectionStatus, mamori::v1::CollectionStatus>();
}
TEST(Writers, HostIdentity) {
  CheckFamily<HostIdentity, mamori::v1::HostIdentity>();
}

// Visits EndpointFacts' family members (std::optional of a fact struct) and
// checks each against the message of the EndpointFacts field of its name.
class EachFamily {
 public:
  template <typename T>
  void operator()(std::string_view name, const T& /*value*/) {
    if constexpr (IsOptional<T>::value) {
      using S = typename T::value_type;
      if constexpr (FactStruct<S>) Check<S>(name);
    }
  }
  std::set<std::string> checked;

 private:
  template <typename S>
  void Check(std::string_view name) {
    const google::protobuf::FieldDescriptor* field =
        mamori::v1::EndpointFacts::descriptor()->FindFieldByName(
            std::string(name));
    ASSERT_NE(field, nullptr) << name;
    ASSERT_NE(field->message_type(), nullptr) << name;
    SCOPED_TRACE(std::string(name));
    ExpectWritersAgree<S>(field->message_type());
    const Status s = CheckCoverage<S>(field->message_type());
    EXPECT_TRUE(s.ok()) << name << ": " << s.message();
    checked.insert(std::string(name));
  }
};

TEST(Writers, EveryFamilyOnItsOwn) {
  EachFamily each;
  VisitFields(EndpointFacts{}, each);
  // Every message field of EndpointFacts that carries a CollectionStatus
  // (the families; the envelope does not) was checked.
  const google::protobuf::Descriptor* d =
      mamori::v1::EndpointFacts::descriptor();
  int families = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::Descriptor* m = d->field(i)->message_type();
    if (m == nullptr || m->FindFieldByName("status") == nullptr) continue;
    ++families;
    EXPECT_EQ(each.checked.count(d->field(i)->name()), 1u)
        << d->field(i)->name();
  }
  EXPECT_EQ(static_cast<int>(each.checked.size()), families);
  EXPECT_GE(families, 15);
}

// The JSON reader (json_reader.h) reads back what the writer wrote, every
// field set (the service_exposure cache relies on it).
TEST(JsonReader, RoundTripsEveryField) {
  const ServiceExposureFacts full = Full<ServiceExposureFacts>();
  ServiceExposureFacts back;
  ASSERT_TRUE(FromJson(ToJson(full), &back).ok());
  EXPECT_EQ(ToJsonString(back), ToJsonString(full));
  const EndpointFacts endpoint = Full<EndpointFacts>();
  EndpointFacts endpoint_back;
  ASSERT_TRUE(FromJson(ToJson(endpoint), &endpoint_back).ok());
  EXPECT_EQ(ToJsonString(endpoint_back), ToJsonString(endpoint));
}

TEST(Writers, EndpointFactsAgree) {
  ExpectWritersAgree<EndpointFacts, mamori::v1::EndpointFacts>();
}

// Every EndpointFacts field, each family included, has its struct field:
// no exemption, so dropping a family (or any field) from the struct fails.
TEST(Writers, EndpointFactsCovered) {
  ExpectCovered<EndpointFacts, mamori::v1::EndpointFacts>();
}

TEST(ProtoWriter, RejectsEnumValueUnknownToProto) {
  SystemFacts f;
  f.role = static_cast<EndpointRole>(42);
  mamori::v1::SystemFacts m;
  const Status s = WriteProto(f, &m);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("role"), std::string::npos) << s.message();
}

TEST(Writers, InvalidUtf8IsReplacedOnBothSides) {
  SystemFacts f;
  f.hostname = "bad\xff\xfe";
  mamori::v1::SystemFacts m;
  ASSERT_TRUE(WriteProto(f, &m).ok());
  EXPECT_TRUE(IsValidUtf8(m.hostname()));
  EXPECT_EQ(ToJson(f)["hostname"].get<std::string>(), m.hostname());
}

TEST(JsonWriter, OptionalFieldsSetToDefaultAreWritten) {
  // Timestamps at the epoch are set (present) values, unlike plain zeros.
  CollectionStatus s;
  s.collected_at = FromUnixSeconds(0);
  const Json j = ToJson(s);
  EXPECT_EQ(j.dump(), R"({"collected_at":"1970-01-01T00:00:00Z"})");
}

}  // namespace
}  // namespace mamori::facts
