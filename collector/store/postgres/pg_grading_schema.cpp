// The PostgreSQL schema of the grading, update-evidence and software
// modules (issue #17): the same tables, columns and check-visible views as
// SQLite's grading_schema.cpp (v7), evidence_schema.cpp and
// software_schema.cpp, in PostgreSQL 15 DDL. Differences, on purpose:
//   - no per-family gfact_* tables or triggers: the views read the jsonb
//     payloads (as the generated fact views do, pg_fact_views.h);
//   - v_update_evidence reads the last complete run straight from the
//     updates payload; only the first time each pending security update was
//     listed needs memory across reports, kept by a trigger on host_facts;
//   - the software dictionary's patterns match with ILIKE: SQLite's LIKE
//     folds ASCII letters, PostgreSQL's LIKE folds nothing (ILIKE also folds
//     non-ASCII letters, which no built-in pattern relies on);
//   - the check sandbox (role mamori_check, schema mamori_check) is created
//     here and filled by pg_check_queries.h.
// None of these views reads a generated fact view, so recreating those
// (pg_fact_views.h) never has to drop these.
#include "collector/store/postgres/pg_grading_schema.h"

namespace mamori::store::pg {
namespace {

constexpr PgMigrationStep kGradingSteps[] = {
    {1, R"sql(
CREATE VIEW v_hosts AS
SELECT h.id AS host_id, h.org_id AS org_id, h.hostname AS hostname,
       s.state AS system_state,
       s.collected_at AS system_collected_at,
       CASE s.payload_json ->> 'os_family'
         WHEN 'OS_FAMILY_LINUX' THEN 'linux'
         WHEN 'OS_FAMILY_WINDOWS' THEN 'windows'
         WHEN 'OS_FAMILY_MACOS' THEN 'macos'
       END AS platform,
       COALESCE(s.payload_json ->> 'os_id', '') AS os_id,
       COALESCE(s.payload_json ->> 'os_name', h.os_name) AS os_name,
       COALESCE(s.payload_json ->> 'os_version', h.os_version) AS os_version,
       COALESCE(s.payload_json ->> 'os_codename', '') AS os_codename,
       COALESCE(s.payload_json ->> 'os_edition', '') AS os_edition,
       COALESCE(CASE WHEN s.payload_json ->> 'os_build' ~ '^-?[0-9]{1,18}$'
                     THEN (s.payload_json ->> 'os_build')::bigint END, 0)
         AS os_build,
       COALESCE(s.payload_json ->> 'os_like', '') AS os_like,
       CASE s.payload_json ->> 'role'
         WHEN 'ENDPOINT_ROLE_DESKTOP' THEN 'workstation'
         WHEN 'ENDPOINT_ROLE_LAPTOP' THEN 'laptop'
         WHEN 'ENDPOINT_ROLE_SERVER' THEN 'server'
         WHEN 'ENDPOINT_ROLE_VIRTUAL' THEN
           CASE WHEN s.payload_json ->> 'os_family' = 'OS_FAMILY_LINUX'
                  OR s.payload_json ->> 'os_edition' ILIKE 'Server%'
                  OR s.payload_json ->> 'os_name' ILIKE '%Server%'
                THEN 'server' ELSE 'workstation' END
       END AS role,
       COALESCE(s.payload_json ->> 'role_evidence', '') AS role_evidence,
       h.last_seen AS last_seen,
       h.last_collected_at AS last_collected_at
FROM hosts h
LEFT JOIN v_family_state s ON s.host_id = h.id AND s.family = 'system';

CREATE VIEW v_os_lifecycle AS
SELECT host_id, org_id, system_state, system_collected_at, os_name, os_version,
       os_edition, os_build,
       CASE
         WHEN platform = 'windows'
              AND (os_edition ILIKE 'Server%' OR os_name ILIKE '%Server%')
           THEN 'windows_server'
         WHEN platform = 'windows' THEN 'windows'
         ELSE os_id
       END AS product,
       CASE
         WHEN platform = 'windows' THEN CAST(os_build AS text)
         WHEN os_id = 'ubuntu' THEN os_version
         WHEN strpos(os_version, '.') > 0
           THEN substr(os_version, 1, strpos(os_version, '.') - 1)
         ELSE os_version
       END AS match_key,
       CASE
         WHEN platform IS DISTINCT FROM 'windows' THEN ''
         WHEN os_edition ILIKE 'Server%' OR os_name ILIKE '%Server%' THEN ''
         WHEN os_edition ILIKE '%EnterpriseS%' THEN 'ltsc'
         WHEN os_edition ILIKE 'Enterprise%' OR os_edition ILIKE 'Education%'
              OR os_edition ILIKE 'IoTEnterprise%' THEN 'enterprise'
         WHEN os_edition = '' THEN NULL
         ELSE 'home_pro'
       END AS edition_class
FROM v_hosts;

CREATE VIEW v_packages AS
SELECT hp.org_id, hp.host_id, p.name, p.version, p.architecture,
       CASE p.source
         WHEN 'PACKAGE_SOURCE_DPKG' THEN 'dpkg'
         WHEN 'PACKAGE_SOURCE_RPM' THEN 'rpm'
         WHEN 'PACKAGE_SOURCE_WINDOWS_UNINSTALL' THEN 'windows_uninstall'
         WHEN 'PACKAGE_SOURCE_WINDOWS_APPX' THEN 'windows_appx'
       END AS source,
       p.publisher, hp.scope, hp.install_time, hp.package_id
FROM host_packages hp JOIN packages p ON p.id = hp.package_id;

CREATE TABLE grading_end_of_support (
  product   text NOT NULL,
  match_key text NOT NULL,
  edition   text NOT NULL DEFAULT '',
  label     text NOT NULL,
  ends_on   text NOT NULL,
  PRIMARY KEY (product, match_key, edition)
);
CREATE TABLE grading_browser_minimums (
  browser         text NOT NULL,
  package_pattern text NOT NULL,
  min_major       bigint NOT NULL,
  as_of           text NOT NULL,
  PRIMARY KEY (browser, package_pattern)
);

-- evidence_json stays text: a changed result is found by comparing it.
CREATE TABLE check_results (
  org_id         bigint NOT NULL REFERENCES organizations(id),
  host_id        bigint NOT NULL REFERENCES hosts(id),
  check_id       text NOT NULL,
  status         text NOT NULL,
  evidence_json  text NOT NULL,
  collected_at   bigint,
  status_since   bigint NOT NULL,
  evaluated_at   bigint NOT NULL,
  policy_version text NOT NULL,
  PRIMARY KEY (host_id, check_id)
);
CREATE INDEX check_results_org ON check_results(org_id, check_id);

CREATE TABLE check_result_history (
  id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES organizations(id),
  host_id        bigint NOT NULL REFERENCES hosts(id),
  check_id       text NOT NULL,
  status         text NOT NULL,
  evidence_json  text NOT NULL,
  collected_at   bigint,
  evaluated_at   bigint NOT NULL,
  policy_version text NOT NULL
);
CREATE INDEX check_result_history_host
  ON check_result_history(host_id, check_id, evaluated_at);
CREATE INDEX check_result_history_org
  ON check_result_history(org_id, evaluated_at);

CREATE TABLE grade_history (
  id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES organizations(id),
  evaluated_at   bigint NOT NULL,
  policy_version text NOT NULL,
  overall        text NOT NULL,
  rules_json     text NOT NULL
);
CREATE INDEX grade_history_org ON grade_history(org_id, evaluated_at);

CREATE TABLE questionnaire_answers (
  id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES organizations(id),
  questionnaire text NOT NULL,
  item          text NOT NULL,
  answer_json   text NOT NULL,
  answered_by   text NOT NULL,
  answered_at   bigint NOT NULL,
  superseded_at bigint
);
CREATE INDEX questionnaire_answers_current
  ON questionnaire_answers(org_id, questionnaire, item, superseded_at);

CREATE TABLE grading_settings (
  org_id  bigint NOT NULL REFERENCES organizations(id),
  name    text NOT NULL,
  value   text NOT NULL,
  set_by  text NOT NULL,
  set_at  bigint NOT NULL,
  PRIMARY KEY (org_id, name)
);
CREATE TABLE check_parameters (
  org_id   bigint NOT NULL REFERENCES organizations(id),
  check_id text NOT NULL,
  name     text NOT NULL,
  value    text NOT NULL,
  set_by   text NOT NULL,
  set_at   bigint NOT NULL,
  PRIMARY KEY (org_id, check_id, name)
);

CREATE TABLE custom_policy_sets (
  id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  version      text NOT NULL,
  sources_json text NOT NULL,
  loaded_at    bigint NOT NULL
);

-- The portable check dialect's helpers (sqlite/check_functions.h), with the
-- same results.
CREATE FUNCTION utc_date(seconds double precision) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $fn$
  SELECT CASE WHEN seconds >= -62167219200 AND seconds < 253402300800
    THEN to_char(to_timestamp(floor(seconds)) AT TIME ZONE 'UTC',
                 'YYYY-MM-DD') END
$fn$;
CREATE FUNCTION utc_datetime(seconds double precision) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $fn$
  SELECT CASE WHEN seconds >= -62167219200 AND seconds < 253402300800
    THEN to_char(to_timestamp(floor(seconds)) AT TIME ZONE 'UTC',
                 'YYYY-MM-DD HH24:MI:SS') END
$fn$;
CREATE FUNCTION version_major(v text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $fn$
  SELECT COALESCE(
    (SELECT CASE WHEN m[1] = '-' THEN -1 ELSE 1 END
            * LEAST(m[2]::numeric, 9223372036854775807)::bigint
       FROM regexp_match(
              CASE WHEN strpos(v, ':') > 0
                   THEN substr(v, strpos(v, ':') + 1) ELSE v END,
              '^[ \t\n\r\f\v]*([+-]?)([0-9]+)') AS m), 0)
$fn$;
-- common/version.h: epoch first, then runs of digits (numerically) and
-- letters (ASCII case folded); a digit run is newer than a letter run; a
-- remaining digit run is newer, a remaining letter run older.
CREATE FUNCTION version_compare(a text, b text) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
DECLARE
  ea text := COALESCE(substring(a FROM '^([0-9]+):'), '0');
  eb text := COALESCE(substring(b FROM '^([0-9]+):'), '0');
  ra text[];
  rb text[];
  x text;
  y text;
  n integer;
  c integer;
BEGIN
  IF a ~ '^[0-9]+:' THEN a := substr(a, length(ea) + 2); END IF;
  IF b ~ '^[0-9]+:' THEN b := substr(b, length(eb) + 2); END IF;
  ea := COALESCE(NULLIF(ltrim(ea, '0'), ''), '0');
  eb := COALESCE(NULLIF(ltrim(eb, '0'), ''), '0');
  IF length(ea) <> length(eb) THEN
    RETURN CASE WHEN length(ea) < length(eb) THEN -1 ELSE 1 END;
  END IF;
  IF ea <> eb THEN
    RETURN CASE WHEN ea COLLATE "C" < eb COLLATE "C" THEN -1 ELSE 1 END;
  END IF;
  ra := ARRAY(SELECT r[1] FROM regexp_matches(a, '[0-9]+|[A-Za-z]+', 'g') r);
  rb := ARRAY(SELECT r[1] FROM regexp_matches(b, '[0-9]+|[A-Za-z]+', 'g') r);
  n := LEAST(cardinality(ra), cardinality(rb));
  FOR i IN 1 .. n LOOP
    x := ra[i];
    y := rb[i];
    IF (x ~ '^[0-9]') <> (y ~ '^[0-9]') THEN
      RETURN CASE WHEN x ~ '^[0-9]' THEN 1 ELSE -1 END;
    END IF;
    IF x ~ '^[0-9]' THEN
      x := COALESCE(NULLIF(ltrim(x, '0'), ''), '0');
      y := COALESCE(NULLIF(ltrim(y, '0'), ''), '0');
      IF length(x) <> length(y) THEN
        RETURN CASE WHEN length(x) < length(y) THEN -1 ELSE 1 END;
      END IF;
    ELSE
      x := lower(x);
      y := lower(y);
    END IF;
    IF x <> y THEN
      RETURN CASE WHEN x COLLATE "C" < y COLLATE "C" THEN -1 ELSE 1 END;
    END IF;
  END LOOP;
  IF cardinality(ra) = cardinality(rb) THEN RETURN 0; END IF;
  IF cardinality(ra) > cardinality(rb) THEN
    RETURN CASE WHEN ra[n + 1] ~ '^[0-9]' THEN 1 ELSE -1 END;
  END IF;
  RETURN CASE WHEN rb[n + 1] ~ '^[0-9]' THEN -1 ELSE 1 END;
END
$fn$;

-- The check sandbox (pg_check_queries.h): check queries run as this role,
-- which may read only the views of schema mamori_check (each narrowed to
-- the organisation being graded) and the reference tables granted below.
-- Roles belong to the cluster: several databases share this one.
DO $do$
BEGIN
  CREATE ROLE mamori_check NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$do$;
DO $do$
BEGIN
  EXECUTE format('GRANT mamori_check TO %I', current_user);
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$do$;
CREATE SCHEMA mamori_check;
GRANT SELECT ON grading_end_of_support, grading_browser_minimums
  TO mamori_check;
GRANT SELECT (id, name) ON packages TO mamori_check;
-- The organisation a session's check queries see, by backend pid: written
-- by the collector before each query, never by the check role.
CREATE UNLOGGED TABLE check_sandbox_org (
  pid    integer PRIMARY KEY,
  org_id bigint NOT NULL
);
CREATE TABLE check_sandbox_definitions (
  name text PRIMARY KEY,
  sql  text NOT NULL
);
)sql"},
    // Step 2: grade_counts, as the SQLite grading module's step 10
    // (collector/store/sqlite/grading_schema.cpp says why).
    {2, R"sql(
CREATE TABLE grade_counts (
  org_id         bigint NOT NULL REFERENCES organizations(id),
  subject        text NOT NULL,
  evaluated_at   bigint NOT NULL,
  pass           bigint NOT NULL DEFAULT 0,
  fail           bigint NOT NULL DEFAULT 0,
  unknown        bigint NOT NULL DEFAULT 0,
  not_applicable bigint NOT NULL DEFAULT 0,
  error          bigint NOT NULL DEFAULT 0,
  measure_json   text NOT NULL DEFAULT '',
  failing_json   text NOT NULL DEFAULT '[]',
  PRIMARY KEY (org_id, subject)
);
)sql"},
};

// evidence_schema.cpp's update evidence, without the gfact tables.
constexpr PgMigrationStep kUpdateEvidenceSteps[] = {
    {1, R"sql(
CREATE TABLE evidence_pending_first_listed (
  host_id           bigint NOT NULL,
  name              text NOT NULL,
  candidate_version text NOT NULL,
  first_listed_at   bigint NOT NULL,
  PRIMARY KEY (host_id, name, candidate_version)
);

-- The pending security updates of an updates payload, as SQLite's
-- gfact_pending_updates holds them.
CREATE FUNCTION mamori_pending_updates(doc jsonb)
RETURNS TABLE (name text, candidate_version text, security integer,
               published_at bigint)
LANGUAGE sql STABLE AS $fn$
  SELECT COALESCE(e.value ->> 'name', ''),
         COALESCE(e.value ->> 'candidate_version', ''),
         CASE WHEN e.value ->> 'security' = 'true' THEN 1 ELSE 0 END,
         mamori_unixepoch(e.value ->> 'published_at')
    FROM jsonb_array_elements(
           CASE WHEN jsonb_typeof(doc -> 'pending') = 'array'
                THEN doc -> 'pending' END) AS e(value)
   WHERE jsonb_typeof(e.value) = 'object'
$fn$;

-- The collector's clock (host_facts.updated_at), not the agent's, stamps a
-- first listing. Updates no longer pending forget theirs when a payload
-- was collected (state ok); a failed collection forgets nothing.
CREATE FUNCTION mamori_evidence_first_listed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.family <> 'updates' THEN RETURN NULL; END IF;
  IF NEW.state = 'STATUS_OK' THEN
    DELETE FROM evidence_pending_first_listed x
     WHERE x.host_id = NEW.host_id
       AND NOT EXISTS (
         SELECT 1 FROM mamori_pending_updates(NEW.payload_json) p
          WHERE p.name = x.name AND p.candidate_version = x.candidate_version);
  END IF;
  INSERT INTO evidence_pending_first_listed
  SELECT DISTINCT NEW.host_id, p.name, p.candidate_version, NEW.updated_at
    FROM mamori_pending_updates(NEW.payload_json) p
   WHERE p.security = 1
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER evidence_first_listed
AFTER INSERT OR UPDATE OF state, payload_json ON host_facts
FOR EACH ROW EXECUTE FUNCTION mamori_evidence_first_listed();

CREATE FUNCTION mamori_evidence_host_gone() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.family = 'updates' THEN
    DELETE FROM evidence_pending_first_listed WHERE host_id = OLD.host_id;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER evidence_host_facts_delete AFTER DELETE ON host_facts
FOR EACH ROW EXECUTE FUNCTION mamori_evidence_host_gone();

-- The pending items of a payload are expanded once per host (one LATERAL
-- aggregate), not once per column.
CREATE VIEW v_update_evidence AS
SELECT f.org_id, f.host_id, r.last_complete_update_at,
       r.last_complete_update_evidence,
       s.oldest_security_first_listed_at, s.security_listed_before_run,
       s.newest_security_published_at
FROM host_facts f
CROSS JOIN LATERAL (
  SELECT mamori_unixepoch(f.payload_json ->> 'last_complete_update_at')
           AS last_complete_update_at,
         COALESCE(f.payload_json ->> 'last_complete_update_evidence', '')
           AS last_complete_update_evidence) r
CROSS JOIN LATERAL (
  SELECT MIN(fl.first_listed_at) AS oldest_security_first_listed_at,
         COUNT(fl.first_listed_at)
           FILTER (WHERE fl.first_listed_at < r.last_complete_update_at)
           AS security_listed_before_run,
         MAX(p.published_at) AS newest_security_published_at
    FROM mamori_pending_updates(f.payload_json) p
    LEFT JOIN evidence_pending_first_listed fl
      ON fl.host_id = f.host_id AND fl.name = p.name
     AND fl.candidate_version = p.candidate_version
   WHERE p.security = 1) s
WHERE f.family = 'updates';
)sql"},
};

constexpr PgMigrationStep kSoftwareSteps[] = {
    {1, R"sql(
CREATE TABLE software_categories (
  id      text PRIMARY KEY,
  name_ja text NOT NULL,
  name_en text NOT NULL
);
CREATE TABLE software_titles (
  id       text PRIMARY KEY,
  category text NOT NULL REFERENCES software_categories(id),
  name_ja  text NOT NULL,
  name_en  text NOT NULL
);
CREATE TABLE software_patterns (
  title_id       text NOT NULL REFERENCES software_titles(id),
  first_char     text NOT NULL,
  name_like      text NOT NULL,
  publisher_like text
);
CREATE INDEX software_patterns_first ON software_patterns(first_char);
CREATE TABLE software_dictionary_state (
  id          integer PRIMARY KEY CHECK (id = 1),
  fingerprint text NOT NULL
);
CREATE TABLE software_matches (
  package_id bigint NOT NULL,
  title_id   text NOT NULL,
  PRIMARY KEY (package_id, title_id)
);
CREATE FUNCTION mamori_software_match() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO software_matches (package_id, title_id)
  SELECT NEW.id, sp.title_id FROM software_patterns sp
   WHERE sp.first_char IN (lower(substr(NEW.name, 1, 1)), '')
     AND NEW.name ILIKE sp.name_like
     AND (sp.publisher_like IS NULL OR NEW.publisher ILIKE sp.publisher_like)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER software_match_new AFTER INSERT ON packages
FOR EACH ROW EXECUTE FUNCTION mamori_software_match();

CREATE TABLE software_rules (
  org_id      bigint NOT NULL REFERENCES organizations(id),
  action      text NOT NULL CHECK (action IN ('ban', 'require')),
  target_kind text NOT NULL CHECK (target_kind IN ('category', 'title')),
  target      text NOT NULL,
  platform    text NOT NULL DEFAULT ''
                CHECK (platform IN ('', 'windows', 'linux')),
  PRIMARY KEY (org_id, action, target_kind, target, platform)
);
CREATE TABLE software_floors (
  org_id      bigint NOT NULL REFERENCES organizations(id),
  title_id    text NOT NULL,
  min_version text NOT NULL CHECK (min_version <> ''),
  PRIMARY KEY (org_id, title_id)
);
CREATE TABLE software_licences (
  org_id   bigint NOT NULL REFERENCES organizations(id),
  title_id text NOT NULL,
  owned    bigint NOT NULL CHECK (owned >= 0),
  PRIMARY KEY (org_id, title_id)
);
CREATE TABLE software_audit (
  id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  org_id  bigint NOT NULL REFERENCES organizations(id),
  at      bigint NOT NULL,
  who     text NOT NULL,
  action  text NOT NULL,
  detail  text NOT NULL
);
CREATE INDEX software_audit_org ON software_audit(org_id, id);

CREATE VIEW v_software_rules AS
SELECT org_id, action, target_kind, target, platform FROM software_rules;
CREATE VIEW v_software_floors AS
SELECT org_id, title_id, min_version FROM software_floors;
CREATE VIEW v_software_licences AS
SELECT org_id, title_id, owned FROM software_licences;

GRANT SELECT ON software_categories, software_titles, software_matches
  TO mamori_check;
)sql"},
};

}  // namespace

std::span<const PgMigrationStep> PgGradingSteps() { return kGradingSteps; }
std::span<const PgMigrationStep> PgUpdateEvidenceSteps() {
  return kUpdateEvidenceSteps;
}
std::span<const PgMigrationStep> PgSoftwareSteps() { return kSoftwareSteps; }

}  // namespace mamori::store::pg
