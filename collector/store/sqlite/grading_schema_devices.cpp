// The grading module's steps 7 and 8: the service_exposure family's views
// (issue #19) and the neighbours family with the organisation's devices
// (issue #20). Shipped: never edited.

#include "collector/store/sqlite/grading_schema_steps.h"

namespace mamori::store::grading_schema {

// v7 (issue #19): the service_exposure family. Two plain views over the
// stored JSON (no materialised table: a host has a few dozen services at
// most and only the exposed-services checks read them). Optional proto
// booleans are 1/0/NULL; the booleans of a sub-message (tls, http, ssh)
// are 1/0 when the service has it and NULL when it does not.
constexpr std::string_view kGradingStep7 = R"sql(
CREATE VIEW v_service_exposure AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       json_array_length(f.payload_json, '$.services') AS service_count,
       json_extract(f.payload_json, '$.probed_at') AS probed_at,
       COALESCE(json_extract(f.payload_json, '$.from_cache'), 0) AS from_cache
FROM v_family_state f
WHERE f.family = 'service_exposure' AND json_valid(f.payload_json);

CREATE VIEW v_exposed_services AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       json_extract(s.value, '$.protocol') AS protocol,
       COALESCE(json_extract(s.value, '$.address'), '') AS address,
       COALESCE(json_extract(s.value, '$.port'), 0) AS port,
       COALESCE(json_extract(s.value, '$.loopback_only'), 0) AS loopback_only,
       COALESCE(json_extract(s.value, '$.process'), '') AS process,
       COALESCE(json_extract(s.value, '$.package'), '') AS package,
       COALESCE(json_extract(s.value, '$.package_version'), '') AS package_version,
       COALESCE(json_extract(s.value, '$.kind'), '') AS kind,
       COALESCE(json_extract(s.value, '$.probe_state'), '') AS probe_state,
       json_extract(s.value, '$.tls.tls1_0') AS tls1_0,
       json_extract(s.value, '$.tls.tls1_1') AS tls1_1,
       json_extract(s.value, '$.tls.tls1_2') AS tls1_2,
       json_extract(s.value, '$.tls.tls1_3') AS tls1_3,
       CASE WHEN json_type(s.value, '$.tls') IS NOT NULL THEN
         COALESCE(json_array_length(s.value, '$.tls.weak_ciphers'), 0) END
         AS tls_weak_cipher_count,
       CASE WHEN json_type(s.value, '$.tls') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.tls.dh_bits'), 0) END AS tls_dh_bits,
       CASE WHEN json_type(s.value, '$.tls') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.tls.certificate.self_signed'), 0) END
         AS cert_self_signed,
       json_extract(s.value, '$.tls.certificate.chained_to_system_ca')
         AS cert_chained_to_system_ca,
       CASE WHEN json_type(s.value, '$.tls') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.tls.certificate.expired'), 0) END
         AS cert_expired,
       CASE WHEN json_type(s.value, '$.tls') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.tls.certificate.expires_soon'), 0) END
         AS cert_expires_soon,
       json_extract(s.value, '$.tls.certificate.not_after') AS cert_not_after,
       json_extract(s.value, '$.tls.certificate.subject') AS cert_subject,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.status_code'), 0) END AS http_status,
       json_extract(s.value, '$.http.server') AS http_server,
       json_extract(s.value, '$.http.powered_by') AS http_powered_by,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.version_disclosed'), 0) END
         AS http_version_disclosed,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.hsts'), 0) END AS http_hsts,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.content_security_policy'), 0) END
         AS http_csp,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.frame_protection'), 0) END
         AS http_frame_protection,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.x_content_type_options'), 0) END
         AS http_x_content_type_options,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.referrer_policy'), 0) END
         AS http_referrer_policy,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.http.ntlm_offered'), 0) END
         AS http_ntlm_offered,
       CASE WHEN json_type(s.value, '$.http') IS NOT NULL THEN
         COALESCE((SELECT group_concat(p.value, ' ')
                     FROM json_each(s.value, '$.http.admin_paths') p), '') END
         AS http_admin_paths,
       json_extract(s.value, '$.ssh.product') AS ssh_product,
       json_extract(s.value, '$.ssh.version') AS ssh_version,
       CASE WHEN json_type(s.value, '$.ssh') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.ssh.strict_kex'), 0) END AS ssh_strict_kex,
       CASE WHEN json_type(s.value, '$.ssh') IS NOT NULL THEN
         COALESCE(json_extract(s.value, '$.ssh.terrapin_exposed'), 0) END
         AS ssh_terrapin_exposed,
       CASE WHEN json_type(s.value, '$.ssh') IS NOT NULL THEN
         COALESCE(json_array_length(s.value, '$.ssh.weak_kex'), 0)
         + COALESCE(json_array_length(s.value, '$.ssh.weak_ciphers'), 0)
         + COALESCE(json_array_length(s.value, '$.ssh.weak_host_keys'), 0)
         + COALESCE(json_array_length(s.value, '$.ssh.weak_macs'), 0) END
         AS ssh_weak_algorithm_count
