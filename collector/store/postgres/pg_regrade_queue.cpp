// The re-grade queue on PostgreSQL. Each call is one autocommit statement:
// the row locks a claim takes last only for that statement, so MarkDirty
// from the report writers never waits on a collector that is grading.
#include "collector/store/postgres/pg_regrade_queue.h"

#include <algorithm>

namespace mamori::store {
namespace {

int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<PgRegradeQueue>> PgRegradeQueue::Open(
    const std::string& url) {
  Result<pg::Connection> conn = pg::Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgRegradeQueue>(
      new PgRegradeQueue(std::move(conn).value()));
}

Status PgRegradeQueue::MarkDirty(int64_t org_id, TimePoint now) {
  pg::Params params;
  params.Add(org_id).Add(UnixMillis(now));
  return conn_
      .Query(
          "INSERT INTO regrade_queue (org_id, first_change, last_change, "
          "generation) VALUES ($1, $2, $2, 1) ON CONFLICT (org_id) DO UPDATE "
          "SET last_change = greatest(regrade_queue.last_change, "
          "excluded.last_change), generation = regrade_queue.generation + 1",
          params)
      .status();
}

Result<std::vector<RegradeClaim>> PgRegradeQueue::ClaimDue(
    std::string_view owner, TimePoint now, const RegradeTiming& timing,
    int limit) {
  // SKIP LOCKED: an entry another collector is claiming at this instant is
  // passed over, not waited for; the lease keeps it from being claimed again
  // once that statement commits.
  pg::Params params;
  params.Add(owner)
      .Add(UnixMillis(now))
      .Add(static_cast<int64_t>(timing.debounce.count()))
      .Add(static_cast<int64_t>(timing.max_delay.count()))
      .Add(static_cast<int64_t>(timing.lease.count()))
      .Add(static_cast<int64_t>(std::max(limit, 0)));
  Result<pg::Rows> rows = conn_.Query(
      "UPDATE regrade_queue q SET lease_owner = $1::text, lease_until = "
      "$2::bigint + $5::bigint, claimed_at = $2::bigint WHERE q.org_id IN "
      "(SELECT org_id FROM regrade_queue WHERE (last_change <= $2::bigint - "
      "$3::bigint OR first_change <= $2::bigint - $4::bigint) AND "
      "(lease_until IS NULL OR lease_until <= $2::bigint) ORDER BY "
      "first_change LIMIT $6::bigint FOR UPDATE SKIP LOCKED) RETURNING "
      "q.org_id, q.generation, q.first_change",
      params);
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<int64_t, RegradeClaim>> ordered;
  for (int i = 0; i < rows->size(); ++i) {
    ordered.push_back({rows->Int(i, 2), {rows->Int(i, 0), rows->Int(i, 1)}});
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RegradeClaim> claims;
  for (const auto& [first_change, claim] : ordered) claims.push_back(claim);
  return claims;
}

Result<bool> PgRegradeQueue::Complete(const RegradeClaim& claim,
                                      std::string_view owner) {
  pg::Params params;
  params.Add(claim.org_id).Add(claim.generation).Add(owner);
  Result<pg::Rows> removed = conn_.Query(
      "DELETE FROM regrade_queue WHERE org_id = $1 AND generation = $2 AND "
      "lease_owner = $3",
      params);
  if (!removed.ok()) return removed.status();
  if (removed->Affected() > 0) return true;
  // Changes came in while grading: they are pending from the claim on.
  pg::Params release;
  release.Add(claim.org_id).Add(owner);
  Result<pg::Rows> released = conn_.Query(
      "UPDATE regrade_queue SET lease_owner = NULL, lease_until = NULL, "
      "first_change = greatest(first_change, claimed_at) WHERE org_id = $1 "
      "AND lease_owner = $2",
      release);
  if (!released.ok()) return released.status();
  return false;
}

Result<bool> PgRegradeQueue::Renew(const RegradeClaim& claim,
                                   std::string_view owner, TimePoint now,
                                   std::chrono::milliseconds lease) {
  // By owner only, not by lease_until: a lease that ran out while nobody
  // claimed the entry is still this collector's, and nobody graded meanwhile.
  pg::Params params;
  params.Add(claim.org_id)
      .Add(owner)
      .Add(UnixMillis(now))
      .Add(static_cast<int64_t>(lease.count()));
  Result<pg::Rows> renewed = conn_.Query(
      "UPDATE regrade_queue SET lease_until = $3::bigint + $4::bigint WHERE "
      "org_id = $1 AND lease_owner = $2",
      params);
  if (!renewed.ok()) return renewed.status();
  return renewed->Affected() > 0;
}

Status PgRegradeQueue::Release(const RegradeClaim& claim,
                               std::string_view owner) {
  // first_change stays: the changes are as old as they were, so the entry
  // is due for the next collector that polls.
  pg::Params params;
  params.Add(claim.org_id).Add(owner);
  return conn_
      .Query(
          "UPDATE regrade_queue SET lease_owner = NULL, lease_until = NULL, "
          "claimed_at = NULL WHERE org_id = $1 AND lease_owner = $2",
          params)
      .status();
}

}  // namespace mamori::store
