#include "collector/store/sqlite/register_schema.h"

namespace mamori::store {
namespace {

// Portability: generated columns and partial indexes exist in SQLite ≥ 3.31
// and PostgreSQL ≥ 12 with the same syntax.
constexpr MigrationStep kRegisterSteps[] = {
    {1, R"sql(
-- Information assets (情報資産), columns in the IPA risk-analysis sheet's
-- order. importance follows domain.md §4 and is computed by the database:
-- 3 when any of C/I/A is 3 or any personal-information flag is set, else 2
-- when any is 2, else 1 (register/model.cpp has the same rule; a test holds
-- them together).
CREATE TABLE register_assets (
  id                 INTEGER PRIMARY KEY,
  org_id             INTEGER NOT NULL REFERENCES organizations(id),
  business_area      TEXT NOT NULL DEFAULT '',
  name               TEXT NOT NULL,
  note               TEXT NOT NULL DEFAULT '',
  users              TEXT NOT NULL DEFAULT '',
  owning_department  TEXT NOT NULL DEFAULT '',
  medium             TEXT NOT NULL CHECK (medium IN ('paper',
                       'removable_media', 'office_pc', 'mobile_device',
                       'internal_server', 'external_server')),
  personal           INTEGER NOT NULL CHECK (personal IN (0, 1)),
  sensitive_personal INTEGER NOT NULL CHECK (sensitive_personal IN (0, 1)),
  my_number          INTEGER NOT NULL CHECK (my_number IN (0, 1)),
  confidentiality    INTEGER NOT NULL CHECK (confidentiality BETWEEN 1 AND 3),
  integrity          INTEGER NOT NULL CHECK (integrity BETWEEN 1 AND 3),
  availability       INTEGER NOT NULL CHECK (availability BETWEEN 1 AND 3),
  importance         INTEGER GENERATED ALWAYS AS (
                       CASE
                         WHEN confidentiality = 3 OR integrity = 3
                           OR availability = 3 OR personal = 1
                           OR sensitive_personal = 1 OR my_number = 1 THEN 3
                         WHEN confidentiality = 2 OR integrity = 2
                           OR availability = 2 THEN 2
                         ELSE 1
                       END) STORED,
  retention          TEXT NOT NULL DEFAULT '',
  registered_on      TEXT NOT NULL,          -- YYYY-MM-DD
  created_at         INTEGER NOT NULL,       -- Unix seconds
  updated_at         INTEGER NOT NULL,
  UNIQUE (org_id, name)
);

-- The editable side of a device asset; everything else comes from hosts and
-- host_facts. A row exists once someone edited the device (or retired it).
-- Retired devices stay listed, marked; nothing here is ever deleted.
CREATE TABLE register_devices (
  host_id     INTEGER PRIMARY KEY REFERENCES hosts(id),
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  owner       TEXT NOT NULL DEFAULT '',   -- owner / user (利用者)
  location    TEXT NOT NULL DEFAULT '',   -- location / department
  retired_at  INTEGER,                    -- NULL = in service
  updated_at  INTEGER NOT NULL
);
CREATE INDEX register_devices_org ON register_devices(org_id);

-- Where an information asset is held: a device (host_id) or a named
-- external service (service), exactly one of the two.
CREATE TABLE register_links (
  id          INTEGER PRIMARY KEY,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  asset_id    INTEGER NOT NULL REFERENCES register_assets(id),
  host_id     INTEGER REFERENCES hosts(id),
  service     TEXT,
  created_at  INTEGER NOT NULL,
  CHECK ((host_id IS NULL) <> (service IS NULL))
);
CREATE UNIQUE INDEX register_links_device
  ON register_links(asset_id, host_id) WHERE host_id IS NOT NULL;
CREATE UNIQUE INDEX register_links_service
  ON register_links(asset_id, service) WHERE service IS NOT NULL;
CREATE INDEX register_links_org ON register_links(org_id);

-- Every change to the register: who (the CLI's --actor, default the OS
-- user), when, what (entity kind and name), and the row before and after
-- as JSON (NULL before = created, NULL after = removed).
CREATE TABLE register_history (
  id           INTEGER PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id),
  changed_at   INTEGER NOT NULL,
  actor        TEXT NOT NULL,
  entity       TEXT NOT NULL CHECK (entity IN ('asset', 'device', 'link')),
  entity_name  TEXT NOT NULL,
  action       TEXT NOT NULL,             -- create, update, remove, retire
  before_json  TEXT,
  after_json   TEXT
);
CREATE INDEX register_history_org ON register_history(org_id, changed_at);
)sql"},
    {2, R"sql(
-- Retiring an information asset (廃棄・除却) keeps its row, marked: the day
-- it was disposed of, why (free text) and who recorded it. NULL retired_on
-- = in service. Restoring clears the three; register_history keeps both.
ALTER TABLE register_assets ADD COLUMN retired_on TEXT;
ALTER TABLE register_assets ADD COLUMN retired_reason TEXT;
ALTER TABLE register_assets ADD COLUMN retired_by TEXT;
)sql"},
};

}  // namespace

std::span<const MigrationStep> RegisterMigrations() { return kRegisterSteps; }

}  // namespace mamori::store