FROM v_family_state f, json_each(f.payload_json, '$.services') s
WHERE f.family = 'service_exposure' AND json_valid(f.payload_json);
)sql";

// v8 (issue #20): the neighbours family and the organisation's devices.
// v_neighbours / v_neighbour_entries are plain views over the stored
// JSON, as v7's. device_sightings keeps, per host and MAC, when the
// host's table first and last listed the device: a trigger on host_facts
// writes it in the report's own transaction whenever the family's payload
// changes; a sighting still in the host's current table is as recent as
// the family's collection time (fact_collected), so an unchanged table
// that is only vouched for moves last_seen too. Only well-formed MACs are
// kept; addresses and interface names are cut to 64 bytes. Nothing here
// trusts a MAC as identity: it is what the witnesses' tables said.
// device_vendors is the IEEE registry (Debian's ieee-data) copied by the
// grading service when the files change; device_marks are the
// administrators' verdicts (written with an audit row in console_audit).
// The WITHOUT ROWID tables declare their key columns first, in key order:
// SQLite 3.40 (Debian 12) has PRAGMA integrity_check report "NULL value
// in T.C" for a NOT NULL column C declared before a key column and stored
// last (device_enrolled_macs.org_id was, and every backup was refused;
// docs/architecture.md, "SQLite schema rules").
constexpr std::string_view kGradingStep8 = R"sql(
CREATE VIEW v_neighbours AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.neighbours'), 0)
         AS neighbour_count,
       COALESCE(json_extract(f.payload_json, '$.total_entries'), 0)
         AS total_entries,
       COALESCE(json_extract(f.payload_json, '$.truncated'), 0) AS truncated,
       COALESCE(json_extract(f.payload_json, '$.source'), '') AS source
FROM v_family_state f
WHERE f.family = 'neighbours' AND json_valid(f.payload_json);

CREATE VIEW v_neighbour_entries AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_extract(e.value, '$.ip'), '') AS ip,
       COALESCE(json_extract(e.value, '$.mac'), '') AS mac,
       COALESCE(json_extract(e.value, '$.interface'), '') AS interface,
       CASE json_extract(e.value, '$.state')
         WHEN 'NEIGHBOUR_STATE_INCOMPLETE' THEN 'incomplete'
         WHEN 'NEIGHBOUR_STATE_REACHABLE' THEN 'reachable'
         WHEN 'NEIGHBOUR_STATE_STALE' THEN 'stale'
         WHEN 'NEIGHBOUR_STATE_DELAY' THEN 'delay'
         WHEN 'NEIGHBOUR_STATE_PROBE' THEN 'probe'
         WHEN 'NEIGHBOUR_STATE_FAILED' THEN 'failed'
         WHEN 'NEIGHBOUR_STATE_PERMANENT' THEN 'permanent'
         WHEN 'NEIGHBOUR_STATE_NOARP' THEN 'noarp'
       END AS neighbour_state,
       COALESCE(json_extract(e.value, '$.router'), 0) AS router,
       COALESCE(json_extract(e.value, '$.gateway'), 0) AS gateway
FROM v_family_state f, json_each(f.payload_json, '$.neighbours') e
WHERE f.family = 'neighbours' AND json_valid(f.payload_json);

