#include "collector/service/report_convert.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <iterator>
#include <optional>
#include <random>

#include "proto/wire/families.h"
#include "proto/wire/part_digest.h"

namespace mamori::service {
namespace {

using wire::PartDigest;

v1::ReportRequest BaseRequest() {
  v1::ReportRequest r;
  r.set_host_id("7");
  r.set_node_key("secret");
  r.set_report_id("rep-1");
  r.mutable_collected_at()->set_seconds(1'763'900'000);
  v1::EndpointFacts* f = r.mutable_facts();
  f->set_agent_version("0.1.0");
  f->mutable_system()->mutable_status()->set_state(v1::STATUS_OK);
  f->mutable_system()->set_hostname("pc-01");
  f->mutable_system()->set_os_name("Debian GNU/Linux 12 (bookworm)");
  f->mutable_system()->set_os_version("12");
  v1::PackageFacts* p = f->mutable_packages();
  p->mutable_status()->set_state(v1::STATUS_OK);
  p->mutable_status()->mutable_collected_at()->set_seconds(1'763'899'990);
  for (int i = 0; i < 3; ++i) {
    v1::Package* pkg = p->add_packages();
    pkg->set_name("pkg" + std::to_string(i));
    pkg->set_version("1." + std::to_string(i));
    pkg->set_architecture("amd64");
    pkg->set_source(v1::PACKAGE_SOURCE_DPKG);
  }
  f->mutable_firewall()->mutable_status()->set_state(
      v1::STATUS_PERMISSION_DENIED);
  return r;
}

TEST(ReportConvertTest, ConvertsFamiliesToJsonWithDigests) {
  Result<store::ReportInput> in = ConvertReport(BaseRequest(), Limits{});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->host_id, 7);
  EXPECT_EQ(in->report_id, "rep-1");
  EXPECT_EQ(in->node_key_hash.size(), 64u);
  EXPECT_EQ(in->hostname, "pc-01");
  EXPECT_EQ(in->collected_at, 1'763'900'000);
  ASSERT_EQ(in->families.size(), 3u);
  // Field order of EndpointFacts: system, packages, firewall.
  EXPECT_EQ(in->families[0].family, "system");
  EXPECT_NE(in->families[0].Payload().value().find(R"("hostname":"pc-01")"),
            std::string::npos);
  EXPECT_EQ(in->families[1].family, "packages");
  EXPECT_EQ(in->families[1].Payload().value().find("pkg0"), std::string::npos)
      << "the list is stored in host_packages, not in the JSON";
  EXPECT_EQ(in->families[1].collected_at, 1'763'899'990);
  EXPECT_EQ(in->families[1].sha256,
            PartDigest(BaseRequest().facts().packages()));
  EXPECT_EQ(in->families[2].state, "STATUS_PERMISSION_DENIED");
  // Optional fields stay absent (unknown), plain ones print zero values.
  EXPECT_EQ(in->families[2].Payload().value().find("\"active\""),
            std::string::npos);
  EXPECT_NE(in->families[2].Payload().value().find("\"rule_count\":0"),
            std::string::npos);
  ASSERT_EQ(in->packages.size(), 3u);
  EXPECT_EQ(in->packages[1].version, "1.1");
  EXPECT_EQ(in->packages[1].source, "PACKAGE_SOURCE_DPKG");
}

TEST(ReportConvertTest, DigestIgnoresCollectionTimeButNotContent) {
  v1::PackageFacts a = BaseRequest().facts().packages();
  v1::PackageFacts b = a;
  b.mutable_status()->mutable_collected_at()->set_seconds(1);
  b.mutable_status()->set_duration_us(12345);
  EXPECT_EQ(PartDigest(a), PartDigest(b));
  b.mutable_packages(0)->set_version("2.0");
  EXPECT_NE(PartDigest(a), PartDigest(b));
  EXPECT_EQ(PartDigest(a).size(), 64u);
}

TEST(ReportConvertTest, LimitsNameTheField) {
  Limits limits;
  limits.max_list_entries = 2;
  Result<store::ReportInput> too_many = ConvertReport(BaseRequest(), limits);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(
      too_many.status().message().find("facts.packages.packages: 3 entries"),
      std::string::npos)
      << too_many.status().message();

  limits = Limits{};
  limits.max_string_bytes = 10;
  v1::ReportRequest long_string = BaseRequest();
  long_string.mutable_facts()->mutable_system()->set_os_name(
      std::string(11, 'x'));
  Result<store::ReportInput> too_long = ConvertReport(long_string, limits);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("facts.system.os_name"),
            std::string::npos)
      << too_long.status().message();
}

// A small report cannot break the string and list limits, so only
// timestamps and depth are walked: depth is still enforced.
TEST(ReportConvertTest, DepthIsCheckedForSmallReportsToo) {
  Limits limits;
  limits.max_depth = 2;
  Result<store::ReportInput> deep = ConvertReport(BaseRequest(), limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested too deeply"),
            std::string::npos)
      << deep.status().message();
  limits.max_depth = 4;
  EXPECT_TRUE(ConvertReport(BaseRequest(), limits).ok());
}

TEST(ReportConvertTest, TimestampsIn1970And2100AreKeptOutOfRangeRejected) {
  v1::ReportRequest r = BaseRequest();
  r.mutable_collected_at()->set_seconds(0);
  r.mutable_facts()
      ->mutable_packages()
      ->mutable_status()
      ->mutable_collected_at()
      ->set_seconds(4'102'444'800);  // 2100-01-01
  Result<store::ReportInput> in = ConvertReport(r, Limits{});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->collected_at, 0);
  EXPECT_EQ(in->families[1].collected_at, 4'102'444'800);
  EXPECT_NE(in->families[1].Payload().value().find("2100-01-01T00:00:00Z"),
            std::string::npos);

  r.mutable_facts()->mutable_system()->mutable_boot_time()->set_seconds(
      999'999'999'999);
  Result<store::ReportInput> bad = ConvertReport(r, Limits{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("facts.system.boot_time"),
            std::string::npos)
      << bad.status().message();
}

TEST(ReportConvertTest, RejectsBadIdsAndParts) {
  v1::ReportRequest r = BaseRequest();
  r.set_host_id("abc");
  EXPECT_EQ(ConvertReport(r, Limits{}).status().code(),
            StatusCode::kUnauthenticated);
  r = BaseRequest();
  r.set_report_id("");
  EXPECT_EQ(ConvertReport(r, Limits{}).status().code(),
            StatusCode::kInvalidArgument);
  r = BaseRequest();
  r.set_report_id(std::string(300, 'r'));
  EXPECT_NE(ConvertReport(r, Limits{}).status().message().find("report_id"),
            std::string::npos);
  r = BaseRequest();
  v1::PartDigest* part = r.add_unchanged_parts();
  part->set_family("packages");
  part->set_sha256(std::string(64, 'a'));
  EXPECT_NE(ConvertReport(r, Limits{}).status().message().find("also sent"),
            std::string::npos);
  part->set_family("no_such_family");
  EXPECT_NE(
      ConvertReport(r, Limits{}).status().message().find("unknown family"),
      std::string::npos);
  r.mutable_facts()->clear_packages();
  part->set_family("packages");
  part->set_sha256(std::string(64, 'A'));
  Result<store::ReportInput> ok = ConvertReport(r, Limits{});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->unchanged[0].sha256, std::string(64, 'a'));
}

// Fills every field of `message` at random (set or left unset, lists of 0–3,
// strings with quotes, controls, HTML characters, invisible and astral code
// points), down to `depth` levels.
void FillRandom(google::protobuf::Message* message, std::mt19937* rng,
                int depth) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* d = message->GetDescriptor();
  const google::protobuf::Reflection* r = message->GetReflection();
  if (d == google::protobuf::Timestamp::descriptor()) {
    auto* ts = static_cast<google::protobuf::Timestamp*>(message);
    const int64_t picks[] = {0,
                             1,
                             -1,
                             86399,
                             951782400,
                             1'763'900'000,
                             -62'135'596'800,
                             253'402'300'799};
    ts->set_seconds(picks[(*rng)() % 8] + static_cast<int64_t>((*rng)() % 3));
    const int32_t nanos[] = {0, 5'000'000, 120'000, 7, 999'999'999};
    ts->set_nanos(nanos[(*rng)() % 5]);
    return;
  }
  const std::string strings[] = {
      "",
      "plain",
      "quote\" back\\slash",
      "tab\tnl\ncr\rbs\bff\f",
      std::string("nul\0ctl\x01\x1f\x7f\0", 11),  // NULs inside and at the end
      "<script>&'</script>",
      "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
      "\xc2\x80\xc2\x9f\xc2\xa0\xc2\xad",
      "\xe2\x80\x8b\xe2\x80\xa8\xe2\x80\xae\xef\xbb\xbf\xef\xbf\xb9",
      "\xf0\x9f\x98\x80 \xf0\x9d\x85\xb3 \xf3\xa0\x80\x81 \xf3\xa0\x81\xbf",
      "\xd8\x80\xdb\x9d\xdc\x8f\xe1\x9e\xb4\xe2\x81\xa0\xe2\x81\xaa"};
  const double doubles[] = {0.0,  -0.0,  1.0,       24.0,
                            0.1,  1e21,  1.5e-7,    123.456,
                            -2.5, 1e300, 1.0 / 3.0, 9007199254740993.0};
  for (int f = 0; f < d->field_count(); ++f) {
    const FieldDescriptor* field = d->field(f);
    const int count = field->is_repeated()
                          ? static_cast<int>((*rng)() % 4)
                          : static_cast<int>((*rng)() % 3 != 0 ? 1 : 0);
    for (int i = 0; i < count; ++i) {
      const bool rep = field->is_repeated();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: {
          const int32_t v = static_cast<int32_t>((*rng)() % 5) - 2;
          rep ? r->AddInt32(message, field, v * 1000003)
              : r->SetInt32(message, field, v * 1000003);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT32: {
          const uint32_t v = (*rng)() % 3 == 0 ? 0xffffffffu : (*rng)() % 100;
          rep ? r->AddUInt32(message, field, v)
              : r->SetUInt32(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          const int64_t v = (*rng)() % 2 == 0 ? -9'000'000'000'000'000'000
                                              : static_cast<int64_t>((*rng)());
          rep ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT64: {
          const uint64_t v =
              (*rng)() % 2 == 0 ? 18'000'000'000'000'000'000u : (*rng)() % 7;
          rep ? r->AddUInt64(message, field, v)
              : r->SetUInt64(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          const double v = doubles[(*rng)() % std::size(doubles)];
          rep ? r->AddDouble(message, field, v)
              : r->SetDouble(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const float v = static_cast<float>(doubles[(*rng)() % 9]);
          rep ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL: {
          const bool v = (*rng)() % 2 == 0;
          rep ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          const google::protobuf::EnumDescriptor* e = field->enum_type();
          // Now and then a number the enum does not name.
          const int v =
              (*rng)() % 8 == 0
                  ? 977
                  : e->value(static_cast<int>((*rng)() % static_cast<unsigned>(
                                                             e->value_count())))
                        ->number();
          rep ? r->AddEnumValue(message, field, v)
              : r->SetEnumValue(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string& v = strings[(*rng)() % std::size(strings)];
          rep ? r->AddString(message, field, v)
              : r->SetString(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth <= 0) break;
          FillRandom(rep ? r->AddMessage(message, field)
                         : r->MutableMessage(message, field),
                     rng, depth - 1);
          break;
      }
    }
  }
}

TEST(ReportConvertTest, FastJsonIsByteIdenticalToProtobufForEveryFamily) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::mt19937 rng(20261123);
  const google::protobuf::Descriptor* facts = v1::EndpointFacts::descriptor();
  int compared = 0;
  int refused = 0;
  for (int f = 0; f < facts->field_count(); ++f) {
    const google::protobuf::FieldDescriptor* field = facts->field(f);
    // The fact families (the collector converts nothing else to JSON).
    if (!wire::IsFamilyField(field)) continue;
    for (int round = 0; round < 300; ++round) {
      v1::EndpointFacts holder;
      google::protobuf::Message* family =
          holder.GetReflection()->MutableMessage(&holder, field);
      if (round > 0) FillRandom(family, &rng, 4);
      std::string expected;
      std::optional<std::string> fast = FastJson(*family);
      if (!google::protobuf::util::MessageToJsonString(*family, &expected,
                                                       options)
               .ok()) {
        // A timestamp past 9999-12-31: protobuf refuses, so must this.
        EXPECT_FALSE(fast.has_value()) << *fast;
        ++refused;
        continue;
      }
      ASSERT_TRUE(fast.has_value()) << field->name() << " round " << round;
      ASSERT_EQ(*fast, expected) << field->name() << " round " << round;
      ++compared;
    }
  }
  EXPECT_GE(compared + refused, 14 * 300);
  EXPECT_GT(compared, 14 * 200);
}

TEST(ReportConvertTest, FutureCollectionTimesAreClampedBeyondTheSkew) {
  const TimePoint received = FromUnixSeconds(1'763'900'000);
  Limits limits;  // 300 s allowance
  // Within the allowance: kept as sent, not flagged.
  v1::ReportRequest near = BaseRequest();
  near.mutable_collected_at()->set_seconds(1'763'900'000 + 300);
  Result<store::ReportInput> kept = ConvertReport(near, limits);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(ClampFutureTimes(&*kept, received, limits));
  EXPECT_EQ(kept->collected_at, 1'763'900'300);
  EXPECT_FALSE(kept->clock_ahead_seconds.has_value());

  // Year 9999 on the report, a day ahead on one family's own status.
  v1::ReportRequest far = BaseRequest();
  far.mutable_collected_at()->set_seconds(253'402'300'799);
  far.mutable_facts()
      ->mutable_packages()
      ->mutable_status()
      ->mutable_collected_at()
      ->set_seconds(1'763'900'000 + 86'400);
  Result<store::ReportInput> in = ConvertReport(far, limits);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_TRUE(ClampFutureTimes(&*in, received, limits));
  EXPECT_EQ(in->collected_at, 1'763'900'000);
  for (const store::FamilyUpdate& f : in->families) {
    EXPECT_EQ(f.collected_at, 1'763'900'000) << f.family;
  }
  ASSERT_TRUE(in->clock_ahead_seconds.has_value());
  EXPECT_EQ(*in->clock_ahead_seconds, 253'402'300'799 - 1'763'900'000);

  // A past time is not this function's business.
  v1::ReportRequest old = BaseRequest();
  old.mutable_collected_at()->set_seconds(86'400);
  Result<store::ReportInput> past = ConvertReport(old, limits);
  ASSERT_TRUE(past.ok());
  EXPECT_FALSE(ClampFutureTimes(&*past, received, limits));
  EXPECT_EQ(past->collected_at, 86'400);
}

TEST(ReportConvertTest, IdentityIsNormalisedAndBounded) {
  v1::ReportRequest r = BaseRequest();
  v1::HostIdentity* id = r.mutable_facts()->mutable_identity();
  id->set_machine_id("m1");
  id->set_smbios_uuid("4C4C4544-ABCD");
  id->add_macs("bb:00");
  id->add_macs("aa:00");
  Result<store::ReportInput> in = ConvertReport(r, Limits{});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->identity.machine_id, "m1");
  EXPECT_EQ(in->identity.smbios_uuid, "4c4c4544-abcd");
  EXPECT_EQ(in->identity.macs, (std::vector<std::string>{"aa:00", "bb:00"}));
  id->set_serial(std::string(1000, 'S'));
  Result<store::ReportInput> refused = ConvertReport(r, Limits{});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("facts.identity.serial"),
            std::string::npos);
}

TEST(ReportConvertTest, FastJsonDeclinesWhatItCannotPrintLikeProtobuf) {
  v1::SystemFacts system;
  system.set_hostname(std::string("bad\xff", 4));  // never parsed, but built
  EXPECT_FALSE(FastJson(system).has_value());
  system.set_hostname("ok");
  system.mutable_status()->mutable_collected_at()->set_seconds(
      253'402'300'800);  // year 10000
  EXPECT_FALSE(FastJson(system).has_value());
}

}  // namespace
}  // namespace mamori::service
