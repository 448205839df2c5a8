#include "collector/store/sqlite/software_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kSoftwareSteps[] = {
    {1, R"sql(
-- The dictionary (global, replaced whole by SyncDictionary).
CREATE TABLE software_categories (
  id      TEXT PRIMARY KEY,
  name_ja TEXT NOT NULL,
  name_en TEXT NOT NULL
);
CREATE TABLE software_titles (
  id       TEXT PRIMARY KEY,
  category TEXT NOT NULL REFERENCES software_categories(id),
  name_ja  TEXT NOT NULL,
  name_en  TEXT NOT NULL
);
-- A package is the title when its name is LIKE name_like and, when
-- publisher_like is not NULL, its publisher is LIKE publisher_like (ESCAPE
-- '\'; SQLite's LIKE folds ASCII letters only, as the dictionary says).
-- first_char is the pattern's first character, ASCII-lowercased ('' when it
-- starts with a wildcard): a package is only tried against the patterns of
-- its own first character and the wildcard ones (measured: 26 µs per new
-- package against all 177 patterns, docs/performance.md).
CREATE TABLE software_patterns (
  title_id       TEXT NOT NULL REFERENCES software_titles(id),
  first_char     TEXT NOT NULL,
  name_like      TEXT NOT NULL,
  publisher_like TEXT
);
CREATE INDEX software_patterns_first ON software_patterns(first_char);
CREATE TABLE software_dictionary_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL
);
-- Catalogue rows (packages) that are a dictionary title. The catalogue
-- holds each distinct package once for the whole fleet, so a row is
-- matched once when it first arrives, not once per host or evaluation.
CREATE TABLE software_matches (
  package_id INTEGER NOT NULL,   -- packages(id)
  title_id   TEXT NOT NULL,      -- software_titles(id)
  PRIMARY KEY (package_id, title_id)
) WITHOUT ROWID;
CREATE TRIGGER software_match_new AFTER INSERT ON packages BEGIN
  INSERT OR IGNORE INTO software_matches (package_id, title_id)
  SELECT NEW.id, sp.title_id FROM software_patterns sp
   WHERE sp.first_char IN (lower(substr(NEW.name, 1, 1)), '')
     AND NEW.name LIKE sp.name_like ESCAPE '\'
     AND (sp.publisher_like IS NULL
          OR NEW.publisher LIKE sp.publisher_like ESCAPE '\');
END;
CREATE TRIGGER software_match_gone AFTER DELETE ON packages BEGIN
  DELETE FROM software_matches WHERE package_id = OLD.id;
END;

-- Per organisation.
CREATE TABLE software_rules (
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  action      TEXT NOT NULL CHECK (action IN ('ban', 'require')),
  target_kind TEXT NOT NULL CHECK (target_kind IN ('category', 'title')),
  target      TEXT NOT NULL,
  platform    TEXT NOT NULL DEFAULT ''
                CHECK (platform IN ('', 'windows', 'linux')),
  PRIMARY KEY (org_id, action, target_kind, target, platform)
);
CREATE TABLE software_floors (
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  title_id    TEXT NOT NULL,
  min_version TEXT NOT NULL CHECK (min_version <> ''),
  PRIMARY KEY (org_id, title_id)
);
CREATE TABLE software_licences (
  org_id   INTEGER NOT NULL REFERENCES organizations(id),
  title_id TEXT NOT NULL,
  owned    INTEGER NOT NULL CHECK (owned >= 0),
  PRIMARY KEY (org_id, title_id)
);
CREATE TABLE software_audit (
  id      INTEGER PRIMARY KEY,
  org_id  INTEGER NOT NULL REFERENCES organizations(id),
  at      INTEGER NOT NULL,
  who     TEXT NOT NULL,
  action  TEXT NOT NULL,
  detail  TEXT NOT NULL
);
CREATE INDEX software_audit_org ON software_audit(org_id, id);

-- What the checks read; the check sandbox narrows each to the organisation
-- being evaluated (views with an org_id column).
CREATE VIEW v_software_rules AS
SELECT org_id, action, target_kind, target, platform FROM software_rules;
CREATE VIEW v_software_floors AS
SELECT org_id, title_id, min_version FROM software_floors;
CREATE VIEW v_software_licences AS
SELECT org_id, title_id, owned FROM software_licences;
)sql"},
};

}  // namespace

std::span<const MigrationStep> SoftwareMigrations() { return kSoftwareSteps; }

}  // namespace mamori::store
