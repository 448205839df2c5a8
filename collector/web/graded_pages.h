#pragma once

// GradedPages: the console's pages built from the last grading run's counts
// (dashboard, rules, trend), kept as rendered JSON per organisation and
// page until the organisation is graded again.
//
// The pages once read every stored check result into a grade report
// (≈100 MB and seconds of CPU for 10,000 hosts, under the grading lock);
// they are now folded from the grading run's counts (grade_counts,
// policy/grade_counts.h) and the current answers, milliseconds of work, so
// a copy mostly saves re-rendering per request (docs/performance.md, "Web
// console").
//
// A copy is used while the organisation's newest grade snapshot (every
// evaluation appends one; OrgOverview carries it, read without the grading
// lock) is the one it was built from, and for at most kGradedPagesMaxAge.
// When the organisation was graded again, one request rebuilds the page
// while the others keep getting the previous copy (for at most
// kGradedPagesStaleLimit), so steady ingest with its debounced re-grades
// does not put every page view behind a rebuild. A change made through the
// console drops every copy (ConsoleApi clears them on every request that is
// not a read), so what a person just saved is never hidden.
//
// Thread safety: thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "common/clock.h"

namespace mamori::web {

inline constexpr std::chrono::seconds kGradedPagesMaxAge{30};
inline constexpr std::chrono::seconds kGradedPagesStaleLimit{300};
// An organisation whose pages took at least this long to build last time
// gets its rebuilds in the background: the request that finds its copy out
// of date answers with that copy (≤ kGradedPagesStaleLimit old) instead of
// waiting seconds for a grade report. Below it (small organisations, the
// tests) the request rebuilds and answers with the new copy, as before.
inline constexpr std::chrono::milliseconds kGradedPagesBackgroundAfter{100};

class GradedPages {
 public:
  explicit GradedPages(std::chrono::seconds max_age = kGradedPagesMaxAge)
      : max_age_(max_age) {}

  struct Lookup {
    std::optional<nlohmann::json> doc;  // answer with this when set
    bool stale = false;                 // the previous copy, being rebuilt
  };
  // The copy of `page` for `org_id` built under `grade_key` and younger
  // than max_age; or, while another request rebuilds it, the previous copy
  // (stale). Otherwise no doc: the caller builds the page and must Keep it
  // or Abandon the claim (Claim below does the latter on every other way
  // out).
  Lookup Find(int64_t org_id, const std::string& page,
              const std::string& grade_key, TimePoint now);
  void Keep(int64_t org_id, const std::string& page,
            const std::string& grade_key, TimePoint now, nlohmann::json doc);
  void Abandon(int64_t org_id, const std::string& page);
  // The copy built under `grade_key` and younger than max_age, if any;
  // never claims (a request that waited for the grading lock asks whether
  // another page's rebuild has built this page meanwhile).
  std::optional<nlohmann::json> Fresh(int64_t org_id, const std::string& page,
                                      const std::string& grade_key,
                                      TimePoint now);
  // Forgets every copy (a change was made).
  void Clear();
  // How long the last build of `org_id`'s pages took.
  void NoteBuildTime(int64_t org_id, std::chrono::milliseconds took);
  // For a request holding the claim on `page` (Find gave no doc): the
  // previous copy when the organisation's pages are slow to build
  // (kGradedPagesBackgroundAfter) and the copy is younger than
  // kGradedPagesStaleLimit; the caller answers with it and has the page
  // rebuilt in the background (which must Keep or Abandon). Otherwise none.
  std::optional<nlohmann::json> Previous(int64_t org_id,
                                         const std::string& page,
                                         TimePoint now);

  // Abandons the claim unless Kept.
  class Claim {
   public:
    Claim(GradedPages& pages, int64_t org_id, std::string page)
        : pages_(pages), org_id_(org_id), page_(std::move(page)) {}
    ~Claim();
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    void Keep(const std::string& grade_key, TimePoint now, nlohmann::json doc) {
      pages_.Keep(org_id_, page_, grade_key, now, std::move(doc));
      kept_ = true;
    }
    // The page was kept through GradedPages::Keep.
    void Kept() { kept_ = true; }

   private:
    GradedPages& pages_;
    const int64_t org_id_;
    const std::string page_;
    bool kept_ = false;
  };

 private:
  struct Entry {
    std::string grade_key;
    TimePoint built;
    std::optional<nlohmann::json> doc;
    std::optional<TimePoint> building_since;  // a request is rebuilding
  };
  const std::chrono::seconds max_age_;
  std::mutex mu_;
  std::map<std::pair<int64_t, std::string>, Entry> entries_;
  std::map<int64_t, std::chrono::milliseconds> build_times_;
};

}  // namespace mamori::web
