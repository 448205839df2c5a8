// The grading module's step 2: the fact views over per-family tables that
// triggers on host_facts fill (grading_schema.h). Shipped: never edited.

#include "collector/store/sqlite/grading_schema_steps.h"

namespace mamori::store::grading_schema {

// Step 2: the same views over per-family tables that triggers on
// host_facts keep in step with the payloads (extraction once per stored
// payload instead of once per check query).
constexpr std::string_view kGradingStep2 = R"sql(
-- Step 2: the fact views read columns extracted once per stored payload
-- instead of parsing host_facts.payload_json in every check query (grading
-- 10,000 hosts spent most of its time in json_extract; docs/performance.md).
--
-- For each family F: gfact_F_src is a view with the extraction expressions
-- of step 1 (the single definition of each column), gfact_F is a table
-- holding exactly the rows of gfact_F_src, and triggers on host_facts keep it
-- so: a host's rows are recomputed from gfact_F_src whenever its F payload,
-- state or keys are inserted, updated or deleted, and collected_at is copied
-- when a report only vouches for an unchanged payload. The v_* views keep
-- their names, columns and column order. A payload that is not valid JSON
-- yields no row (the host is unknown for the family's checks) instead of an
-- error in every check query, and an array item that is not an object gives
-- NULL fields (step 1 failed on text items), so no payload can make the
-- triggers, and with them the report's transaction, fail.
--
-- Array items (pending updates, antivirus products, Wi-Fi networks, disk
-- volumes) go to child tables keyed by (host_id, seq), seq being json_each's
-- id, so a host's items keep their order in the payload (the current Wi-Fi
-- link, seq 0, first).

DROP VIEW v_hosts;
DROP VIEW v_updates;
DROP VIEW v_pending_updates;
DROP VIEW v_antivirus;
DROP VIEW v_antivirus_products;
DROP VIEW v_usb_storage;
DROP VIEW v_wifi;
DROP VIEW v_wifi_networks;
DROP VIEW v_password_policy;
DROP VIEW v_screen_lock;
DROP VIEW v_disk_volumes;
DROP VIEW v_disk_encryption;
DROP VIEW v_firewall;
DROP VIEW v_remote_access;

-- system ---------------------------------------------------------------------
-- os_* are the raw JSON values (NULL when absent); v_hosts applies the
-- fallbacks (hosts.os_name, '', 0) so a host without a system row keeps them.
CREATE VIEW gfact_system_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       CASE json_extract(f.payload_json, '$.os_family')
         WHEN 'OS_FAMILY_LINUX' THEN 'linux'
         WHEN 'OS_FAMILY_WINDOWS' THEN 'windows'
         WHEN 'OS_FAMILY_MACOS' THEN 'macos'
       END AS platform,
       json_extract(f.payload_json, '$.os_id') AS os_id,
       json_extract(f.payload_json, '$.os_name') AS os_name,
       json_extract(f.payload_json, '$.os_version') AS os_version,
       json_extract(f.payload_json, '$.os_codename') AS os_codename,
       json_extract(f.payload_json, '$.os_edition') AS os_edition,
       json_extract(f.payload_json, '$.os_build') AS os_build,
       json_extract(f.payload_json, '$.os_like') AS os_like,
       CASE json_extract(f.payload_json, '$.role')
         WHEN 'ENDPOINT_ROLE_DESKTOP' THEN 'workstation'
         WHEN 'ENDPOINT_ROLE_LAPTOP' THEN 'laptop'
         WHEN 'ENDPOINT_ROLE_SERVER' THEN 'server'
         WHEN 'ENDPOINT_ROLE_VIRTUAL' THEN
           CASE WHEN json_extract(f.payload_json, '$.os_family') = 'OS_FAMILY_LINUX'
                  OR json_extract(f.payload_json, '$.os_edition') LIKE 'Server%'
                  OR json_extract(f.payload_json, '$.os_name') LIKE '%Server%'
                THEN 'server' ELSE 'workstation' END
       END AS role,
       json_extract(f.payload_json, '$.role_evidence') AS role_evidence
FROM v_family_state f
WHERE f.family = 'system' AND json_valid(f.payload_json);

CREATE TABLE gfact_system (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, platform, os_id,
  os_name, os_version, os_codename, os_edition, os_build, os_like, role,
  role_evidence
);

-- updates --------------------------------------------------------------------
CREATE VIEW gfact_updates_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       COALESCE(json_extract(f.payload_json, '$.pending_count'), 0) AS pending_count,
       COALESCE(json_extract(f.payload_json, '$.security_pending_count'), 0)
         AS security_pending_count,
       CASE json_extract(f.payload_json, '$.method')
         WHEN 'UPDATE_METHOD_LIBAPT' THEN 'libapt'
         WHEN 'UPDATE_METHOD_APT_LISTS' THEN 'apt_lists'
         WHEN 'UPDATE_METHOD_DNF' THEN 'dnf'
         WHEN 'UPDATE_METHOD_WINDOWS_UPDATE_AGENT' THEN 'windows_update_agent'
       END AS method,
       unixepoch(json_extract(f.payload_json, '$.lists_refreshed_at'))
         AS lists_refreshed_at,
       unixepoch(json_extract(f.payload_json, '$.last_install_at')) AS last_install_at,
       json_extract(f.payload_json, '$.automatic_updates') AS automatic_updates,
       COALESCE(json_extract(f.payload_json, '$.automatic_updates_evidence'), '')
         AS automatic_updates_evidence,
       json_extract(f.payload_json, '$.reboot_required') AS reboot_required,
       (SELECT MIN(unixepoch(json_extract(u.item, '$.published_at')))
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.pending')) u
         WHERE json_extract(u.item, '$.security') = 1) AS oldest_security_published_at,
       (SELECT COUNT(*)
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.pending')) u
         WHERE json_extract(u.item, '$.security') = 1
           AND json_extract(u.item, '$.published_at') IS NOT NULL)
         AS security_pending_dated
FROM v_family_state f
WHERE f.family = 'updates' AND json_valid(f.payload_json);

CREATE TABLE gfact_updates (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, pending_count,
  security_pending_count, method, lists_refreshed_at, last_install_at,
  automatic_updates, automatic_updates_evidence, reboot_required,
  oldest_security_published_at, security_pending_dated
);

CREATE VIEW gfact_pending_updates_src AS
SELECT u.host_id, u.id AS seq,
       COALESCE(json_extract(u.value, '$.name'), '') AS name,
       COALESCE(json_extract(u.value, '$.installed_version'), '') AS installed_version,
       COALESCE(json_extract(u.value, '$.candidate_version'), '') AS candidate_version,
       COALESCE(json_extract(u.value, '$.security'), 0) AS security,
       COALESCE(json_extract(u.value, '$.origin'), '') AS origin,
       COALESCE(json_extract(u.value, '$.severity'), '') AS severity,
       unixepoch(json_extract(u.value, '$.published_at')) AS published_at
FROM (SELECT f.host_id, e.id,
             CASE WHEN e.type = 'object' THEN e.value END AS value
        FROM host_facts f,
             json_each(CASE WHEN json_valid(f.payload_json)
                            THEN f.payload_json END, '$.pending') e
       WHERE f.family = 'updates') u;

CREATE TABLE gfact_pending_updates (
  host_id INTEGER NOT NULL, seq INTEGER NOT NULL, name, installed_version,
  candidate_version, security, origin, severity, published_at,
  PRIMARY KEY (host_id, seq)
) WITHOUT ROWID;

-- antivirus ------------------------------------------------------------------
CREATE VIEW gfact_antivirus_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.products'), 0) AS product_count
FROM v_family_state f
WHERE f.family = 'antivirus' AND json_valid(f.payload_json);

CREATE TABLE gfact_antivirus (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, product_count
);

CREATE VIEW gfact_antivirus_products_src AS
SELECT p.host_id, p.id AS seq,
       CAST(p.key AS INTEGER) AS product_index,
       COALESCE(json_extract(p.value, '$.name'), '') AS name,
       COALESCE(json_extract(p.value, '$.vendor'), '') AS vendor,
       COALESCE(json_extract(p.value, '$.engine_version'), '') AS engine_version,
       COALESCE(json_extract(p.value, '$.definitions_version'), '') AS definitions_version,
       unixepoch(json_extract(p.value, '$.definitions_updated_at'))
         AS definitions_updated_at,
       json_extract(p.value, '$.definitions_age_hours') AS definitions_age_hours,
       json_extract(p.value, '$.enabled') AS enabled,
       json_extract(p.value, '$.realtime_protection') AS realtime_protection,
       json_extract(p.value, '$.definitions_up_to_date') AS definitions_up_to_date,
       json_extract(p.value, '$.updater_configured') AS updater_configured,
       COALESCE(json_extract(p.value, '$.source'), '') AS source
FROM (SELECT f.host_id, e.id, e.key,
             CASE WHEN e.type = 'object' THEN e.value END AS value
        FROM host_facts f,
             json_each(CASE WHEN json_valid(f.payload_json)
                            THEN f.payload_json END, '$.products') e
       WHERE f.family = 'antivirus') p;

CREATE TABLE gfact_antivirus_products (
  host_id INTEGER NOT NULL, seq INTEGER NOT NULL, product_index, name, vendor,
  engine_version, definitions_version, definitions_updated_at,
  definitions_age_hours, enabled, realtime_protection, definitions_up_to_date,
  updater_configured, source,
  PRIMARY KEY (host_id, seq)
) WITHOUT ROWID;

-- usb_storage ----------------------------------------------------------------
CREATE VIEW gfact_usb_storage_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       CASE json_extract(f.payload_json, '$.effective_policy')
         WHEN 'USB_STORAGE_POLICY_ALLOWED' THEN 'allowed'
         WHEN 'USB_STORAGE_POLICY_READ_ONLY' THEN 'read_only'
         WHEN 'USB_STORAGE_POLICY_BLOCKED' THEN 'blocked'
       END AS effective_policy,
       (SELECT json_extract(e.item, '$.source')
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.evidence')) e
         WHERE json_extract(e.item, '$.decisive') = 1 LIMIT 1) AS decisive_source,
       (SELECT json_extract(e.item, '$.setting')
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.evidence')) e
         WHERE json_extract(e.item, '$.decisive') = 1 LIMIT 1) AS decisive_setting,
       COALESCE(json_array_length(f.payload_json, '$.attached_storage'), 0)
         AS attached_storage_count
FROM v_family_state f
WHERE f.family = 'usb_storage' AND json_valid(f.payload_json);

CREATE TABLE gfact_usb_storage (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, effective_policy,
  decisive_source, decisive_setting, attached_storage_count
);

-- wifi -----------------------------------------------------------------------
CREATE VIEW gfact_wifi_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.adapters'), 0) AS adapter_count,
       CASE WHEN json_type(f.payload_json, '$.current') = 'object' THEN 1 ELSE 0 END
         AS connected,
       COALESCE(json_extract(f.payload_json, '$.current_unknown'), 0) AS current_unknown,
       COALESCE(json_array_length(f.payload_json, '$.profiles'), 0) AS profile_count
FROM v_family_state f
WHERE f.family = 'wifi' AND json_valid(f.payload_json);

CREATE TABLE gfact_wifi (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, adapter_count,
  connected, current_unknown, profile_count
);

CREATE VIEW gfact_wifi_networks_src AS
SELECT n.host_id, n.seq, n.is_current,
       COALESCE(json_extract(n.net, '$.ssid'), '') AS ssid,
       CASE json_extract(n.net, '$.security')
         WHEN 'WIFI_SECURITY_OPEN' THEN 'open'
         WHEN 'WIFI_SECURITY_WEP' THEN 'wep'
         WHEN 'WIFI_SECURITY_WPA' THEN 'wpa'
         WHEN 'WIFI_SECURITY_WPA2' THEN 'wpa2'
         WHEN 'WIFI_SECURITY_WPA3' THEN 'wpa3'
         WHEN 'WIFI_SECURITY_OWE' THEN 'owe'
       END AS security,
       COALESCE(json_extract(n.net, '$.enterprise'), 0) AS enterprise,
       COALESCE(json_extract(n.net, '$.cipher'), '') AS cipher,
       CASE WHEN n.is_current = 1 THEN 1
            ELSE COALESCE(json_extract(n.net, '$.auto_connect'), 0) END AS auto_connect,
       COALESCE(json_extract(n.net, '$.hidden'), 0) AS hidden,
       COALESCE(json_extract(n.net, '$.source'), '') AS source
FROM (
  SELECT f.host_id, 0 AS seq, 1 AS is_current,
         json_extract(f.payload_json, '$.current') AS net
    FROM host_facts f
   WHERE f.family = 'wifi'
     AND json_type(CASE WHEN json_valid(f.payload_json)
                        THEN f.payload_json END, '$.current') = 'object'
  UNION ALL
  SELECT f.host_id, p.id AS seq, 0 AS is_current,
         CASE WHEN p.type = 'object' THEN p.value END AS net
    FROM host_facts f,
         json_each(CASE WHEN json_valid(f.payload_json)
                        THEN f.payload_json END, '$.profiles') p
   WHERE f.family = 'wifi'
) n;

CREATE TABLE gfact_wifi_networks (
  host_id INTEGER NOT NULL, seq INTEGER NOT NULL, is_current, ssid, security,
  enterprise, cipher, auto_connect, hidden, source,
  PRIMARY KEY (host_id, seq)
) WITHOUT ROWID;

-- password_policy ------------------------------------------------------------
CREATE VIEW gfact_password_policy_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       json_extract(f.payload_json, '$.min_length') AS min_length,
       json_extract(f.payload_json, '$.max_age_days') AS max_age_days,
       json_extract(f.payload_json, '$.history_length') AS history_length,
       json_extract(f.payload_json, '$.min_classes') AS min_classes,
       json_extract(f.payload_json, '$.complexity_required') AS complexity_required,
       json_extract(f.payload_json, '$.lockout_threshold') AS lockout_threshold,
       json_extract(f.payload_json, '$.lockout_duration_seconds')
         AS lockout_duration_seconds,
       COALESCE(json_extract(f.payload_json, '$.hash_method'), '') AS hash_method,
       COALESCE(json_extract(f.payload_json, '$.accounts_without_password_count'), 0)
         AS accounts_without_password_count,
       COALESCE(json_extract(f.payload_json, '$.accounts_without_password'), '[]')
         AS accounts_without_password
FROM v_family_state f
WHERE f.family = 'password_policy' AND json_valid(f.payload_json);

CREATE TABLE gfact_password_policy (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, min_length,
  max_age_days, history_length, min_classes, complexity_required,
  lockout_threshold, lockout_duration_seconds, hash_method,
  accounts_without_password_count, accounts_without_password
);

-- screen_lock ----------------------------------------------------------------
CREATE VIEW gfact_screen_lock_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       json_extract(f.payload_json, '$.enabled') AS enabled,
       json_extract(f.payload_json, '$.idle_timeout_seconds') AS idle_timeout_seconds,
       json_extract(f.payload_json, '$.password_required') AS password_required,
       json_extract(f.payload_json, '$.lock_on_resume') AS lock_on_resume,
       COALESCE(json_extract(f.payload_json, '$.enforced_by_policy'), 0)
         AS enforced_by_policy,
       COALESCE(json_extract(f.payload_json, '$.source'), '') AS source
FROM v_family_state f
WHERE f.family = 'screen_lock' AND json_valid(f.payload_json);

CREATE TABLE gfact_screen_lock (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, enabled,
  idle_timeout_seconds, password_required, lock_on_resume, enforced_by_policy,
  source
);

-- disk_encryption ------------------------------------------------------------
CREATE VIEW gfact_disk_encryption_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.volumes'), 0) AS volume_count,
       (SELECT CASE json_extract(v.item, '$.state')
                 WHEN 'ENCRYPTION_STATE_ENCRYPTED' THEN 'encrypted'
                 WHEN 'ENCRYPTION_STATE_NOT_ENCRYPTED' THEN 'not_encrypted'
                 WHEN 'ENCRYPTION_STATE_ENCRYPTING' THEN 'encrypting'
                 WHEN 'ENCRYPTION_STATE_DECRYPTING' THEN 'decrypting'
                 WHEN 'ENCRYPTION_STATE_SUSPENDED' THEN 'suspended'
               END
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.volumes')) v
         WHERE json_extract(v.item, '$.system_volume') = 1 LIMIT 1)
         AS system_volume_encryption,
       (SELECT json_extract(v.item, '$.device')
          FROM (SELECT CASE WHEN type = 'object' THEN value END AS item
                  FROM json_each(f.payload_json, '$.volumes')) v
         WHERE json_extract(v.item, '$.system_volume') = 1 LIMIT 1)
         AS system_volume_device
FROM v_family_state f
WHERE f.family = 'disk_encryption' AND json_valid(f.payload_json);

CREATE TABLE gfact_disk_encryption (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, volume_count,
  system_volume_encryption, system_volume_device
);

CREATE VIEW gfact_disk_volumes_src AS
SELECT v.host_id, v.id AS seq,
       COALESCE(json_extract(v.value, '$.device'), '') AS device,
       COALESCE(json_extract(v.value, '$.mount_point'), '') AS mount_point,
       CASE json_extract(v.value, '$.state')
         WHEN 'ENCRYPTION_STATE_ENCRYPTED' THEN 'encrypted'
         WHEN 'ENCRYPTION_STATE_NOT_ENCRYPTED' THEN 'not_encrypted'
         WHEN 'ENCRYPTION_STATE_ENCRYPTING' THEN 'encrypting'
         WHEN 'ENCRYPTION_STATE_DECRYPTING' THEN 'decrypting'
         WHEN 'ENCRYPTION_STATE_SUSPENDED' THEN 'suspended'
       END AS encryption,
       COALESCE(json_extract(v.value, '$.technology'), '') AS technology,
       COALESCE(json_extract(v.value, '$.method'), '') AS method,
       COALESCE(json_extract(v.value, '$.system_volume'), 0) AS system_volume,
       COALESCE(json_extract(v.value, '$.removable'), 0) AS removable
FROM (SELECT f.host_id, e.id,
             CASE WHEN e.type = 'object' THEN e.value END AS value
        FROM host_facts f,
             json_each(CASE WHEN json_valid(f.payload_json)
                            THEN f.payload_json END, '$.volumes') e
       WHERE f.family = 'disk_encryption') v;

CREATE TABLE gfact_disk_volumes (
  host_id INTEGER NOT NULL, seq INTEGER NOT NULL, device, mount_point,
  encryption, technology, method, system_volume, removable,
  PRIMARY KEY (host_id, seq)
) WITHOUT ROWID;

-- firewall -------------------------------------------------------------------
CREATE VIEW gfact_firewall_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       json_extract(f.payload_json, '$.active') AS active,
       COALESCE(json_extract(f.payload_json, '$.product'), '') AS product,
       CASE json_extract(f.payload_json, '$.default_inbound')
         WHEN 'FIREWALL_ACTION_ACCEPT' THEN 'accept'
         WHEN 'FIREWALL_ACTION_DROP' THEN 'drop'
         WHEN 'FIREWALL_ACTION_REJECT' THEN 'reject'
       END AS default_inbound,
       COALESCE(json_extract(f.payload_json, '$.rule_count'), 0) AS rule_count
FROM v_family_state f
WHERE f.family = 'firewall' AND json_valid(f.payload_json);

CREATE TABLE gfact_firewall (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, active, product,
  default_inbound, rule_count
);

-- remote_access --------------------------------------------------------------
CREATE VIEW gfact_remote_access_src AS
SELECT f.host_id, f.org_id, f.state, f.collected_at,
       COALESCE(json_extract(f.payload_json, '$.ssh_installed'), 0) AS ssh_installed,
       json_extract(f.payload_json, '$.ssh_running') AS ssh_running,
       json_extract(f.payload_json, '$.ssh_password_authentication')
         AS ssh_password_authentication,
       COALESCE(json_extract(f.payload_json, '$.ssh_permit_root_login'), '')
         AS ssh_permit_root_login,
       COALESCE(json_extract(f.payload_json, '$.ssh_port'), 0) AS ssh_port,
       json_extract(f.payload_json, '$.rdp_enabled') AS rdp_enabled,
       json_extract(f.payload_json, '$.rdp_nla_required') AS rdp_nla_required,
       COALESCE(json_extract(f.payload_json, '$.rdp_port'), 0) AS rdp_port,
       COALESCE(json_extract(f.payload_json, '$.vnc_servers'), '[]') AS vnc_servers,
       COALESCE(json_extract(f.payload_json, '$.remote_tools'), '[]') AS remote_tools
FROM v_family_state f
WHERE f.family = 'remote_access' AND json_valid(f.payload_json);

CREATE TABLE gfact_remote_access (
  host_id INTEGER PRIMARY KEY, org_id, state, collected_at, ssh_installed,
  ssh_running, ssh_password_authentication, ssh_permit_root_login, ssh_port,
  rdp_enabled, rdp_nla_required, rdp_port, vnc_servers, remote_tools
);

-- Indexes for check queries that filter a family by organisation.
CREATE INDEX gfact_system_org ON gfact_system(org_id);
CREATE INDEX gfact_updates_org ON gfact_updates(org_id);
CREATE INDEX gfact_antivirus_org ON gfact_antivirus(org_id);
CREATE INDEX gfact_usb_storage_org ON gfact_usb_storage(org_id);
CREATE INDEX gfact_wifi_org ON gfact_wifi(org_id);
CREATE INDEX gfact_password_policy_org ON gfact_password_policy(org_id);
CREATE INDEX gfact_screen_lock_org ON gfact_screen_lock(org_id);
CREATE INDEX gfact_disk_encryption_org ON gfact_disk_encryption(org_id);
CREATE INDEX gfact_firewall_org ON gfact_firewall(org_id);
CREATE INDEX gfact_remote_access_org ON gfact_remote_access(org_id);

-- Fill the tables from the facts already stored.
INSERT INTO gfact_system SELECT * FROM gfact_system_src;
INSERT INTO gfact_updates SELECT * FROM gfact_updates_src;
INSERT INTO gfact_pending_updates SELECT * FROM gfact_pending_updates_src;
INSERT INTO gfact_antivirus SELECT * FROM gfact_antivirus_src;
INSERT INTO gfact_antivirus_products SELECT * FROM gfact_antivirus_products_src;
INSERT INTO gfact_usb_storage SELECT * FROM gfact_usb_storage_src;
INSERT INTO gfact_wifi SELECT * FROM gfact_wifi_src;
INSERT INTO gfact_wifi_networks SELECT * FROM gfact_wifi_networks_src;
INSERT INTO gfact_password_policy SELECT * FROM gfact_password_policy_src;
INSERT INTO gfact_screen_lock SELECT * FROM gfact_screen_lock_src;
INSERT INTO gfact_disk_encryption SELECT * FROM gfact_disk_encryption_src;
INSERT INTO gfact_disk_volumes SELECT * FROM gfact_disk_volumes_src;
INSERT INTO gfact_firewall SELECT * FROM gfact_firewall_src;
INSERT INTO gfact_remote_access SELECT * FROM gfact_remote_access_src;

-- Keep them so. Inserting first deletes, so INSERT OR REPLACE on host_facts
-- (whose implicit delete fires no trigger) cannot leave stale rows.
CREATE TRIGGER gfact_system_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'system' BEGIN
  DELETE FROM gfact_system WHERE host_id = NEW.host_id;
  INSERT INTO gfact_system SELECT * FROM gfact_system_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_system_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'system' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_system WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_system SELECT * FROM gfact_system_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_system_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'system' BEGIN
  UPDATE gfact_system SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_system_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'system' BEGIN
  DELETE FROM gfact_system WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_updates_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'updates' BEGIN
  DELETE FROM gfact_updates WHERE host_id = NEW.host_id;
  INSERT INTO gfact_updates SELECT * FROM gfact_updates_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_pending_updates WHERE host_id = NEW.host_id;
  INSERT INTO gfact_pending_updates SELECT * FROM gfact_pending_updates_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_updates_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'updates' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_updates WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_updates SELECT * FROM gfact_updates_src WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_pending_updates WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_pending_updates SELECT * FROM gfact_pending_updates_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_updates_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'updates' BEGIN
  UPDATE gfact_updates SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_updates_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'updates' BEGIN
  DELETE FROM gfact_updates WHERE host_id = OLD.host_id;
  DELETE FROM gfact_pending_updates WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_antivirus_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'antivirus' BEGIN
  DELETE FROM gfact_antivirus WHERE host_id = NEW.host_id;
  INSERT INTO gfact_antivirus SELECT * FROM gfact_antivirus_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_antivirus_products WHERE host_id = NEW.host_id;
  INSERT INTO gfact_antivirus_products SELECT * FROM gfact_antivirus_products_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_antivirus_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'antivirus' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_antivirus WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_antivirus SELECT * FROM gfact_antivirus_src WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_antivirus_products WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_antivirus_products SELECT * FROM gfact_antivirus_products_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_antivirus_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'antivirus' BEGIN
  UPDATE gfact_antivirus SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_antivirus_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'antivirus' BEGIN
  DELETE FROM gfact_antivirus WHERE host_id = OLD.host_id;
  DELETE FROM gfact_antivirus_products WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_usb_storage_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'usb_storage' BEGIN
  DELETE FROM gfact_usb_storage WHERE host_id = NEW.host_id;
  INSERT INTO gfact_usb_storage SELECT * FROM gfact_usb_storage_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_usb_storage_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'usb_storage' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_usb_storage WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_usb_storage SELECT * FROM gfact_usb_storage_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_usb_storage_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'usb_storage' BEGIN
  UPDATE gfact_usb_storage SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_usb_storage_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'usb_storage' BEGIN
  DELETE FROM gfact_usb_storage WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_wifi_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'wifi' BEGIN
  DELETE FROM gfact_wifi WHERE host_id = NEW.host_id;
  INSERT INTO gfact_wifi SELECT * FROM gfact_wifi_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_wifi_networks WHERE host_id = NEW.host_id;
  INSERT INTO gfact_wifi_networks SELECT * FROM gfact_wifi_networks_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_wifi_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'wifi' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_wifi WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_wifi SELECT * FROM gfact_wifi_src WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_wifi_networks WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_wifi_networks SELECT * FROM gfact_wifi_networks_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_wifi_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'wifi' BEGIN
  UPDATE gfact_wifi SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_wifi_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'wifi' BEGIN
  DELETE FROM gfact_wifi WHERE host_id = OLD.host_id;
  DELETE FROM gfact_wifi_networks WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_password_policy_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'password_policy' BEGIN
  DELETE FROM gfact_password_policy WHERE host_id = NEW.host_id;
  INSERT INTO gfact_password_policy SELECT * FROM gfact_password_policy_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_password_policy_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'password_policy' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_password_policy WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_password_policy SELECT * FROM gfact_password_policy_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_password_policy_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'password_policy' BEGIN
  UPDATE gfact_password_policy SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_password_policy_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'password_policy' BEGIN
  DELETE FROM gfact_password_policy WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_screen_lock_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'screen_lock' BEGIN
  DELETE FROM gfact_screen_lock WHERE host_id = NEW.host_id;
  INSERT INTO gfact_screen_lock SELECT * FROM gfact_screen_lock_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_screen_lock_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'screen_lock' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_screen_lock WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_screen_lock SELECT * FROM gfact_screen_lock_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_screen_lock_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'screen_lock' BEGIN
  UPDATE gfact_screen_lock SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_screen_lock_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'screen_lock' BEGIN
  DELETE FROM gfact_screen_lock WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_disk_encryption_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'disk_encryption' BEGIN
  DELETE FROM gfact_disk_encryption WHERE host_id = NEW.host_id;
  INSERT INTO gfact_disk_encryption SELECT * FROM gfact_disk_encryption_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_disk_volumes WHERE host_id = NEW.host_id;
  INSERT INTO gfact_disk_volumes SELECT * FROM gfact_disk_volumes_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_disk_encryption_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'disk_encryption' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_disk_encryption WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_disk_encryption SELECT * FROM gfact_disk_encryption_src WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_disk_volumes WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_disk_volumes SELECT * FROM gfact_disk_volumes_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_disk_encryption_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'disk_encryption' BEGIN
  UPDATE gfact_disk_encryption SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_disk_encryption_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'disk_encryption' BEGIN
  DELETE FROM gfact_disk_encryption WHERE host_id = OLD.host_id;
  DELETE FROM gfact_disk_volumes WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_firewall_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'firewall' BEGIN
  DELETE FROM gfact_firewall WHERE host_id = NEW.host_id;
  INSERT INTO gfact_firewall SELECT * FROM gfact_firewall_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_firewall_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'firewall' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_firewall WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_firewall SELECT * FROM gfact_firewall_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_firewall_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'firewall' BEGIN
  UPDATE gfact_firewall SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_firewall_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'firewall' BEGIN
  DELETE FROM gfact_firewall WHERE host_id = OLD.host_id;
END;
CREATE TRIGGER gfact_remote_access_insert AFTER INSERT ON host_facts
WHEN NEW.family = 'remote_access' BEGIN
  DELETE FROM gfact_remote_access WHERE host_id = NEW.host_id;
  INSERT INTO gfact_remote_access SELECT * FROM gfact_remote_access_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_remote_access_update
AFTER UPDATE OF org_id, host_id, family, state, payload_json ON host_facts
WHEN 'remote_access' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_remote_access WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_remote_access SELECT * FROM gfact_remote_access_src WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
CREATE TRIGGER gfact_remote_access_touch AFTER UPDATE OF collected_at ON host_facts
WHEN NEW.family = 'remote_access' BEGIN
  UPDATE gfact_remote_access SET collected_at = NEW.collected_at WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_remote_access_delete AFTER DELETE ON host_facts
WHEN OLD.family = 'remote_access' BEGIN
  DELETE FROM gfact_remote_access WHERE host_id = OLD.host_id;
END;

-- The documented views, same names, columns and order as step 1.
CREATE VIEW v_hosts AS
SELECT h.id AS host_id, h.org_id AS org_id, h.hostname AS hostname,
       s.state AS system_state, s.collected_at AS system_collected_at,
       s.platform AS platform,
       COALESCE(s.os_id, '') AS os_id,
       COALESCE(s.os_name, h.os_name) AS os_name,
       COALESCE(s.os_version, h.os_version) AS os_version,
       COALESCE(s.os_codename, '') AS os_codename,
       COALESCE(s.os_edition, '') AS os_edition,
       COALESCE(s.os_build, 0) AS os_build,
       COALESCE(s.os_like, '') AS os_like,
       s.role AS role,
       COALESCE(s.role_evidence, '') AS role_evidence,
       h.last_seen AS last_seen,
       h.last_collected_at AS last_collected_at
FROM hosts h
LEFT JOIN gfact_system s ON s.host_id = h.id;

CREATE VIEW v_updates AS
SELECT org_id, host_id, state, collected_at, pending_count,
       security_pending_count, method, lists_refreshed_at, last_install_at,
       automatic_updates, automatic_updates_evidence, reboot_required,
       oldest_security_published_at, security_pending_dated
FROM gfact_updates;

CREATE VIEW v_pending_updates AS
SELECT f.org_id, f.host_id, f.state, f.collected_at, u.name,
       u.installed_version, u.candidate_version, u.security, u.origin,
       u.severity, u.published_at
FROM gfact_updates f JOIN gfact_pending_updates u ON u.host_id = f.host_id;

CREATE VIEW v_antivirus AS
SELECT org_id, host_id, state, collected_at, product_count
FROM gfact_antivirus;

CREATE VIEW v_antivirus_products AS
SELECT f.org_id, f.host_id, f.state, f.collected_at, p.product_index, p.name,
       p.vendor, p.engine_version, p.definitions_version,
       p.definitions_updated_at, p.definitions_age_hours, p.enabled,
       p.realtime_protection, p.definitions_up_to_date, p.updater_configured,
       p.source
FROM gfact_antivirus f
JOIN gfact_antivirus_products p ON p.host_id = f.host_id;

CREATE VIEW v_usb_storage AS
SELECT org_id, host_id, state, collected_at, effective_policy,
       decisive_source, decisive_setting, attached_storage_count
FROM gfact_usb_storage;

CREATE VIEW v_wifi AS
SELECT org_id, host_id, state, collected_at, adapter_count, connected,
       current_unknown, profile_count
FROM gfact_wifi;

CREATE VIEW v_wifi_networks AS
SELECT f.org_id, f.host_id, f.state, f.collected_at, n.is_current, n.ssid,
       n.security, n.enterprise, n.cipher, n.auto_connect, n.hidden, n.source
FROM gfact_wifi f JOIN gfact_wifi_networks n ON n.host_id = f.host_id;

CREATE VIEW v_password_policy AS
SELECT org_id, host_id, state, collected_at, min_length, max_age_days,
       history_length, min_classes, complexity_required, lockout_threshold,
       lockout_duration_seconds, hash_method,
       accounts_without_password_count, accounts_without_password
FROM gfact_password_policy;

CREATE VIEW v_screen_lock AS
SELECT org_id, host_id, state, collected_at, enabled, idle_timeout_seconds,
       password_required, lock_on_resume, enforced_by_policy, source
FROM gfact_screen_lock;

CREATE VIEW v_disk_volumes AS
SELECT f.org_id, f.host_id, f.state, f.collected_at, v.device,
       v.mount_point, v.encryption, v.technology, v.method, v.system_volume,
       v.removable
FROM gfact_disk_encryption f
JOIN gfact_disk_volumes v ON v.host_id = f.host_id;

CREATE VIEW v_disk_encryption AS
SELECT org_id, host_id, state, collected_at, volume_count,
       system_volume_encryption, system_volume_device
FROM gfact_disk_encryption;

CREATE VIEW v_firewall AS
SELECT org_id, host_id, state, collected_at, active, product,
       default_inbound, rule_count
FROM gfact_firewall;

CREATE VIEW v_remote_access AS
SELECT org_id, host_id, state, collected_at, ssh_installed, ssh_running,
       ssh_password_authentication, ssh_permit_root_login, ssh_port,
       rdp_enabled, rdp_nla_required, rdp_port, vnc_servers, remote_tools
FROM gfact_remote_access;
)sql";

}  // namespace mamori::store::grading_schema
