#include "agent/facts/table_format.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(FormatTable, ShowsFamiliesStatesAndFields) {
  EndpointFacts facts;
  facts.agent_version = "0.1.0";
  facts.identity.hostname = "pc-sato";
  facts.collected_at = FromUnixSeconds(1795424400);
  facts.system.emplace();
  facts.system->status = OkStatus();
  facts.system->status.duration_us = 1500;
  facts.system->os_name = "Debian GNU/Linux 12 (bookworm)";
  const std::string table = FormatTable(facts);
  EXPECT_NE(table.find("pc-sato"), std::string::npos);
  EXPECT_NE(table.find("2026-11-23T09:00:00Z"), std::string::npos);
  EXPECT_NE(table.find("[system] システム  OK / 取得済み  (1.5 ms)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("os_name"), std::string::npos);
  EXPECT_NE(table.find("Debian GNU/Linux 12 (bookworm)"), std::string::npos);
}

TEST(FormatTable, NonOkFamilyShowsReason) {
  EndpointFacts facts;
  facts.system.emplace();
  facts.system->status = UnsupportedStatus("/x/etc/os-release: not found");
  const std::string table = FormatTable(facts);
  EXPECT_NE(table.find("UNSUPPORTED / 未対応"), std::string::npos) << table;
  EXPECT_NE(table.find("reason / 理由: /x/etc/os-release: not found"),
            std::string::npos);
}

// SSIDs, host names, file names in reasons come from outside the agent.
TEST(FormatTable, NothingPrintedActsOnTheTerminal) {
  EndpointFacts facts;
  facts.identity.hostname = "pc\x1b[2K\r";
  facts.system.emplace();
  facts.system->status = UnsupportedStatus("/etc/\x1b]0;owned\x07: bad");
  facts.system->os_name =
      "Debian\x08\x08\x08\xc2\x9b"
      "2J";
  const std::string table = FormatTable(facts);
  for (unsigned char c : table) {
    EXPECT_FALSE((c < 0x20 && c != '\n') || c == 0x7f)
        << static_cast<int>(c) << " in " << table;
  }
  EXPECT_EQ(table.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(table.find("pc\\x1b[2K\\x0d"), std::string::npos) << table;
}

TEST(FormatTable, LongListsAreCutWithACount) {
  EndpointFacts facts;
  facts.packages.emplace();
  facts.packages->status = OkStatus();
  for (int i = 0; i < 30; ++i) {
    Package p;
    p.name = "pkg" + std::to_string(i);
    p.version = "1.0";
    facts.packages->packages.push_back(p);
  }
  const std::string table = FormatTable(facts, 3);
  EXPECT_NE(table.find("30 entries"), std::string::npos) << table;
  EXPECT_NE(table.find("- name=pkg2, version=1.0"), std::string::npos);
  EXPECT_EQ(table.find("pkg3,"), std::string::npos);
  EXPECT_NE(table.find("… 27 more"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
