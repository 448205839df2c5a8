#include "agent/collect.h"

#include <gtest/gtest.h>

namespace mamori::agent {
namespace {

TEST(CollectEndpointFacts, FillsEnvelopeAndFamily) {
  FakeClock clock(FromUnixSeconds(1795424400));
  Result<mamori::v1::EndpointFacts> r = CollectEndpointFacts(
      facts::RootContext("tests/fixtures/linux/system/debian", &clock),
      {"system"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->agent_version(), MAMORI_VERSION);
  EXPECT_EQ(r->collected_at().seconds(), 1795424400);
  EXPECT_EQ(r->identity().hostname(), "pc-sato");
  ASSERT_TRUE(r->has_system());
  EXPECT_EQ(r->system().status().state(), mamori::v1::STATUS_OK);
  EXPECT_EQ(r->system().os_codename(), "bookworm");
  EXPECT_EQ(r->system().os_family(), mamori::v1::OS_FAMILY_LINUX);
}

TEST(CollectEndpointFacts, UnknownFamilyIsInvalidArgument) {
  Result<mamori::v1::EndpointFacts> r =
      CollectEndpointFacts(facts::LiveContext(), {"bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mamori::agent
