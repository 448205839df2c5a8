#include "collector/store/sqlite/evidence_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kEvidenceSteps[] = {
    {1, R"sql(
CREATE TABLE host_evidence_flags (
  host_id  INTEGER NOT NULL,   -- hosts(id)
  org_id   INTEGER NOT NULL,   -- organizations(id)
  kind     TEXT NOT NULL,      -- 'copied_state' or 'clock_ahead'
  detail   TEXT NOT NULL,      -- the latest occurrence, for people
  first_at INTEGER NOT NULL,   -- collector time, Unix seconds
  last_at  INTEGER NOT NULL,
  count    INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (host_id, kind)
) WITHOUT ROWID;
CREATE INDEX host_evidence_flags_org ON host_evidence_flags(org_id);

CREATE VIEW evidence_update_runs_src AS
SELECT f.host_id, f.org_id,
       unixepoch(json_extract(f.payload_json, '$.last_complete_update_at'))
         AS last_complete_update_at,
       COALESCE(CAST(json_extract(f.payload_json,
                                  '$.last_complete_update_evidence') AS TEXT), '')
         AS last_complete_update_evidence
FROM host_facts f
WHERE f.family = 'updates' AND json_valid(f.payload_json);

CREATE TABLE evidence_update_runs (
  host_id INTEGER PRIMARY KEY, org_id, last_complete_update_at,
  last_complete_update_evidence
);

CREATE TABLE evidence_pending_first_listed (
  host_id           INTEGER NOT NULL,
  name              TEXT NOT NULL,
  candidate_version TEXT NOT NULL,
  first_listed_at   INTEGER NOT NULL,
  PRIMARY KEY (host_id, name, candidate_version)
) WITHOUT ROWID;

INSERT INTO evidence_update_runs SELECT * FROM evidence_update_runs_src;
INSERT OR IGNORE INTO evidence_pending_first_listed
SELECT p.host_id, p.name, p.candidate_version, f.updated_at
  FROM gfact_pending_updates p
  JOIN host_facts f ON f.host_id = p.host_id AND f.family = 'updates'
 WHERE p.security = 1;

-- gfact_updates gets a host's row again whenever its updates payload, state
-- or keys change (grading step 2), after host_facts holds the new payload.
CREATE TRIGGER evidence_update_runs_insert AFTER INSERT ON gfact_updates
BEGIN
  DELETE FROM evidence_update_runs WHERE host_id = NEW.host_id;
  INSERT INTO evidence_update_runs
    SELECT * FROM evidence_update_runs_src WHERE host_id = NEW.host_id;
  -- Updates no longer pending (installed, or superseded by a newer
  -- candidate) forget their first listing; a payload that failed to collect
  -- lists nothing and forgets nothing. The set is built once.
  DELETE FROM evidence_pending_first_listed
   WHERE host_id = NEW.host_id AND NEW.state = 'ok'
     AND (name || char(0) || candidate_version) NOT IN (
       SELECT COALESCE(json_extract(e.value, '$.name'), '') || char(0) ||
              COALESCE(json_extract(e.value, '$.candidate_version'), '')
         FROM host_facts f,
              json_each(CASE WHEN json_valid(f.payload_json)
                             THEN f.payload_json END, '$.pending') e
        WHERE f.host_id = NEW.host_id AND f.family = 'updates');
END;
CREATE TRIGGER evidence_update_runs_delete AFTER DELETE ON gfact_updates
BEGIN
  DELETE FROM evidence_update_runs WHERE host_id = OLD.host_id;
END;
-- The collector's clock (host_facts.updated_at: when this payload was
-- stored), not the agent's: a wrong agent clock cannot age an update. Not
-- INSERT OR IGNORE: inside a trigger the outer statement's conflict policy
-- (the store's upsert on host_facts: ABORT) overrides it.
CREATE TRIGGER evidence_first_listed AFTER INSERT ON gfact_pending_updates
WHEN NEW.security = 1
BEGIN
  INSERT INTO evidence_pending_first_listed
    SELECT NEW.host_id, NEW.name, NEW.candidate_version, f.updated_at
      FROM host_facts f
     WHERE f.host_id = NEW.host_id AND f.family = 'updates'
       AND NOT EXISTS (
         SELECT 1 FROM evidence_pending_first_listed x
          WHERE x.host_id = NEW.host_id AND x.name = NEW.name
            AND x.candidate_version = NEW.candidate_version);
END;
CREATE TRIGGER evidence_host_facts_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'updates'
BEGIN
  DELETE FROM evidence_pending_first_listed WHERE host_id = OLD.host_id;
END;

-- One row per host with an updates payload. Times are Unix seconds.
CREATE VIEW v_update_evidence AS
SELECT g.org_id, g.host_id,
       r.last_complete_update_at,
       COALESCE(r.last_complete_update_evidence, '') AS last_complete_update_evidence,
       (SELECT MIN(fl.first_listed_at)
          FROM gfact_pending_updates p
          JOIN evidence_pending_first_listed fl
            ON fl.host_id = p.host_id AND fl.name = p.name
           AND fl.candidate_version = p.candidate_version
         WHERE p.host_id = g.host_id AND p.security = 1)
         AS oldest_security_first_listed_at,
       (SELECT COUNT(*)
          FROM gfact_pending_updates p
          JOIN evidence_pending_first_listed fl
            ON fl.host_id = p.host_id AND fl.name = p.name
           AND fl.candidate_version = p.candidate_version
         WHERE p.host_id = g.host_id AND p.security = 1
           AND fl.first_listed_at < r.last_complete_update_at)
         AS security_listed_before_run,
       (SELECT MAX(p.published_at)
          FROM gfact_pending_updates p
         WHERE p.host_id = g.host_id AND p.security = 1)
         AS newest_security_published_at
FROM gfact_updates g
LEFT JOIN evidence_update_runs r ON r.host_id = g.host_id;
)sql"},
};

}  // namespace

std::span<const MigrationStep> EvidenceMigrations() { return kEvidenceSteps; }

}  // namespace mamori::store
