#include "agent/transport/part_digest.h"

#include <gtest/gtest.h>

#include "proto/wire/part_digest.h"

namespace mamori::transport {
namespace {

mamori::v1::EndpointFacts FactsWithPackages(int n, int64_t collected_s) {
  mamori::v1::EndpointFacts facts;
  facts.mutable_system()->set_hostname("pc-05");
  auto* pk = facts.mutable_packages();
  pk->mutable_status()->set_state(mamori::v1::STATUS_OK);
  pk->mutable_status()->mutable_collected_at()->set_seconds(collected_s);
  pk->mutable_status()->set_duration_us(collected_s % 997);
  for (int i = 0; i < n; ++i) {
    auto* p = pk->add_packages();
    p->set_name("package-" + std::to_string(i));
    p->set_version("1." + std::to_string(i));
  }
  return facts;
}

TEST(PartDigestTest, IgnoresCollectionTimingOnly) {
  auto a = FactsWithPackages(50, 1000);
  auto b = FactsWithPackages(50, 2000);
  EXPECT_EQ(wire::PartDigest(a.packages()), wire::PartDigest(b.packages()));
  b.mutable_packages()->mutable_packages(3)->set_version("9.9");
  EXPECT_NE(wire::PartDigest(a.packages()), wire::PartDigest(b.packages()));
  b = FactsWithPackages(50, 2000);
  b.mutable_packages()->mutable_status()->set_state(mamori::v1::STATUS_ERROR);
  EXPECT_NE(wire::PartDigest(a.packages()), wire::PartDigest(b.packages()));
  EXPECT_EQ(wire::PartDigest(a.packages()).size(), 64u);
}

TEST(PartDigestTest, FamilyDigestsCoverPresentFamiliesOnly) {
  auto facts = FactsWithPackages(3, 1);
  facts.mutable_identity()->set_hostname("pc-05");
  auto digests = FamilyDigests(facts);
  EXPECT_EQ(digests.size(), 2u);
  EXPECT_TRUE(digests.count("system"));
  EXPECT_TRUE(digests.count("packages"));
  EXPECT_FALSE(digests.count("identity"));
}

TEST(PartDigestTest, ReplacesOnlyLargeUnchangedAckedFamilies) {
  auto facts = FactsWithPackages(200, 1);
  auto acked = FamilyDigests(FactsWithPackages(200, 99));
  google::protobuf::RepeatedPtrField<mamori::v1::PartDigest> unchanged;
  auto replaced = ReplaceUnchangedParts(acked, &facts, &unchanged);
  ASSERT_EQ(replaced, std::vector<std::string>{"packages"});
  EXPECT_FALSE(facts.has_packages());
  // system is tiny: sent in full even though unchanged.
  EXPECT_TRUE(facts.has_system());
  ASSERT_EQ(unchanged.size(), 1);
  EXPECT_EQ(unchanged[0].family(), "packages");
  EXPECT_EQ(unchanged[0].sha256(), acked["packages"]);
}

TEST(PartDigestTest, ChangedFamilyIsSentInFull) {
  auto facts = FactsWithPackages(200, 1);
  auto old = FactsWithPackages(200, 1);
  old.mutable_packages()->mutable_packages(0)->set_version("0.1");
  google::protobuf::RepeatedPtrField<mamori::v1::PartDigest> unchanged;
  EXPECT_TRUE(
      ReplaceUnchangedParts(FamilyDigests(old), &facts, &unchanged).empty());
  EXPECT_TRUE(facts.has_packages());
  EXPECT_EQ(unchanged.size(), 0);
}

TEST(PartDigestTest, Sha256OfKnownInput) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace mamori::transport
