#pragma once

// The organisation-wide software view (GET orgs/{org}/software): what is
// installed where, end-of-support items flagged, searchable.
//
// SoftwareViewCache holds each organisation's aggregate (one row per name
// and version, ConsoleStore::OrgSoftware), built on a background thread of
// its own, never by a request: building it reads every package link of the
// organisation (15 M rows, seconds, for 10,000 hosts × 1,500 packages), far
// over the view's 200 ms target. A request answers from the copy and says
// how old it is (computed_at); when the copy is older than max_age the
// request still gets it and the background thread rebuilds it (once,
// however many ask). Only when an organisation has no copy yet does a
// request wait for the build under way. Package lists change with installs
// and upgrades (hours), so a copy a minute or two old is what the page
// promises. Memory: at most max_orgs copies (the least recently asked for is
// dropped), each one row per name and version with kSoftwareSampleHosts
// hosts; the build itself reads through the store's bounded page cache.
// Pages of the answer: SoftwareCursor below. Measured in docs/performance.md
// ("Web console", "Fourth pass").
//
// EndOfSupportFor matches one row against the end-of-support table
// (policies/end_of_support.yaml): Office releases by year in the name,
// programs by name glob (product `package`), browsers below the lowest
// major version still fixed.
//
// Thread safety: SoftwareViewCache is thread-safe; the functions are pure.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "collector/store/console_store.h"
#include "collector/store/grading_records.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::web {

inline constexpr std::chrono::seconds kSoftwareViewMaxAge{60};
inline constexpr size_t kSoftwareViewMaxOrgs = 16;

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
  // Runs on the cache's thread; must not use anything the cache outlives.
  using Build = std::function<Result<Rows>()>;

  explicit SoftwareViewCache(std::chrono::seconds max_age = kSoftwareViewMaxAge,
                             size_t max_orgs = kSoftwareViewMaxOrgs)
      : max_age_(max_age), max_orgs_(max_orgs) {}
  // Waits for a build under way; builds queued behind it are dropped.
  ~SoftwareViewCache();
  SoftwareViewCache(const SoftwareViewCache&) = delete;
  SoftwareViewCache& operator=(const SoftwareViewCache&) = delete;

  // The organisation's rows (see above): the copy at once when there is
  // one, with a rebuild by `build` queued when it is older than max_age;
  // otherwise waits for the build. A failed build is returned to the
  // requests that waited for it and not kept (the next request queues
  // another). The copy's computed_at is the `now` of the request that
  // queued its build.
  Result<Snapshot> Get(int64_t org_id, TimePoint now, Build build);

 private:
  struct Slot {
    std::optional<Snapshot> snapshot;
    bool queued = false;       // a build is queued or running
    uint64_t builds_done = 0;  // finished builds, failed or not
    Status last_failure;       // of the last build, when it failed
    uint64_t last_asked = 0;   // for dropping the least recently asked
  };
  struct Job {
    int64_t org_id;
    TimePoint now;
    Build build;
  };
  bool Fresh(const Slot& slot, TimePoint now) const;
  void Loop();
  void DropLeastRecentlyAsked();  // holds mu_

  const std::chrono::seconds max_age_;
  const size_t max_orgs_;
  std::mutex mu_;
  std::condition_variable built_cv_;  // a build finished
  std::condition_variable work_cv_;   // a job was queued, or stop
  std::map<int64_t, Slot> slots_;
  std::deque<Job> jobs_;
  uint64_t asked_ = 0;
  bool stop_ = false;
  std::thread worker_;  // started by the first Get
};

// The software view's keyset cursor: the last row's name and version,
// hex-encoded (opaque, URL-safe). The rows are ordered by
// SoftwareRowBefore.
std::string EncodeSoftwareCursor(std::string_view name,
                                 std::string_view version);
// INVALID_ARGUMENT naming "cursor" when `text` is not such a cursor.
Result<std::pair<std::string, std::string>> DecodeSoftwareCursor(
    std::string_view text);
// The view's order: name without ASCII case, then version, then name as
// bytes (so rows differing only in case have an order too).
bool SoftwareRowBefore(std::string_view a_name, std::string_view a_version,
                       std::string_view b_name, std::string_view b_version);

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
