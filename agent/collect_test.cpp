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
  ASSERT_TRUE(r->has_system());
  EXPECT_EQ(r->system().status().state(), mamori::v1::STATUS_OK);
#ifdef _WIN32
  // The Windows gatherers read the registry, not the root: the fixture
  // tests/fixtures/windows/current_version.reg that scripts/test-windows.sh
  // imported. The host name is the machine's own (Wine: the Linux host's).
  EXPECT_EQ(r->identity().machine_id(), "6f1c2a10-0000-4000-8000-00000000a11e");
  EXPECT_FALSE(r->identity().hostname().empty());
  EXPECT_EQ(r->identity().hostname(), r->system().hostname());
  EXPECT_EQ(r->system().os_codename(), "22H2");
  EXPECT_EQ(r->system().os_family(), mamori::v1::OS_FAMILY_WINDOWS);
#else
  EXPECT_EQ(r->identity().hostname(), "pc-sato");
  EXPECT_EQ(r->system().os_codename(), "bookworm");
  EXPECT_EQ(r->system().os_family(), mamori::v1::OS_FAMILY_LINUX);
#endif
}

TEST(CollectEndpointFacts, UnknownFamilyIsInvalidArgument) {
  Result<mamori::v1::EndpointFacts> r =
      CollectEndpointFacts(facts::LiveContext(), {"bogus"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mamori::agent
