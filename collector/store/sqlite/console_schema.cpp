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
};

}  // namespace

std::span<const MigrationStep> ConsoleMigrations() { return kConsoleSteps; }

}  // namespace mamori::store
