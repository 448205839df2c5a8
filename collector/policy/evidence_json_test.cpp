// check_results.evidence_json is written by hand (EvidenceJson in
// collector/store/sqlite/grading_store.cpp) and compared as text with stored
// rows to find changed results, so it must be exactly what nlohmann's dump()
// wrote before: otherwise every stored result would look changed once.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/store/sqlite/grading_store.h"

namespace mamori::store {
namespace {

std::string Nlohmann(const std::vector<grading::Evidence>& evidence) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const auto& e : evidence) j.push_back({e.name, e.value});
  return j.dump();
}

TEST(EvidenceJsonTest, SameTextAsNlohmannDump) {
  std::string every_ascii;
  for (int c = 1; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  const std::vector<std::vector<grading::Evidence>> cases = {
      {},
      {{"", ""}},
      {{"reason", "the check returned no row for this host"}},
      {{"products", "Microsoft Defender enabled=1 realtime=1; ESET"},
       {"product_count", "2"},
       {"null", "null"}},
      {{"quote\"back\\slash", "tab\tnew\nline\rcr\bbs\fff"}},
      {{"ascii", every_ascii}},
      {{std::string("nul\0byte", 8), std::string("\x01\x1f\x7f", 3)}},
      {{"日本語", "ウイルス対策ソフト 🛡 é"}},
  };
  for (const auto& evidence : cases) {
    EXPECT_EQ(EvidenceJson(evidence), Nlohmann(evidence));
  }
}

TEST(EvidenceJsonTest, TextThatIsNotUtf8BehavesAsBefore) {
  const std::vector<grading::Evidence> bad = {{"name", "\xff\xfe"}};
  EXPECT_THROW(Nlohmann(bad), nlohmann::json::type_error);
  EXPECT_THROW(EvidenceJson(bad), nlohmann::json::type_error);
}

}  // namespace
}  // namespace mamori::store
