#pragma once

// The organisation-wide software view (GET orgs/{org}/software): what is
// installed where, end-of-support items flagged, searchable.
//
// SoftwareViewCache holds each organisation's aggregate (one row per name
// and version, ConsoleStore::OrgSoftware) for kSoftwareViewMaxAge. Building
// it reads every package link of the organisation: 15 M rows and seconds
// for 10,000 hosts × 1,500 packages, far over the view's 200 ms target, so
// the view answers from the copy and says how old it is (computed_at). When
// the copy is older than the limit, the first request rebuilds it while the
// others keep answering from the old copy; with no copy yet, they wait for
// the one build. Package lists change with installs and upgrades (hours),
// so a minute-old view is what the page promises, not an approximation of
// it. Measured in docs/performance.md ("Web console").
//
// EndOfSupportFor matches one row against the end-of-support table
// (policies/end_of_support.yaml): Office releases by year in the name,
// programs by name glob (product `package`), browsers below the lowest
// major version still fixed.
//
// Thread safety: SoftwareViewCache is thread-safe; the functions are pure.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/console_store.h"
#include "collector/store/grading_records.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::web {

inline constexpr std::chrono::seconds kSoftwareViewMaxAge{60};

// Why a program is flagged: the table's label, the date support ended (or
// ends) and the vendor's page.
struct EndOfSupport {
  std::string label;
  std::string ends_on;  // YYYY-MM-DD; "" for a browser below its minimum
  bool ended = false;   // ends_on before `today`, or a browser below minimum
  std::string source;
  int64_t min_major = 0;  // browsers: the lowest major version still fixed
};

// One row of the view: the store's aggregate and its end-of-support entry
// (matched when the copy is built, not per request).
struct SoftwareViewRow {
  store::SoftwareSummary summary;
  std::optional<EndOfSupport> end_of_support;
};

class SoftwareViewCache {
 public:
  using Rows = std::vector<SoftwareViewRow>;
  struct Snapshot {
    std::shared_ptr<const Rows> rows;
    TimePoint computed_at;
  };
  using Build = std::function<Result<Rows>()>;

  explicit SoftwareViewCache(std::chrono::seconds max_age = kSoftwareViewMaxAge)
      : max_age_(max_age) {}

  // The organisation's rows: the copy when younger than max_age; otherwise
  // built with `build` (see above). A failed build is returned and not
  // kept.
  Result<Snapshot> Get(int64_t org_id, TimePoint now, const Build& build);

 private:
  struct Slot {
    std::mutex build_mu;               // one build per organisation at a time
    std::optional<Snapshot> snapshot;  // guarded by SoftwareViewCache::mu_
  };
  bool Fresh(const Slot& slot, TimePoint now) const;

  const std::chrono::seconds max_age_;
  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<Slot>> slots_;
};

// The first entry of `table` that names (name, version), or nullopt.
// `today` is YYYY-MM-DD (UTC).
std::optional<EndOfSupport> EndOfSupportFor(
    const store::EndOfSupportTable& table, std::string_view name,
    std::string_view version, std::string_view today);

// Whether every whitespace-separated term of `query` occurs (ASCII
// case-insensitively) in `name` or in `label`: "office 2016" finds
// "Microsoft Office Professional Plus 2016", so does the label "Office 2016".
bool SoftwareMatches(std::string_view query, std::string_view name,
                     std::string_view label);

// SQL LIKE over ASCII case: `%` any text, `_` one character.
bool LikeMatches(std::string_view pattern, std::string_view text);

}  // namespace mamori::web
