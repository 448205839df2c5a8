#pragma once

// Anonymised peer comparison for the operator home: organisations grouped
// by industry and size band; a group's average overall grade is shown only
// when it has at least kMinPeerGroup graded organisations, so no single
// company's grade can be read off it.
//
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <vector>

#include "collector/store/console_store.h"

namespace mamori::web {

inline constexpr int kMinPeerGroup = 5;

// "1-20", "21-50", "51-100", "101-300", "301+"; "" when not given.
std::string SizeBand(std::optional<int64_t> employees);

struct PeerGroup {
  int count = 0;       // graded organisations in the group
  double average = 0;  // points A=4 … D=1
  std::string grade;   // the average as a grade (domain.md §3.3 bands)
};

// The group of (industry, size band) among `samples`; nullopt when the
// industry or size is not given, or the group has fewer than kMinPeerGroup.
std::optional<PeerGroup> PeerGroupOf(
    const std::vector<store::PeerSample>& samples, const std::string& industry,
    std::optional<int64_t> employees);

}  // namespace mamori::web
