#pragma once

// The "evidence" module's schema steps (issue #13 point 10), applied after
// "grading", whose per-family tables it hangs its triggers on:
//
// - host_evidence_flags: what the collector noticed about a host's reports
//   that makes their evidence doubtful, one row per host and kind, with when
//   it was first and last seen and how often: `copied_state` (a report with
//   the host's node key came from another machine, see report_identity.h;
//   refused) and `clock_ahead` (collected_at beyond the clock-skew allowance;
//   stored as the time received). `hosts` lists them.
// - evidence_update_runs: the last complete update run of each host's
//   `updates` payload (last_complete_update_at/_evidence), kept by triggers
//   on gfact_updates, so check queries never parse the payload.
// - evidence_pending_first_listed: when the collector first stored a
//   payload listing each pending security update (name and candidate
//   version) of a host, in the collector's own clock. A lower bound of how
//   long the update has waited: it can prove "pending too long", never
//   "recent". Rows of updates no longer pending are pruned when the payload
//   changes.
// - v_update_evidence: the view check queries read (docs/policies.md).
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> EvidenceMigrations();

}  // namespace mamori::store
