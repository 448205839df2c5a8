#pragma once

// RegradeQueue: which organisations need re-grading, shared by every
// collector on one database (issue #17), so that a burst of reports spread
// over N collectors costs one re-grade, not one per collector.
//
// A collector marks an organisation dirty after storing its reports
// (MarkDirty: the entry's newest change and generation move on). Each
// collector polls ClaimDue: an organisation is due once no change came for
// the debounce interval, or once its oldest pending change is max_delay
// old (a steady trickle is still graded); a due organisation is leased to
// one collector only (SELECT … FOR UPDATE SKIP LOCKED, so pollers never
// wait on each other). After grading, Complete removes the entry when no
// change came since the claim; otherwise it only ends the lease, so the
// newer changes are graded in their turn. While it grades, the holder renews
// its lease (Renew), so a pass longer than the lease is never claimed twice;
// a collector that dies holding a lease stops renewing it and loses it when
// it expires, and another one grades. A collector that stops before grading
// what it claimed hands it back (Release): the entry stays pending and
// another collector claims it at its next poll.
//
// Backends: PostgreSQL (store/postgres/pg_regrade_queue.h, opened with
// OpenRegradeQueue). SQLite has one collector per file; `serve` keeps using
// its in-process EvaluationScheduler there.
//
// Thread safety: one queue per thread (each holds its own connection).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct RegradeClaim {
  int64_t org_id = 0;
  // The entry's generation when claimed; Complete compares it.
  int64_t generation = 0;
};

struct RegradeTiming {
  std::chrono::milliseconds debounce{2000};
  std::chrono::milliseconds max_delay{60'000};
  // How long a claim stays with its collector before another may take it.
  std::chrono::milliseconds lease{300'000};
};

class RegradeQueue {
 public:
  virtual ~RegradeQueue() = default;

  // Records a change of `org_id`'s facts at `now`. Returns OK; the backend's
  // error (UNAVAILABLE when the database is gone) otherwise.
  virtual Status MarkDirty(int64_t org_id, TimePoint now) = 0;

  // Leases at most `limit` due organisations to `owner` (a name unique to
  // the calling collector) and returns them, oldest change first; empty when
  // none is due or every due one is leased to another live collector.
  virtual Result<std::vector<RegradeClaim>> ClaimDue(
      std::string_view owner, TimePoint now, const RegradeTiming& timing,
      int limit) = 0;

  // Ends `owner`'s claim after grading. Returns true when the entry was
  // removed (nothing changed since the claim), false when changes came in
  // meanwhile (the entry stays, unleased, for the next pass) or the lease
  // had passed to another collector.
  virtual Result<bool> Complete(const RegradeClaim& claim,
                                std::string_view owner) = 0;

  // Extends `owner`'s lease of `claim.org_id` to `now` + `lease`. Returns
  // true when it did; false when the entry is no longer leased to `owner`
  // (completed, released, or claimed by another collector after the lease
  // had passed); the backend's error otherwise.
  virtual Result<bool> Renew(const RegradeClaim& claim, std::string_view owner,
                             TimePoint now,
                             std::chrono::milliseconds lease) = 0;

  // Ends `owner`'s claim without grading: the entry stays with its pending
  // changes (its oldest change unchanged), unleased, so any collector may
  // claim it at once. Returns OK, also when the entry is not leased to
  // `owner` (nothing to hand back); the backend's error otherwise.
  virtual Status Release(const RegradeClaim& claim, std::string_view owner) = 0;
};

}  // namespace mamori::store
