// The organisation's devices on PostgreSQL (issues #17 and #20): SQLite's
// grading v8 tables, views and triggers in PostgreSQL 15 DDL, with the same
// columns (flags integers 0/1, times Unix seconds) so `migrate` copies rows
// unchanged and the no_unmanaged_pcs query reads the same on both.
// Differences, on purpose: the triggers are plpgsql functions reading the
// jsonb payload; a payload whose neighbours (interfaces, networks) are not
// an array, or an entry that is not an object, is read as empty rather than
// failing the report's transaction. MarkDevice's audit rows go to
// console_audit, which the console module (pg_console_schema.cpp, listed
// before this one) creates.
#include "collector/store/postgres/pg_device_schema.h"

namespace mamori::store::pg {
namespace {

constexpr PgMigrationStep kDeviceSteps[] = {
    {1, R"sql(
CREATE FUNCTION mamori_json_array(doc jsonb, key text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN jsonb_typeof(doc -> key) = 'array' THEN doc -> key
              ELSE '[]'::jsonb END
$fn$;

-- A JSON true (or a non-zero number), as SQLite's json_extract reads it.
CREATE FUNCTION mamori_json_flag(v jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN v = 'true'::jsonb THEN 1
              WHEN jsonb_typeof(v) = 'number' AND v <> '0'::jsonb THEN 1
              ELSE 0 END
$fn$;

CREATE VIEW v_neighbours AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       jsonb_array_length(mamori_json_array(f.payload_json, 'neighbours'))
         AS neighbour_count,
       CASE WHEN jsonb_typeof(f.payload_json -> 'total_entries') = 'number'
            THEN (f.payload_json ->> 'total_entries')::numeric::bigint
            ELSE 0 END AS total_entries,
       mamori_json_flag(f.payload_json -> 'truncated') AS truncated,
       COALESCE(f.payload_json ->> 'source', '') AS source
FROM v_family_state f
WHERE f.family = 'neighbours';

CREATE VIEW v_neighbour_entries AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(e.value ->> 'ip', '') AS ip,
       COALESCE(e.value ->> 'mac', '') AS mac,
       COALESCE(e.value ->> 'interface', '') AS interface,
       CASE e.value ->> 'state'
         WHEN 'NEIGHBOUR_STATE_INCOMPLETE' THEN 'incomplete'
         WHEN 'NEIGHBOUR_STATE_REACHABLE' THEN 'reachable'
         WHEN 'NEIGHBOUR_STATE_STALE' THEN 'stale'
         WHEN 'NEIGHBOUR_STATE_DELAY' THEN 'delay'
         WHEN 'NEIGHBOUR_STATE_PROBE' THEN 'probe'
         WHEN 'NEIGHBOUR_STATE_FAILED' THEN 'failed'
         WHEN 'NEIGHBOUR_STATE_PERMANENT' THEN 'permanent'
         WHEN 'NEIGHBOUR_STATE_NOARP' THEN 'noarp'
       END AS neighbour_state,
       mamori_json_flag(e.value -> 'router') AS router,
       mamori_json_flag(e.value -> 'gateway') AS gateway
FROM v_family_state f
CROSS JOIN LATERAL jsonb_array_elements(
  mamori_json_array(f.payload_json, 'neighbours')) AS e(value)
WHERE f.family = 'neighbours' AND jsonb_typeof(e.value) = 'object';

CREATE TABLE device_sightings (
  host_id    bigint NOT NULL,
  mac        text NOT NULL,
  org_id     bigint NOT NULL,
  ips        text NOT NULL DEFAULT '',
  interface  text NOT NULL DEFAULT '',
  gateway    integer NOT NULL DEFAULT 0,
  first_seen bigint NOT NULL,
  last_seen  bigint NOT NULL,
  current    integer NOT NULL DEFAULT 1,
  PRIMARY KEY (host_id, mac)
);
CREATE INDEX device_sightings_org ON device_sightings(org_id, mac);

CREATE TABLE device_marks (
  org_id    bigint NOT NULL,
  mac       text NOT NULL,
  verdict   text NOT NULL CHECK (verdict IN ('not_pc', 'needs_agent')),
  kind      text NOT NULL DEFAULT '',
  note      text NOT NULL DEFAULT '',
  marked_by text NOT NULL,
  marked_at bigint NOT NULL,
  PRIMARY KEY (org_id, mac)
);

CREATE TABLE device_vendors (
  prefix       text PRIMARY KEY,
  organization text NOT NULL,
  pc_maker     integer NOT NULL
);
CREATE TABLE device_vendor_source (
  id        integer PRIMARY KEY CHECK (id = 1),
  signature text NOT NULL,
  loaded_at bigint NOT NULL
);

CREATE TABLE device_enrolled_macs (
  host_id bigint NOT NULL,
  source  text NOT NULL,
  mac     text NOT NULL,
  org_id  bigint NOT NULL,
  PRIMARY KEY (host_id, source, mac)
);
CREATE INDEX device_enrolled_macs_org ON device_enrolled_macs(org_id, mac);

-- As SQLite's device_sightings triggers: the report's table, grouped by
-- well-formed MAC, marks the host's older sightings not current and moves
-- first and last seen.
CREATE FUNCTION mamori_device_sightings() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.family = 'neighbours' THEN
    UPDATE device_sightings SET current = 0
     WHERE host_id = NEW.host_id AND current = 1;
    INSERT INTO device_sightings AS s (org_id, host_id, mac, ips, interface,
                                       gateway, first_seen, last_seen, current)
    SELECT NEW.org_id, NEW.host_id, m.mac, m.ips, m.interface, m.gateway,
           m.seen, m.seen, 1
      FROM (SELECT lower(e.value ->> 'mac') AS mac,
                   COALESCE(string_agg(DISTINCT substr(e.value ->> 'ip', 1, 64),
                                       ','), '') AS ips,
                   substr(MIN(COALESCE(e.value ->> 'interface', '')), 1, 64)
                     AS interface,
                   MAX(GREATEST(mamori_json_flag(e.value -> 'gateway'),
                                mamori_json_flag(e.value -> 'router')))
                     AS gateway,
                   COALESCE(NEW.collected_at, NEW.updated_at) AS seen
              FROM jsonb_array_elements(
                     mamori_json_array(NEW.payload_json, 'neighbours')) e
             WHERE NEW.state = 'STATUS_OK'
               AND jsonb_typeof(e.value) = 'object'
               AND lower(e.value ->> 'mac') ~
                   '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$'
             GROUP BY 1) m
    ON CONFLICT (host_id, mac) DO UPDATE SET
      org_id = excluded.org_id, ips = excluded.ips,
      interface = excluded.interface, gateway = excluded.gateway,
      first_seen = LEAST(s.first_seen, excluded.first_seen),
      last_seen = GREATEST(s.last_seen, excluded.last_seen),
      current = 1;
  END IF;
  IF NEW.family IN ('network', 'neighbours') THEN
    DELETE FROM device_enrolled_macs
     WHERE host_id = NEW.host_id AND source = NEW.family;
    INSERT INTO device_enrolled_macs (host_id, org_id, source, mac)
    SELECT NEW.host_id, NEW.org_id, NEW.family, lower(i.value ->> 'mac')
      FROM jsonb_array_elements(mamori_json_array(
             NEW.payload_json,
             CASE NEW.family WHEN 'network' THEN 'interfaces'
                             ELSE 'networks' END)) i
     WHERE jsonb_typeof(i.value) = 'object' AND i.value ->> 'mac' <> ''
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER device_facts
AFTER INSERT OR UPDATE OF state, payload_json ON host_facts
FOR EACH ROW EXECUTE FUNCTION mamori_device_sightings();

-- The identity MACs a host enrolled with (hosts.macs, comma separated).
CREATE FUNCTION mamori_device_enrolled_host() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM device_enrolled_macs
     WHERE host_id = NEW.id AND source = 'identity';
    UPDATE device_enrolled_macs SET org_id = NEW.org_id WHERE host_id = NEW.id;
  END IF;
  INSERT INTO device_enrolled_macs (host_id, org_id, source, mac)
  SELECT NEW.id, NEW.org_id, 'identity', lower(trim(m))
    FROM unnest(string_to_array(NEW.macs, ',')) m
   WHERE trim(m) <> ''
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER device_enrolled_hosts
AFTER INSERT OR UPDATE OF macs, org_id ON hosts
FOR EACH ROW EXECUTE FUNCTION mamori_device_enrolled_host();

-- What an existing database already holds.
INSERT INTO device_enrolled_macs (host_id, org_id, source, mac)
SELECT h.id, h.org_id, 'identity', lower(trim(m))
  FROM hosts h CROSS JOIN LATERAL unnest(string_to_array(h.macs, ',')) m
 WHERE trim(m) <> ''
ON CONFLICT DO NOTHING;
INSERT INTO device_enrolled_macs (host_id, org_id, source, mac)
SELECT f.host_id, f.org_id, f.family, lower(i.value ->> 'mac')
  FROM host_facts f
  CROSS JOIN LATERAL jsonb_array_elements(mamori_json_array(
    f.payload_json,
    CASE f.family WHEN 'network' THEN 'interfaces' ELSE 'networks' END)) i
 WHERE f.family IN ('network', 'neighbours')
   AND jsonb_typeof(i.value) = 'object' AND i.value ->> 'mac' <> ''
ON CONFLICT DO NOTHING;

CREATE VIEW v_enrolled_macs AS
SELECT e.org_id, e.host_id, e.mac
FROM device_enrolled_macs e JOIN hosts h ON h.id = e.host_id
WHERE h.node_key_hash <> '';

CREATE VIEW v_device_witnesses AS
SELECT s.org_id, s.mac, s.host_id, h.hostname, s.ips, s.interface, s.gateway,
       s.first_seen,
       CASE WHEN s.current = 1
            THEN GREATEST(s.last_seen,
                          COALESCE((SELECT x.collected_at FROM fact_collected x
                                     WHERE x.host_id = s.host_id
                                       AND x.family = 'neighbours'), 0))
            ELSE s.last_seen END AS last_seen,
       s.current
FROM device_sightings s JOIN hosts h ON h.id = s.host_id;

-- As SQLite's: vendor by longest IEEE prefix (none for a locally
-- administered MAC), the mark, enrolment, and whether it looks like a PC.
CREATE VIEW v_network_devices AS
SELECT d.org_id, d.mac, d.first_seen, d.last_seen, d.witness_count,
       d.witnesses, d.ips, d.gateway,
       CASE WHEN substr(d.mac, 2, 1) IN ('2', '3', '6', '7', 'a', 'b', 'e', 'f')
            THEN 1 ELSE 0 END AS locally_administered,
       v.organization AS vendor,
       COALESCE(v.pc_maker, 0) AS vendor_pc_maker,
       mk.verdict AS mark, COALESCE(mk.kind, '') AS mark_kind,
       COALESCE(mk.note, '') AS mark_note, mk.marked_by, mk.marked_at,
       CASE WHEN EXISTS (SELECT 1 FROM device_enrolled_macs e
                          JOIN hosts h ON h.id = e.host_id
                          WHERE e.org_id = d.org_id AND e.mac = d.mac
                            AND h.node_key_hash <> '')
            THEN 1 ELSE 0 END AS enrolled,
       CASE
         WHEN mk.verdict = 'needs_agent' THEN 1
         WHEN mk.verdict = 'not_pc' THEN 0
         WHEN d.gateway = 1 THEN 0
         WHEN substr(d.mac, 2, 1) IN ('2', '3', '6', '7', 'a', 'b', 'e', 'f')
           THEN 0
         WHEN v.pc_maker = 1 THEN 1
         ELSE 0
       END AS looks_like_pc,
       CASE WHEN EXISTS (SELECT 1 FROM device_vendors) THEN 1 ELSE 0 END
         AS registry_loaded
FROM (SELECT w.org_id, w.mac, MIN(w.first_seen) AS first_seen,
             MAX(w.last_seen) AS last_seen, COUNT(*) AS witness_count,
             string_agg(w.hostname, ', ' ORDER BY w.host_id) AS witnesses,
             (SELECT w2.ips FROM v_device_witnesses w2
               WHERE w2.org_id = w.org_id AND w2.mac = w.mac
               ORDER BY w2.last_seen DESC, w2.host_id LIMIT 1) AS ips,
             MAX(w.gateway) AS gateway
        FROM v_device_witnesses w
       GROUP BY w.org_id, w.mac) d
LEFT JOIN device_marks mk ON mk.org_id = d.org_id AND mk.mac = d.mac
LEFT JOIN device_vendors v ON v.prefix = (
  SELECT p.prefix FROM device_vendors p
   WHERE substr(d.mac, 2, 1) NOT IN ('2', '3', '6', '7', 'a', 'b', 'e', 'f')
     AND p.prefix IN (upper(substr(replace(d.mac, ':', ''), 1, 9)),
                      upper(substr(replace(d.mac, ':', ''), 1, 7)),
                      upper(substr(replace(d.mac, ':', ''), 1, 6)))
   ORDER BY length(p.prefix) DESC LIMIT 1);

CREATE VIEW v_unmanaged_devices AS
SELECT * FROM v_network_devices WHERE enrolled = 0;
)sql"},
};

}  // namespace

std::span<const PgMigrationStep> PgDeviceSteps() { return kDeviceSteps; }

}  // namespace mamori::store::pg
