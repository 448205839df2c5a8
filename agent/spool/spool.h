#pragma once

// Spool: the agent's on-disk queue of reports waiting for the collector's
// acknowledgement.
//
// Each report is committed to a SQLite file (WAL, synchronous=FULL, so a
// commit survives power loss) before it is sent, and removed only when the
// collector acknowledges it. The queue is bounded by total payload bytes and
// by age; when a bound is hit the oldest reports are dropped and counted, and
// that count travels in the next report so the collector knows what is
// missing. The spool also remembers which family digests the collector
// acknowledged last, so unchanged parts can be sent as a hash.
//
// Thread safety: one Spool object must be used from one thread at a time.
// Several processes may open the same file; SQLite's locking serialises them
// (each write waits up to 10 s for the lock).

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::agent {

struct SpoolLimits {
  // Upper bound on the sum of payload sizes kept, in bytes.
  uint64_t max_bytes = 50ull << 20;
  // Reports older than this (by enqueue time) are dropped.
  std::chrono::seconds max_age = std::chrono::hours(24 * 30);
};

// One queued report.
struct SpoolEntry {
  // Insertion order; increases monotonically.
  int64_t seq = 0;
  // UUID chosen once when the report was created; kept across retries.
  std::string report_id;
  // When the report was enqueued (the spool's clock).
  TimePoint enqueued_at;
  // Opaque bytes (the agent stores a serialised EndpointFacts).
  std::string payload;
  // Send attempts so far (for logs and backoff).
  int64_t attempts = 0;
};

struct SpoolStats {
  int64_t reports = 0;
  uint64_t bytes = 0;
  // Reports dropped and not yet reported to the collector.
  uint64_t dropped_unreported = 0;
};

class Spool {
 public:
  // Opens or creates the spool database at `path` (its directory must
  // exist). Returns INTERNAL naming the path when SQLite cannot open it,
  // DATA_LOSS when the file is not a spool database or is damaged. Every
  // later call also answers DATA_LOSS when it meets a damaged page.
  static Result<std::unique_ptr<Spool>> Open(const std::string& path,
                                             SpoolLimits limits,
                                             const Clock& clock);

  // Open, but a damaged file (not a database, or pages that fail SQLite's
  // quick_check) does not stop the agent: it is moved aside to
  // `path`.corrupt-<unix seconds> (with its -wal and -shm files), a new spool
  // is started, and the loss is counted as one dropped report (the number
  // queued in the damaged file is unknown), so the next report tells the
  // collector. `*moved_to` (when not null) is set to where the damaged file
  // went, and left alone when nothing was damaged. Other errors as Open;
  // DATA_LOSS when the damaged file cannot be moved.
  static Result<std::unique_ptr<Spool>> OpenOrRecover(const std::string& path,
                                                      SpoolLimits limits,
                                                      const Clock& clock,
                                                      std::string* moved_to);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Commits a report (durably) and enforces the bounds, dropping the oldest
  // other reports first. Returns the stored entry; INVALID_ARGUMENT when the
  // id is empty or already queued; RESOURCE_EXHAUSTED when the payload alone
  // exceeds max_bytes (nothing is dropped then).
  Result<SpoolEntry> Enqueue(const std::string& report_id,
                             const std::string& payload);

  // Drops reports past max_age, then returns up to `limit` oldest entries in
  // queue order (empty when nothing waits).
  Result<std::vector<SpoolEntry>> Pending(int limit);

  // Removes a report the collector will never accept (it was rejected as
  // malformed, or its payload is unreadable) and counts it as dropped.
  Status Discard(const std::string& report_id);

  // Counts a send attempt for the report (no-op when it is gone).
  Status MarkAttempt(const std::string& report_id);

  // Records the collector's acknowledgement in one transaction: removes the
  // report, subtracts the dropped count that report carried and replaces the
  // acknowledged part digests with `acked_parts` (family → hex sha256).
  // Acknowledging an id no longer queued still updates the counters.
  Status Ack(const std::string& report_id, uint64_t dropped_reported,
             const std::map<std::string, std::string>& acked_parts);

  // Family digests the collector acknowledged with the last report.
  Result<std::map<std::string, std::string>> AckedParts();

  // Forgets the acknowledged digests (after the collector asked for a part
  // it should have held, or after re-enrollment).
  Status ClearAckedParts();

  Result<SpoolStats> Stats();

 private:
  Spool(sqlite3* db, SpoolLimits limits, const Clock& clock)
      : db_(db), limits_(limits), clock_(clock) {}
  Status Init();
  Status Exec(const char* sql);
  // Adds `reports` to the dropped-and-unreported counter (in the caller's
  // transaction, if any).
  Status CountDropped(int64_t reports);
  // Deletes entries by age and size so that `incoming` more bytes fit.
  // Runs inside the caller's transaction.
  Status EnforceBounds(uint64_t incoming);
  Result<int64_t> QueryInt(const char* sql);

  sqlite3* db_;
  SpoolLimits limits_;
  const Clock& clock_;
};

}  // namespace mamori::agent
