#pragma once

// GradedPages: the console's pages built from the last grading run's counts
// (dashboard, rules, trend), kept as rendered JSON bytes per organisation and
// page, served stale while they are rebuilt.
//
// The pages are folded from the grading run's counts (grade_counts,
// policy/grade_counts.h) and the current answers: milliseconds of work, but
// under the console's grading lock, and under steady ingest the organisation
// is graded again every few seconds. So a copy is kept as the bytes answered
// (no re-serialisation per request, with an ETag) and:
//
// - it is *current* while the organisation's newest grade snapshot (every
//   evaluation appends one; OrgOverview carries it, read without the grading
//   lock) is the one it was built from, and for at most max_age;
// - otherwise, whenever a copy younger than kGradedPagesStaleLimit exists,
//   the request is answered with it, marked *previous*, and the first such
//   request claims a rebuild of the organisation's pages on a background
//   thread (stale-while-revalidate): no request waits for a rebuild;
// - only the very first view (no copy yet, or one past the stale limit, or
//   after Clear) builds synchronously.
//
// A change made through the console calls Clear(): every copy goes, and a
// build that read the store before the change is refused when it tries to
// keep its result (the generation it started under is gone), so what a
// person just saved is never hidden behind a copy made before it.
//
// Thread safety: thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"

namespace mamori::web {

inline constexpr std::chrono::seconds kGradedPagesMaxAge{30};
// The oldest copy a request is answered with while a rebuild is under way;
// past it (the rebuilds keep failing, or nobody looked for minutes) the
// request builds the page itself.
inline constexpr std::chrono::seconds kGradedPagesStaleLimit{300};
// A claimed rebuild that has not kept anything for this long is taken to
// have failed without saying so: the next request claims it again.
inline constexpr std::chrono::seconds kGradedPagesRebuildTimeout{60};

// One rendered page as answered.
struct GradedCopy {
  std::shared_ptr<const std::string> body;  // the JSON document's bytes
  std::string etag;                         // quoted, for ETag/If-None-Match
  std::string grade_key;                    // the grading run it shows
  TimePoint built;
};

class GradedPages {
 public:
  explicit GradedPages(std::chrono::seconds max_age = kGradedPagesMaxAge)
      : max_age_(max_age) {}

  struct Lookup {
    std::optional<GradedCopy> copy;  // answer with this when set
    // The copy is not current (an older grading run, or older than
    // max_age): answer with it marked as the previous copy.
    bool previous = false;
    // This caller claimed the organisation's rebuild and must start it in
    // the background (ConsoleApi::RebuildInBackground), which ends with
    // Keep (through Build) or Abandon.
    bool rebuild = false;
  };
  // `page` of `org_id` as described above. No copy: the caller builds the
  // pages synchronously (under the grading lock, asking Current first).
  Lookup Find(int64_t org_id, const std::string& page,
              const std::string& grade_key, TimePoint now);
  // The copy of `page` built under `grade_key` and younger than max_age,
  // if any; never claims (a caller that waited for the grading lock asks
  // whether another build made the page meanwhile).
  std::optional<GradedCopy> Current(int64_t org_id, const std::string& page,
                                    const std::string& grade_key,
                                    TimePoint now);

  // What a build reads first, before the store: Keep refuses a page built
  // under a generation that Clear has ended.
  uint64_t Generation();
  // Keeps `body` as `page` of `org_id` built under `grade_key` at `now`
  // and ends the organisation's rebuild claim. Returns the copy kept, or
  // nullopt when Clear ran since `generation` (nothing kept: the caller
  // may still answer with what it built, which is as new as the store).
  std::optional<GradedCopy> Keep(int64_t org_id, const std::string& page,
                                 const std::string& grade_key, TimePoint now,
                                 std::string body, uint64_t generation);
  // Ends the organisation's rebuild claim without keeping anything (the
  // rebuild failed or was not started).
  void Abandon(int64_t org_id);
  // Forgets every copy and ends the current generation (a change was made).
  void Clear();

 private:
  struct OrgPages {
    std::map<std::string, GradedCopy> pages;
    std::optional<TimePoint> rebuilding_since;  // a rebuild was claimed
  };
  const std::chrono::seconds max_age_;
  std::mutex mu_;
  uint64_t generation_ = 1;
  std::map<int64_t, OrgPages> orgs_;
};

// The quoted ETag of a rendered document: a digest of its bytes.
std::string BodyEtag(const std::string& body);

// True when an If-None-Match header value names `etag` (or is "*").
bool EtagMatches(const std::string& if_none_match, const std::string& etag);

}  // namespace mamori::web
