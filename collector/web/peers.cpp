#include "collector/web/peers.h"

namespace mamori::web {
namespace {

int Points(const std::string& grade) {
  if (grade == "A") return 4;
  if (grade == "B") return 3;
  if (grade == "C") return 2;
  if (grade == "D") return 1;
  return 0;
}

}  // namespace

std::string SizeBand(std::optional<int64_t> employees) {
  if (!employees || *employees < 1) return "";
  if (*employees <= 20) return "1-20";
  if (*employees <= 50) return "21-50";
  if (*employees <= 100) return "51-100";
  if (*employees <= 300) return "101-300";
  return "301+";
}

std::optional<PeerGroup> PeerGroupOf(
    const std::vector<store::PeerSample>& samples, const std::string& industry,
    std::optional<int64_t> employees) {
  const std::string band = SizeBand(employees);
  if (industry.empty() || band.empty()) return std::nullopt;
  PeerGroup group;
  int points = 0;
  for (const store::PeerSample& s : samples) {
    if (s.industry != industry || SizeBand(s.employees) != band) continue;
    const int p = Points(s.overall);
    if (p == 0) continue;
    ++group.count;
    points += p;
  }
  if (group.count < kMinPeerGroup) return std::nullopt;
  group.average = static_cast<double>(points) / group.count;
  // Overall bands of domain.md §3.3: A ≥ 3.5 > B ≥ 2.5 > C ≥ 1.5 > D,
  // compared in integers (points × 2 against count × 7 …).
  if (points * 2 >= group.count * 7) {
    group.grade = "A";
  } else if (points * 2 >= group.count * 5) {
    group.grade = "B";
  } else if (points * 2 >= group.count * 3) {
    group.grade = "C";
  } else {
    group.grade = "D";
  }
  return group;
}

}  // namespace mamori::web