CREATE TABLE device_sightings (
  host_id    INTEGER NOT NULL,
  mac        TEXT NOT NULL,             -- lower case aa:bb:cc:dd:ee:ff
  org_id     INTEGER NOT NULL,
  ips        TEXT NOT NULL DEFAULT '',  -- addresses with this MAC, comma separated
  interface  TEXT NOT NULL DEFAULT '',
  gateway    INTEGER NOT NULL DEFAULT 0,  -- a gateway or router to the witness
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  current    INTEGER NOT NULL DEFAULT 1,  -- in the witness's current table
  PRIMARY KEY (host_id, mac)
) WITHOUT ROWID;
CREATE INDEX device_sightings_org ON device_sightings(org_id, mac);

CREATE TABLE device_marks (
  org_id    INTEGER NOT NULL,
  mac       TEXT NOT NULL,
  verdict   TEXT NOT NULL CHECK (verdict IN ('not_pc', 'needs_agent')),
  kind      TEXT NOT NULL DEFAULT '',   -- printer, router, nas, phone, other
  note      TEXT NOT NULL DEFAULT '',
  marked_by TEXT NOT NULL,
  marked_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, mac)
);

CREATE TABLE device_vendors (
  prefix       TEXT PRIMARY KEY,        -- upper-case hex, 6, 7 or 9 digits
  organization TEXT NOT NULL,
  pc_maker     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE device_vendor_source (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  signature TEXT NOT NULL,
  loaded_at INTEGER NOT NULL
);

CREATE TRIGGER device_sightings_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'neighbours' BEGIN
  UPDATE device_sightings SET current = 0
   WHERE host_id = NEW.host_id AND current = 1;
  INSERT INTO device_sightings (org_id, host_id, mac, ips, interface, gateway,
                                first_seen, last_seen, current)
  SELECT NEW.org_id, NEW.host_id, m.mac, m.ips, m.interface, m.gateway,
         m.seen, m.seen, 1
  FROM (SELECT lower(json_extract(e.value, '$.mac')) AS mac,
               group_concat(DISTINCT substr(json_extract(e.value, '$.ip'), 1, 64))
                 AS ips,
               substr(MIN(COALESCE(json_extract(e.value, '$.interface'), '')), 1, 64)
                 AS interface,
               MAX(COALESCE(json_extract(e.value, '$.gateway'), 0)
                   OR COALESCE(json_extract(e.value, '$.router'), 0)) AS gateway,
               COALESCE(NEW.collected_at, NEW.updated_at) AS seen
          FROM json_each(CASE WHEN json_valid(NEW.payload_json)
                              THEN NEW.payload_json ELSE '{}' END,
                         '$.neighbours') e
         WHERE NEW.state = 'STATUS_OK'
           AND lower(json_extract(e.value, '$.mac')) GLOB
               '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'
         GROUP BY 1) m
  WHERE true
  ON CONFLICT (host_id, mac) DO UPDATE SET
    org_id = excluded.org_id, ips = excluded.ips,
    interface = excluded.interface, gateway = excluded.gateway,
    first_seen = MIN(device_sightings.first_seen, excluded.first_seen),
    last_seen = MAX(device_sightings.last_seen, excluded.last_seen),
    current = 1;
END;
CREATE TRIGGER device_sightings_update AFTER UPDATE OF state, payload_json
ON host_facts WHEN NEW.family = 'neighbours' BEGIN
  UPDATE device_sightings SET current = 0
   WHERE host_id = NEW.host_id AND current = 1;
  INSERT INTO device_sightings (org_id, host_id, mac, ips, interface, gateway,
                                first_seen, last_seen, current)
  SELECT NEW.org_id, NEW.host_id, m.mac, m.ips, m.interface, m.gateway,
         m.seen, m.seen, 1
  FROM (SELECT lower(json_extract(e.value, '$.mac')) AS mac,
               group_concat(DISTINCT substr(json_extract(e.value, '$.ip'), 1, 64))
                 AS ips,
               substr(MIN(COALESCE(json_extract(e.value, '$.interface'), '')), 1, 64)
                 AS interface,
               MAX(COALESCE(json_extract(e.value, '$.gateway'), 0)
                   OR COALESCE(json_extract(e.value, '$.router'), 0)) AS gateway,
               COALESCE(NEW.collected_at, NEW.updated_at) AS seen
          FROM json_each(CASE WHEN json_valid(NEW.payload_json)
                              THEN NEW.payload_json ELSE '{}' END,
                         '$.neighbours') e
         WHERE NEW.state = 'STATUS_OK'
           AND lower(json_extract(e.value, '$.mac')) GLOB
               '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'
         GROUP BY 1) m
  WHERE true
  ON CONFLICT (host_id, mac) DO UPDATE SET
    org_id = excluded.org_id, ips = excluded.ips,
    interface = excluded.interface, gateway = excluded.gateway,
    first_seen = MIN(device_sightings.first_seen, excluded.first_seen),
    last_seen = MAX(device_sightings.last_seen, excluded.last_seen),
    current = 1;
END;

-- The organisation's own enrolled hosts by MAC, kept as a table by triggers
-- (a view over hosts.macs and the JSON would parse every host's network
-- payload once per device listed): the identity MACs the agent enrolled
-- with (source 'identity'), every interface of the network family and the
-- networks of the neighbours family. Revoked hosts (no node key) are left
-- out by the view. SQLite allows no WITH in a trigger: the comma-separated
-- hosts.macs is read as a JSON array.
CREATE TABLE device_enrolled_macs (
  host_id INTEGER NOT NULL,
  source  TEXT NOT NULL,   -- identity, network, neighbours
  mac     TEXT NOT NULL,
  org_id  INTEGER NOT NULL,
  PRIMARY KEY (host_id, source, mac)
) WITHOUT ROWID;
CREATE INDEX device_enrolled_macs_org ON device_enrolled_macs(org_id, mac);

CREATE TRIGGER device_enrolled_hosts_insert AFTER INSERT ON hosts BEGIN
  INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
  SELECT NEW.id, NEW.org_id, 'identity', lower(trim(j.value))
    FROM json_each(CASE WHEN json_valid('["' || replace(NEW.macs, ',', '","') || '"]')
                        THEN '["' || replace(NEW.macs, ',', '","') || '"]'
                        ELSE '[]' END) j
   WHERE trim(j.value) <> '';
END;
CREATE TRIGGER device_enrolled_hosts_update AFTER UPDATE OF macs, org_id ON hosts
BEGIN
  DELETE FROM device_enrolled_macs WHERE host_id = NEW.id AND source = 'identity';
  UPDATE device_enrolled_macs SET org_id = NEW.org_id WHERE host_id = NEW.id;
  INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
  SELECT NEW.id, NEW.org_id, 'identity', lower(trim(j.value))
    FROM json_each(CASE WHEN json_valid('["' || replace(NEW.macs, ',', '","') || '"]')
                        THEN '["' || replace(NEW.macs, ',', '","') || '"]'
                        ELSE '[]' END) j
   WHERE trim(j.value) <> '';
END;
CREATE TRIGGER device_enrolled_facts_insert AFTER INSERT ON host_facts
WHEN NEW.family IN ('network', 'neighbours') BEGIN
  DELETE FROM device_enrolled_macs
   WHERE host_id = NEW.host_id AND source = NEW.family;
  INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
  SELECT NEW.host_id, NEW.org_id, NEW.family, lower(json_extract(i.value, '$.mac'))
    FROM json_each(CASE WHEN json_valid(NEW.payload_json) THEN NEW.payload_json
                        ELSE '{}' END,
                   CASE NEW.family WHEN 'network' THEN '$.interfaces'
                                   ELSE '$.networks' END) i
   WHERE json_extract(i.value, '$.mac') <> '';
END;
CREATE TRIGGER device_enrolled_facts_update AFTER UPDATE OF state, payload_json
ON host_facts WHEN NEW.family IN ('network', 'neighbours') BEGIN
  DELETE FROM device_enrolled_macs
   WHERE host_id = NEW.host_id AND source = NEW.family;
  INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
  SELECT NEW.host_id, NEW.org_id, NEW.family, lower(json_extract(i.value, '$.mac'))
    FROM json_each(CASE WHEN json_valid(NEW.payload_json) THEN NEW.payload_json
                        ELSE '{}' END,
                   CASE NEW.family WHEN 'network' THEN '$.interfaces'
                                   ELSE '$.networks' END) i
   WHERE json_extract(i.value, '$.mac') <> '';
END;

-- What an existing database already holds.
INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
SELECT h.id, h.org_id, 'identity', lower(trim(j.value))
  FROM hosts h,
       json_each(CASE WHEN json_valid('["' || replace(h.macs, ',', '","') || '"]')
                      THEN '["' || replace(h.macs, ',', '","') || '"]'
                      ELSE '[]' END) j
 WHERE trim(j.value) <> '';
INSERT OR IGNORE INTO device_enrolled_macs (host_id, org_id, source, mac)
SELECT f.host_id, f.org_id, f.family, lower(json_extract(i.value, '$.mac'))
  FROM host_facts f,
       json_each(CASE WHEN json_valid(f.payload_json) THEN f.payload_json
                      ELSE '{}' END,
                 CASE f.family WHEN 'network' THEN '$.interfaces'
                               ELSE '$.networks' END) i
 WHERE f.family IN ('network', 'neighbours')
   AND json_extract(i.value, '$.mac') <> '';

CREATE VIEW v_enrolled_macs AS
SELECT e.org_id, e.host_id, e.mac
FROM device_enrolled_macs e JOIN hosts h ON h.id = e.host_id
WHERE h.node_key_hash <> '';

CREATE VIEW v_device_witnesses AS
SELECT s.org_id, s.mac, s.host_id, h.hostname, s.ips, s.interface, s.gateway,
       s.first_seen,
       CASE WHEN s.current = 1
            THEN MAX(s.last_seen,
                     COALESCE((SELECT x.collected_at FROM fact_collected x
                                WHERE x.host_id = s.host_id
                                  AND x.family = 'neighbours'), 0))
            ELSE s.last_seen END AS last_seen,
       s.current
FROM device_sightings s JOIN hosts h ON h.id = s.host_id;

-- Every device any host of the organisation saw, with its vendor (longest
-- IEEE prefix; none for a locally administered MAC), the administrators'
-- mark and whether it looks like a PC: marked "needs_agent", or not marked
-- "not_pc", not a gateway/router, globally administered and made by a PC
-- maker (docs/policies.md).
CREATE VIEW v_network_devices AS
SELECT d.org_id, d.mac, d.first_seen, d.last_seen, d.witness_count,
       d.witnesses, d.ips, d.gateway,
       CASE WHEN instr('2367abef', substr(d.mac, 2, 1)) > 0 THEN 1 ELSE 0 END
         AS locally_administered,
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
         WHEN instr('2367abef', substr(d.mac, 2, 1)) > 0 THEN 0
         WHEN v.pc_maker = 1 THEN 1
         ELSE 0
       END AS looks_like_pc,
       CASE WHEN EXISTS (SELECT 1 FROM device_vendors) THEN 1 ELSE 0 END
         AS registry_loaded
FROM (SELECT w.org_id, w.mac, MIN(w.first_seen) AS first_seen,
             MAX(w.last_seen) AS last_seen, COUNT(*) AS witness_count,
             group_concat(w.hostname, ', ') AS witnesses,
             (SELECT w2.ips FROM v_device_witnesses w2
               WHERE w2.org_id = w.org_id AND w2.mac = w.mac
               ORDER BY w2.last_seen DESC, w2.host_id LIMIT 1) AS ips,
             MAX(w.gateway) AS gateway
        FROM v_device_witnesses w
       GROUP BY w.org_id, w.mac) d
LEFT JOIN device_marks mk ON mk.org_id = d.org_id AND mk.mac = d.mac
LEFT JOIN device_vendors v ON v.prefix = (
  SELECT p.prefix FROM device_vendors p
   WHERE instr('2367abef', substr(d.mac, 2, 1)) = 0
     AND p.prefix IN (upper(substr(replace(d.mac, ':', ''), 1, 9)),
                      upper(substr(replace(d.mac, ':', ''), 1, 7)),
                      upper(substr(replace(d.mac, ':', ''), 1, 6)))
   ORDER BY length(p.prefix) DESC LIMIT 1);

CREATE VIEW v_unmanaged_devices AS
SELECT * FROM v_network_devices WHERE enrolled = 0;
)sql";

}  // namespace mamori::store::grading_schema
