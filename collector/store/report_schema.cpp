#include "collector/store/report_schema.h"

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
};

}  // namespace

std::span<const MigrationStep> ReportMigrations() { return kReportSteps; }

}  // namespace mamori::store
