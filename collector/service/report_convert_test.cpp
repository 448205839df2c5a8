#include "collector/service/report_convert.h"

#include <gtest/gtest.h>

#include "collector/service/part_digest.h"

namespace mamori::service {
namespace {

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

}  // namespace
}  // namespace mamori::service
