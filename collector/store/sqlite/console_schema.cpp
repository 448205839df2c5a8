#include "collector/store/sqlite/console_schema.h"

namespace mamori::store {
namespace {

// Portability as in core_schema.cpp: plain SQL plus INTEGER PRIMARY KEY.
constexpr MigrationStep kConsoleSteps[] = {
    {1, R"sql(
-- Console accounts. role: operator, org_admin, viewer, auditor. Operators see
-- every organisation; other roles see the organisations in
-- console_account_orgs.
CREATE TABLE console_accounts (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT NOT NULL UNIQUE,
  role                 TEXT NOT NULL,
  password_hash        TEXT NOT NULL,   -- libsodium Argon2id string
  must_change_password INTEGER NOT NULL DEFAULT 1,
  disabled             INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  password_changed_at  INTEGER
);
CREATE TABLE console_account_orgs (
  account_id INTEGER NOT NULL REFERENCES console_accounts(id),
  org_id     INTEGER NOT NULL REFERENCES organizations(id),
  PRIMARY KEY (account_id, org_id)
);

-- API tokens for scripts: only the SHA-256 of the secret is kept. A token
-- carries its own role and organisations (never more than its account's).
CREATE TABLE console_api_tokens (
  id         INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES console_accounts(id),
  name       TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix     TEXT NOT NULL,
  role       TEXT NOT NULL,
  org_ids    TEXT NOT NULL,            -- comma-separated organisation ids
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,         -- always set: no token lives forever
  revoked_at INTEGER
);
CREATE INDEX console_api_tokens_account ON console_api_tokens(account_id);

-- Every change made through the console, the API or `user`: who, when, from
-- where, what, before → after.
CREATE TABLE console_audit (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  source      TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  org_id      INTEGER,                 -- NULL = not tied to one organisation
  before_json TEXT NOT NULL,
  after_json  TEXT NOT NULL
);
CREATE INDEX console_audit_org ON console_audit(org_id, id);

-- The admin that `init` made before the console existed becomes an operator
-- who must change the one-time password at first login.
INSERT INTO console_accounts (name, role, password_hash, must_change_password,
                              created_at)
  SELECT name, 'operator', password_hash, 1, created_at FROM admin_accounts;
)sql"},
    {2, R"sql(
-- Console sessions, so a restart or a second collector on this database keeps
-- them valid. Only the SHA-256 of the cookie value is stored; the CSRF token
-- is useless without the cookie. Idle and absolute expiry are enforced by
-- the console when a session is used, and expired rows pruned.
CREATE TABLE console_sessions (
  id_hash    TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES console_accounts(id),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used  INTEGER NOT NULL,
  source     TEXT NOT NULL
);
CREATE INDEX console_sessions_account ON console_sessions(account_id);
CREATE INDEX console_sessions_last_used ON console_sessions(last_used);
)sql"},
    // Step 3: the endpoint list's search and its failing counts
    // (docs/performance.md, "Fourth pass"). Before, a search (q=, os=) tested
    // every host of the organisation with instr(lower(…)) and each page
    // counted every host's failing checks in check_results (sort by failing:
    // all 10,000 hosts).
    //
    // hosts_search: an FTS5 trigram index of the three texts the search
    // reads (external content: the view below, so it stores no copy of
    // them), kept in step with hosts by triggers; the console store asks it
    // for a superset of the matching hosts and applies the exact test to
    // those only (store/endpoint_search.h). The update trigger fires only
    // when one of the texts changes (a steady report sets none of them).
    //
    // host_check_counts: each host's failing and unknown-or-error results,
    // kept by triggers on check_results inside the grading run's own
    // transaction, so they are always those of the stored results. The
    // update trigger fires only when a status changes, as the grading
    // indexes of step 9 are written (the touch of an unchanged result does
    // not). Every host has a row (inserted with the host), so the list can
    // walk host_check_counts_org in order for the sort by failing checks.
    {3, R"sql(
CREATE VIEW hosts_search_source AS
  SELECT id, hostname, os_name || ' ' || os_version AS os, serial FROM hosts;
CREATE VIRTUAL TABLE hosts_search USING fts5(
  hostname, os, serial,
  content = 'hosts_search_source', content_rowid = 'id',
  tokenize = 'trigram');
CREATE TRIGGER hosts_search_insert AFTER INSERT ON hosts BEGIN
  INSERT INTO hosts_search (rowid, hostname, os, serial)
  VALUES (new.id, new.hostname, new.os_name || ' ' || new.os_version,
          new.serial);
END;
CREATE TRIGGER hosts_search_update
AFTER UPDATE OF hostname, os_name, os_version, serial ON hosts
WHEN old.hostname IS NOT new.hostname OR old.os_name IS NOT new.os_name
  OR old.os_version IS NOT new.os_version OR old.serial IS NOT new.serial
BEGIN
  INSERT INTO hosts_search (hosts_search, rowid, hostname, os, serial)
  VALUES ('delete', old.id, old.hostname,
          old.os_name || ' ' || old.os_version, old.serial);
  INSERT INTO hosts_search (rowid, hostname, os, serial)
  VALUES (new.id, new.hostname, new.os_name || ' ' || new.os_version,
          new.serial);
END;
CREATE TRIGGER hosts_search_delete AFTER DELETE ON hosts BEGIN
  INSERT INTO hosts_search (hosts_search, rowid, hostname, os, serial)
  VALUES ('delete', old.id, old.hostname,
          old.os_name || ' ' || old.os_version, old.serial);
END;
INSERT INTO hosts_search (hosts_search) VALUES ('rebuild');

CREATE TABLE host_check_counts (
  host_id INTEGER PRIMARY KEY,
  org_id  INTEGER NOT NULL,
  failing INTEGER NOT NULL DEFAULT 0,
  unknown INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX host_check_counts_org ON host_check_counts(org_id, failing, host_id);
INSERT INTO host_check_counts (host_id, org_id, failing, unknown)
  SELECT h.id, h.org_id,
         (SELECT COUNT(*) FROM check_results c
           WHERE c.host_id = h.id AND c.status = 'fail'),
         (SELECT COUNT(*) FROM check_results c
           WHERE c.host_id = h.id AND c.status IN ('unknown', 'error'))
  FROM hosts h;
CREATE TRIGGER host_check_counts_host AFTER INSERT ON hosts BEGIN
  INSERT INTO host_check_counts (host_id, org_id) VALUES (new.id, new.org_id);
END;
CREATE TRIGGER host_check_counts_host_gone AFTER DELETE ON hosts BEGIN
  DELETE FROM host_check_counts WHERE host_id = old.id;
END;
CREATE TRIGGER host_check_counts_insert AFTER INSERT ON check_results BEGIN
  UPDATE host_check_counts
     SET failing = failing + (new.status = 'fail'),
         unknown = unknown + (new.status IN ('unknown', 'error'))
   WHERE host_id = new.host_id;
END;
CREATE TRIGGER host_check_counts_update AFTER UPDATE OF status ON check_results
WHEN old.status IS NOT new.status BEGIN
  UPDATE host_check_counts
     SET failing = failing + (new.status = 'fail') - (old.status = 'fail'),
         unknown = unknown + (new.status IN ('unknown', 'error'))
                           - (old.status IN ('unknown', 'error'))
   WHERE host_id = new.host_id;
END;
CREATE TRIGGER host_check_counts_delete AFTER DELETE ON check_results BEGIN
  UPDATE host_check_counts
     SET failing = failing - (old.status = 'fail'),
         unknown = unknown - (old.status IN ('unknown', 'error'))
   WHERE host_id = old.host_id;
END;
)sql"},
};

}  // namespace

std::span<const MigrationStep> ConsoleMigrations() { return kConsoleSteps; }

}  // namespace mamori::store
