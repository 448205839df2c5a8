// neighbours on Windows (under Wine here): the gatherer through IP Helper.
// Wine 8 serves GetIpNetTable2 from the Linux host's tables (its nsi
// module), so the family must come back OK with entries that are all
// well-formed, or, where an IP Helper call is missing, a clear error naming
// the call: never a crash and never an "ok" with garbage.
#include <gtest/gtest.h>

// clang-format off
#include <windows.h>
// clang-format on

#include "agent/facts/neighbours.h"

namespace mamori::facts {
namespace {

bool IsWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr &&
         GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

TEST(NeighboursWindows, GathersOrNamesTheMissingCall) {
  const NeighbourFacts facts = GatherNeighbours(LiveContext());
  EXPECT_EQ(facts.source, "GetIpNetTable2");
  if (facts.status.state != CollectionState::kOk) {
    EXPECT_EQ(facts.status.state, CollectionState::kError);
    EXPECT_FALSE(facts.status.message.empty());
    EXPECT_TRUE(facts.neighbours.empty());
    if (IsWine()) {
      GTEST_SKIP() << "Wine lacks part of IP Helper: " << facts.status.message;
    }
    FAIL() << facts.status.message;
  }
  EXPECT_GE(facts.total_entries, facts.neighbours.size());
  EXPECT_LE(facts.neighbours.size(), kMaxNeighbours);
  for (const Neighbour& n : facts.neighbours) {
    EXPECT_FALSE(n.ip.empty());
    EXPECT_FALSE(n.interface.empty());
    EXPECT_TRUE(n.mac.empty() || n.mac.size() == 17) << n.mac;
    EXPECT_NE(n.state, NeighbourState::kUnspecified) << n.ip;
  }
  for (const NeighbourNetwork& net : facts.networks) {
    EXPECT_FALSE(net.interface.empty());
  }
  std::printf("neighbours under %s: %zu entries, %zu networks\n",
              IsWine() ? "Wine" : "Windows", facts.neighbours.size(),
              facts.networks.size());
}

}  // namespace
}  // namespace mamori::facts
