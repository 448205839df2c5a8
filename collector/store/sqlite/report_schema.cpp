#include "collector/store/sqlite/report_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kReportSteps[] = {
    {1, R"sql(
-- One row per plan item ever proposed for an organisation, keyed by
-- kind:rule[:check] (report_model.h ImprovementKey).
CREATE TABLE improvement_items (
  id                 INTEGER PRIMARY KEY,
  org_id             INTEGER NOT NULL REFERENCES organizations(id),
  item_key           TEXT NOT NULL,
  rule               TEXT NOT NULL,
  kind               TEXT NOT NULL,
  status             TEXT NOT NULL
                     CHECK (status IN ('open', 'in_progress', 'done')),
  owner              TEXT NOT NULL DEFAULT '',
  due_date           TEXT NOT NULL DEFAULT '',
  in_plan            INTEGER NOT NULL DEFAULT 1,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  UNIQUE (org_id, item_key)
);

-- Every change to an item: field, old and new value, who and when.
CREATE TABLE improvement_item_events (
  id          INTEGER PRIMARY KEY,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  item_id     INTEGER NOT NULL REFERENCES improvement_items(id),
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  field       TEXT NOT NULL,
  old_value   TEXT NOT NULL,
  new_value   TEXT NOT NULL
);
CREATE INDEX improvement_item_events_item
  ON improvement_item_events(item_id, at);
)sql"},
    {2, R"sql(
-- Scheduled reports: one schedule per organisation; every run is kept with
-- the file written and the mail outcome (error text when sending failed).
CREATE TABLE report_schedules (
  org_id            INTEGER PRIMARY KEY REFERENCES organizations(id),
  interval_seconds  INTEGER NOT NULL CHECK (interval_seconds > 0),
  recipients        TEXT NOT NULL DEFAULT '',  -- comma-separated
  lang              TEXT NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en')),
  next_due          INTEGER NOT NULL,
  updated_by        TEXT NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE TABLE report_runs (
  id            INTEGER PRIMARY KEY,
  org_id        INTEGER NOT NULL REFERENCES organizations(id),
  generated_at  INTEGER NOT NULL,
  path          TEXT NOT NULL,
  sha256        TEXT NOT NULL,
  mail_status   TEXT NOT NULL CHECK (mail_status IN ('none', 'sent', 'failed')),
  mail_error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_runs_org ON report_runs(org_id, generated_at);
)sql"},
    {3, R"sql(
-- Who is producing a due report, and until when (ClaimDueReportSchedules):
-- `report run-due` and `serve` on one file, or several collectors on one
-- PostgreSQL database, produce each due report once.
ALTER TABLE report_schedules ADD COLUMN lease_owner TEXT;
ALTER TABLE report_schedules ADD COLUMN lease_until INTEGER;  -- Unix seconds
)sql"},
};

}  // namespace

std::span<const MigrationStep> ReportMigrations() { return kReportSteps; }

}  // namespace mamori::store
