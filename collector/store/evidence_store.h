#pragma once

// Evidence flags: what the collector noticed about a host's reports that
// makes their evidence doubtful (issue #13 point 10). The store records them
// while storing reports (see StoreReports); this interface reads them.
//
// Kinds:
// - kFlagCopiedState: a report authenticated with the host's node key came
//   from a machine whose identity facts contradict the enrolled ones
//   (report_identity.h): a copied agent state directory. The report was
//   refused, so the enrolled machine's facts were not overwritten.
// - kFlagClockAhead: a report's collected_at was later than the collector's
//   clock plus the allowed skew; it was stored as collected when received.
//
// Thread safety: as Store.

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

inline constexpr char kFlagCopiedState[] = "copied_state";
inline constexpr char kFlagClockAhead[] = "clock_ahead";

struct HostEvidenceFlag {
  int64_t host_id = 0;
  std::string kind;    // kFlagCopiedState, kFlagClockAhead
  std::string detail;  // the latest occurrence, for people
  TimePoint first_at;  // collector time
  TimePoint last_at;
  int64_t count = 0;
};

class EvidenceFlagStore {
 public:
  virtual ~EvidenceFlagStore() = default;
  // Flags of the hosts of `org`, by host id then kind. NOT_FOUND when the
  // organisation is unknown.
  virtual Result<std::vector<HostEvidenceFlag>> ListEvidenceFlags(
      const std::string& org) = 0;
};

}  // namespace mamori::store
