#include "collector/store/sqlite/alert_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kAlertSteps[] = {
    {1, R"sql(
CREATE TABLE alert_channels (
  id          INTEGER PRIMARY KEY,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  kind        TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
  target      TEXT NOT NULL,
  language    TEXT NOT NULL CHECK (language IN ('ja', 'en')),
  schedule    TEXT NOT NULL CHECK (schedule IN ('immediate', 'daily', 'weekly')),
  -- The webhook's HMAC key; '' for e-mail. Read only to sign.
  hmac_key    TEXT NOT NULL DEFAULT '',
  enabled     INTEGER NOT NULL DEFAULT 1,
  removed     INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  -- Digest channels: the end of the last period digested.
  digest_until INTEGER NOT NULL
);
CREATE UNIQUE INDEX alert_channels_target
  ON alert_channels(org_id, kind, target) WHERE removed = 0;

CREATE TABLE alert_settings (
  org_id       INTEGER PRIMARY KEY REFERENCES organizations(id),
  silent_days  INTEGER NOT NULL,
  max_per_hour INTEGER NOT NULL
);

CREATE TABLE alert_audit (
  id      INTEGER PRIMARY KEY,
  org_id  INTEGER NOT NULL REFERENCES organizations(id),
  at      INTEGER NOT NULL,
  who     TEXT NOT NULL,
  action  TEXT NOT NULL,
  detail  TEXT NOT NULL
);
CREATE INDEX alert_audit_org ON alert_audit(org_id, id);

CREATE TABLE alert_events (
  id         INTEGER PRIMARY KEY,
  org_id     INTEGER NOT NULL REFERENCES organizations(id),
  kind       TEXT NOT NULL,
  host_id    INTEGER NOT NULL,    -- 0: the organisation
  subject    TEXT NOT NULL,
  hostname   TEXT NOT NULL,
  subject_ja TEXT NOT NULL,
  subject_en TEXT NOT NULL,
  detail     TEXT NOT NULL,
  raised_at  INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE INDEX alert_events_org ON alert_events(org_id, raised_at);

-- What holds now; one row per (kind, host, subject) until it clears, so an
-- alert is raised once.
CREATE TABLE alert_open (
  org_id   INTEGER NOT NULL REFERENCES organizations(id),
  kind     TEXT NOT NULL,
  host_id  INTEGER NOT NULL,
  subject  TEXT NOT NULL,
  event_id INTEGER NOT NULL REFERENCES alert_events(id),
  PRIMARY KEY (org_id, kind, host_id, subject)
) WITHOUT ROWID;

CREATE TABLE alert_grades_seen (
  org_id     INTEGER PRIMARY KEY REFERENCES organizations(id),
  rules_json TEXT NOT NULL
);

CREATE TABLE alert_deliveries (
  id              INTEGER PRIMARY KEY,
  org_id          INTEGER NOT NULL REFERENCES organizations(id),
  channel_id      INTEGER NOT NULL REFERENCES alert_channels(id),
  purpose         TEXT NOT NULL CHECK (purpose IN ('alert', 'batch', 'digest', 'test')),
  state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER,           -- NULL: nothing more to do
  sent_at         INTEGER,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at)
  WHERE next_attempt_at IS NOT NULL;
CREATE INDEX alert_deliveries_channel ON alert_deliveries(channel_id, created_at);
CREATE TABLE alert_delivery_events (
  delivery_id INTEGER NOT NULL REFERENCES alert_deliveries(id),
  event_id    INTEGER NOT NULL REFERENCES alert_events(id),
  PRIMARY KEY (delivery_id, event_id)
) WITHOUT ROWID;
)sql"},
    // Several collectors on one database (issue #17): DueDeliveries claims
    // a delivery until lease_until (alert_port.h); NULL: unclaimed.
    {2, R"sql(
ALTER TABLE alert_deliveries ADD COLUMN lease_until INTEGER;
)sql"},
};

}  // namespace

std::span<const MigrationStep> AlertMigrations() { return kAlertSteps; }

}  // namespace mamori::store
