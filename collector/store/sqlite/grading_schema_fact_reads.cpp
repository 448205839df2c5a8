// The grading module's steps 3, 4 and 6: how the fact tables of step 2 are
// read and refreshed (collected_at through a covering index, one host
// refreshed with =, collection times from core's fact_collected). Shipped:
// never edited.

#include "collector/store/sqlite/grading_schema_steps.h"

namespace mamori::store::grading_schema {

// Step 3: collected_at read from host_facts through a covering index
// instead of copied by ten triggers on every report.
constexpr std::string_view kGradingStep3 = R"sql(
-- Step 2's per-family touch triggers cost about 13 us per touched family
-- (SQLite runs every trigger of the event as a sub-program before looking at
-- its WHEN clause: ten per touch), which tripled the store's CPU per steady
-- report (grading_bench BmIngest). collected_at changes with every report
-- while payloads rarely do, so it is no longer copied: the views read it
-- from host_facts through this covering index, one index seek per row, and
-- a touch updates one index entry instead of running ten triggers.
CREATE INDEX gfact_host_facts_collected
  ON host_facts(host_id, family, collected_at);

DROP TRIGGER gfact_system_touch;
DROP TRIGGER gfact_updates_touch;
DROP TRIGGER gfact_antivirus_touch;
DROP TRIGGER gfact_usb_storage_touch;
DROP TRIGGER gfact_wifi_touch;
DROP TRIGGER gfact_password_policy_touch;
DROP TRIGGER gfact_screen_lock_touch;
DROP TRIGGER gfact_disk_encryption_touch;
DROP TRIGGER gfact_firewall_touch;
DROP TRIGGER gfact_remote_access_touch;

-- v_os_lifecycle (step 1, unchanged) reads v_hosts: dropped so that the
-- columns can be dropped, and created again below.
DROP VIEW v_os_lifecycle;
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

-- The extraction views and tables without collected_at.
DROP VIEW gfact_system_src;
CREATE VIEW gfact_system_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_system DROP COLUMN collected_at;
DROP VIEW gfact_updates_src;
CREATE VIEW gfact_updates_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_updates DROP COLUMN collected_at;
DROP VIEW gfact_antivirus_src;
CREATE VIEW gfact_antivirus_src AS
SELECT f.host_id, f.org_id, f.state,
       COALESCE(json_array_length(f.payload_json, '$.products'), 0) AS product_count
FROM v_family_state f
WHERE f.family = 'antivirus' AND json_valid(f.payload_json);
ALTER TABLE gfact_antivirus DROP COLUMN collected_at;
DROP VIEW gfact_usb_storage_src;
CREATE VIEW gfact_usb_storage_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_usb_storage DROP COLUMN collected_at;
DROP VIEW gfact_wifi_src;
CREATE VIEW gfact_wifi_src AS
SELECT f.host_id, f.org_id, f.state,
       COALESCE(json_array_length(f.payload_json, '$.adapters'), 0) AS adapter_count,
       CASE WHEN json_type(f.payload_json, '$.current') = 'object' THEN 1 ELSE 0 END
         AS connected,
       COALESCE(json_extract(f.payload_json, '$.current_unknown'), 0) AS current_unknown,
       COALESCE(json_array_length(f.payload_json, '$.profiles'), 0) AS profile_count
FROM v_family_state f
WHERE f.family = 'wifi' AND json_valid(f.payload_json);
ALTER TABLE gfact_wifi DROP COLUMN collected_at;
DROP VIEW gfact_password_policy_src;
CREATE VIEW gfact_password_policy_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_password_policy DROP COLUMN collected_at;
DROP VIEW gfact_screen_lock_src;
CREATE VIEW gfact_screen_lock_src AS
SELECT f.host_id, f.org_id, f.state,
       json_extract(f.payload_json, '$.enabled') AS enabled,
       json_extract(f.payload_json, '$.idle_timeout_seconds') AS idle_timeout_seconds,
       json_extract(f.payload_json, '$.password_required') AS password_required,
       json_extract(f.payload_json, '$.lock_on_resume') AS lock_on_resume,
       COALESCE(json_extract(f.payload_json, '$.enforced_by_policy'), 0)
         AS enforced_by_policy,
       COALESCE(json_extract(f.payload_json, '$.source'), '') AS source
FROM v_family_state f
WHERE f.family = 'screen_lock' AND json_valid(f.payload_json);
ALTER TABLE gfact_screen_lock DROP COLUMN collected_at;
DROP VIEW gfact_disk_encryption_src;
CREATE VIEW gfact_disk_encryption_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_disk_encryption DROP COLUMN collected_at;
DROP VIEW gfact_firewall_src;
CREATE VIEW gfact_firewall_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_firewall DROP COLUMN collected_at;
DROP VIEW gfact_remote_access_src;
CREATE VIEW gfact_remote_access_src AS
SELECT f.host_id, f.org_id, f.state,
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
ALTER TABLE gfact_remote_access DROP COLUMN collected_at;

-- The documented views; collected_at comes from host_facts.
-- The documented views, same names, columns and order as step 1.
CREATE VIEW v_hosts AS
SELECT h.id AS host_id, h.org_id AS org_id, h.hostname AS hostname,
       s.state AS system_state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = s.host_id AND x.family = 'system')
         AS system_collected_at,
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
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'updates')
         AS collected_at, pending_count,
       security_pending_count, method, lists_refreshed_at, last_install_at,
       automatic_updates, automatic_updates_evidence, reboot_required,
       oldest_security_published_at, security_pending_dated
FROM gfact_updates g;
CREATE VIEW v_pending_updates AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = f.host_id AND x.family = 'updates')
         AS collected_at, u.name,
       u.installed_version, u.candidate_version, u.security, u.origin,
       u.severity, u.published_at
FROM gfact_updates f JOIN gfact_pending_updates u ON u.host_id = f.host_id;
CREATE VIEW v_antivirus AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'antivirus')
         AS collected_at, product_count
FROM gfact_antivirus g;
CREATE VIEW v_antivirus_products AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = f.host_id AND x.family = 'antivirus')
         AS collected_at, p.product_index, p.name,
       p.vendor, p.engine_version, p.definitions_version,
       p.definitions_updated_at, p.definitions_age_hours, p.enabled,
       p.realtime_protection, p.definitions_up_to_date, p.updater_configured,
       p.source
FROM gfact_antivirus f
JOIN gfact_antivirus_products p ON p.host_id = f.host_id;
CREATE VIEW v_usb_storage AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'usb_storage')
         AS collected_at, effective_policy,
       decisive_source, decisive_setting, attached_storage_count
FROM gfact_usb_storage g;
CREATE VIEW v_wifi AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'wifi')
         AS collected_at, adapter_count, connected,
       current_unknown, profile_count
FROM gfact_wifi g;
CREATE VIEW v_wifi_networks AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = f.host_id AND x.family = 'wifi')
         AS collected_at, n.is_current, n.ssid,
       n.security, n.enterprise, n.cipher, n.auto_connect, n.hidden, n.source
FROM gfact_wifi f JOIN gfact_wifi_networks n ON n.host_id = f.host_id;
CREATE VIEW v_password_policy AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'password_policy')
         AS collected_at, min_length, max_age_days,
       history_length, min_classes, complexity_required, lockout_threshold,
       lockout_duration_seconds, hash_method,
       accounts_without_password_count, accounts_without_password
FROM gfact_password_policy g;
CREATE VIEW v_screen_lock AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'screen_lock')
         AS collected_at, enabled, idle_timeout_seconds,
       password_required, lock_on_resume, enforced_by_policy, source
FROM gfact_screen_lock g;
CREATE VIEW v_disk_volumes AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = f.host_id AND x.family = 'disk_encryption')
         AS collected_at, v.device,
       v.mount_point, v.encryption, v.technology, v.method, v.system_volume,
       v.removable
FROM gfact_disk_encryption f
JOIN gfact_disk_volumes v ON v.host_id = f.host_id;
CREATE VIEW v_disk_encryption AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'disk_encryption')
         AS collected_at, volume_count,
       system_volume_encryption, system_volume_device
FROM gfact_disk_encryption g;
CREATE VIEW v_firewall AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'firewall')
         AS collected_at, active, product,
       default_inbound, rule_count
FROM gfact_firewall g;
CREATE VIEW v_remote_access AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM host_facts x INDEXED BY gfact_host_facts_collected
         WHERE x.host_id = g.host_id AND x.family = 'remote_access')
         AS collected_at, ssh_installed, ssh_running,
       ssh_password_authentication, ssh_permit_root_login, ssh_port,
       rdp_enabled, rdp_nla_required, rdp_port, vnc_servers, remote_tools
FROM gfact_remote_access g;

CREATE VIEW v_os_lifecycle AS
SELECT host_id, org_id, system_state, system_collected_at, os_name, os_version,
       os_edition, os_build,
       CASE
         WHEN platform = 'windows'
              AND (os_edition LIKE 'Server%' OR os_name LIKE '%Server%')
           THEN 'windows_server'
         WHEN platform = 'windows' THEN 'windows'
         ELSE os_id
       END AS product,
       CASE
         WHEN platform = 'windows' THEN CAST(os_build AS TEXT)
         WHEN os_id = 'ubuntu' THEN os_version
         WHEN instr(os_version, '.') > 0
           THEN substr(os_version, 1, instr(os_version, '.') - 1)
         ELSE os_version
       END AS match_key,
       CASE
         WHEN platform IS NOT 'windows' THEN ''
         WHEN os_edition LIKE 'Server%' OR os_name LIKE '%Server%' THEN ''
         WHEN os_edition LIKE '%EnterpriseS%' THEN 'ltsc'
         WHEN os_edition LIKE 'Enterprise%' OR os_edition LIKE 'Education%'
              OR os_edition LIKE 'IoTEnterprise%' THEN 'enterprise'
         WHEN os_edition = '' THEN NULL
         ELSE 'home_pro'
       END AS edition_class
FROM v_hosts;
)sql";

// Step 4: a changed payload refreshes its host with =, not IN (…).
constexpr std::string_view kGradingStep4 = R"sql(
-- Step 2's update triggers matched host_id IN (OLD.host_id, NEW.host_id) to
-- follow key changes too; SQLite builds an ephemeral index for every such
-- IN, which made a stored changed payload cost 80 us instead of 40. A
-- changed payload or state (what the store does) now refreshes the one host
-- with =; key changes (nothing does them today) keep the IN form in their
-- own triggers, which the store's statements never fire.
DROP TRIGGER gfact_system_update;
CREATE TRIGGER gfact_system_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'system' BEGIN
  DELETE FROM gfact_system WHERE host_id = NEW.host_id;
  INSERT INTO gfact_system SELECT * FROM gfact_system_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_system_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'system' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_system WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_system SELECT * FROM gfact_system_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_updates_update;
CREATE TRIGGER gfact_updates_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'updates' BEGIN
  DELETE FROM gfact_updates WHERE host_id = NEW.host_id;
  INSERT INTO gfact_updates SELECT * FROM gfact_updates_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_pending_updates WHERE host_id = NEW.host_id;
  INSERT INTO gfact_pending_updates SELECT * FROM gfact_pending_updates_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_updates_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'updates' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_updates WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_updates SELECT * FROM gfact_updates_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_pending_updates WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_pending_updates SELECT * FROM gfact_pending_updates_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_antivirus_update;
CREATE TRIGGER gfact_antivirus_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'antivirus' BEGIN
  DELETE FROM gfact_antivirus WHERE host_id = NEW.host_id;
  INSERT INTO gfact_antivirus SELECT * FROM gfact_antivirus_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_antivirus_products WHERE host_id = NEW.host_id;
  INSERT INTO gfact_antivirus_products SELECT * FROM gfact_antivirus_products_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_antivirus_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'antivirus' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_antivirus WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_antivirus SELECT * FROM gfact_antivirus_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_antivirus_products WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_antivirus_products SELECT * FROM gfact_antivirus_products_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_usb_storage_update;
CREATE TRIGGER gfact_usb_storage_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'usb_storage' BEGIN
  DELETE FROM gfact_usb_storage WHERE host_id = NEW.host_id;
  INSERT INTO gfact_usb_storage SELECT * FROM gfact_usb_storage_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_usb_storage_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'usb_storage' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_usb_storage WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_usb_storage SELECT * FROM gfact_usb_storage_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_wifi_update;
CREATE TRIGGER gfact_wifi_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'wifi' BEGIN
  DELETE FROM gfact_wifi WHERE host_id = NEW.host_id;
  INSERT INTO gfact_wifi SELECT * FROM gfact_wifi_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_wifi_networks WHERE host_id = NEW.host_id;
  INSERT INTO gfact_wifi_networks SELECT * FROM gfact_wifi_networks_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_wifi_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'wifi' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_wifi WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_wifi SELECT * FROM gfact_wifi_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_wifi_networks WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_wifi_networks SELECT * FROM gfact_wifi_networks_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_password_policy_update;
CREATE TRIGGER gfact_password_policy_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'password_policy' BEGIN
  DELETE FROM gfact_password_policy WHERE host_id = NEW.host_id;
  INSERT INTO gfact_password_policy SELECT * FROM gfact_password_policy_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_password_policy_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'password_policy' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_password_policy WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_password_policy SELECT * FROM gfact_password_policy_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_screen_lock_update;
CREATE TRIGGER gfact_screen_lock_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'screen_lock' BEGIN
  DELETE FROM gfact_screen_lock WHERE host_id = NEW.host_id;
  INSERT INTO gfact_screen_lock SELECT * FROM gfact_screen_lock_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_screen_lock_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'screen_lock' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_screen_lock WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_screen_lock SELECT * FROM gfact_screen_lock_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_disk_encryption_update;
CREATE TRIGGER gfact_disk_encryption_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'disk_encryption' BEGIN
  DELETE FROM gfact_disk_encryption WHERE host_id = NEW.host_id;
  INSERT INTO gfact_disk_encryption SELECT * FROM gfact_disk_encryption_src WHERE host_id = NEW.host_id;
  DELETE FROM gfact_disk_volumes WHERE host_id = NEW.host_id;
  INSERT INTO gfact_disk_volumes SELECT * FROM gfact_disk_volumes_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_disk_encryption_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'disk_encryption' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_disk_encryption WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_disk_encryption SELECT * FROM gfact_disk_encryption_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
  DELETE FROM gfact_disk_volumes WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_disk_volumes SELECT * FROM gfact_disk_volumes_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_firewall_update;
CREATE TRIGGER gfact_firewall_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'firewall' BEGIN
  DELETE FROM gfact_firewall WHERE host_id = NEW.host_id;
  INSERT INTO gfact_firewall SELECT * FROM gfact_firewall_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_firewall_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'firewall' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_firewall WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_firewall SELECT * FROM gfact_firewall_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
DROP TRIGGER gfact_remote_access_update;
CREATE TRIGGER gfact_remote_access_update AFTER UPDATE OF state, payload_json ON host_facts
WHEN NEW.family = 'remote_access' BEGIN
  DELETE FROM gfact_remote_access WHERE host_id = NEW.host_id;
  INSERT INTO gfact_remote_access SELECT * FROM gfact_remote_access_src WHERE host_id = NEW.host_id;
END;
CREATE TRIGGER gfact_remote_access_rekey AFTER UPDATE OF org_id, host_id, family ON host_facts
WHEN 'remote_access' IN (OLD.family, NEW.family) BEGIN
  DELETE FROM gfact_remote_access WHERE host_id IN (OLD.host_id, NEW.host_id);
  INSERT INTO gfact_remote_access SELECT * FROM gfact_remote_access_src
   WHERE host_id IN (OLD.host_id, NEW.host_id);
END;
)sql";

// v6: collection times come from core's fact_collected (core migration
// 4: a report vouching for every family stamps the host instead of
// rewriting each family's row). The covering index gains written_report,
// which fact_collected compares with the host's stamp; the views that
// read collected_at through it are recreated with their columns,
// column order and everything else as in v5.
constexpr std::string_view kGradingStep6 = R"sql(
DROP INDEX gfact_host_facts_collected;
CREATE INDEX gfact_host_facts_collected
  ON host_facts(host_id, family, collected_at, written_report);

DROP VIEW v_family_state;
CREATE VIEW v_family_state AS
SELECT f.org_id, f.host_id, f.family,
       CASE f.state
         WHEN 'STATUS_OK' THEN 'ok'
         WHEN 'STATUS_UNSUPPORTED' THEN 'unsupported'
         WHEN 'STATUS_PERMISSION_DENIED' THEN 'permission_denied'
         WHEN 'STATUS_NOT_APPLICABLE' THEN 'not_applicable'
         ELSE 'error'
       END AS state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = f.host_id AND x.family = f.family) AS collected_at,
       f.payload_json
FROM host_facts f;

DROP VIEW v_hosts;
CREATE VIEW v_hosts AS
SELECT h.id AS host_id, h.org_id AS org_id, h.hostname AS hostname,
       s.state AS system_state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = s.host_id AND x.family = 'system')
         AS system_collected_at,
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
DROP VIEW v_updates;
CREATE VIEW v_updates AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'updates')
         AS collected_at, pending_count,
       security_pending_count, method, lists_refreshed_at, last_install_at,
       automatic_updates, automatic_updates_evidence, reboot_required,
       oldest_security_published_at, security_pending_dated
FROM gfact_updates g;
DROP VIEW v_pending_updates;
CREATE VIEW v_pending_updates AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = f.host_id AND x.family = 'updates')
         AS collected_at, u.name,
       u.installed_version, u.candidate_version, u.security, u.origin,
       u.severity, u.published_at
FROM gfact_updates f JOIN gfact_pending_updates u ON u.host_id = f.host_id;
DROP VIEW v_antivirus;
CREATE VIEW v_antivirus AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'antivirus')
         AS collected_at, product_count
FROM gfact_antivirus g;
DROP VIEW v_antivirus_products;
CREATE VIEW v_antivirus_products AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = f.host_id AND x.family = 'antivirus')
         AS collected_at, p.product_index, p.name,
       p.vendor, p.engine_version, p.definitions_version,
       p.definitions_updated_at, p.definitions_age_hours, p.enabled,
       p.realtime_protection, p.definitions_up_to_date, p.updater_configured,
       p.source
FROM gfact_antivirus f
JOIN gfact_antivirus_products p ON p.host_id = f.host_id;
DROP VIEW v_usb_storage;
CREATE VIEW v_usb_storage AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'usb_storage')
         AS collected_at, effective_policy,
       decisive_source, decisive_setting, attached_storage_count
FROM gfact_usb_storage g;
DROP VIEW v_wifi;
CREATE VIEW v_wifi AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'wifi')
         AS collected_at, adapter_count, connected,
       current_unknown, profile_count
FROM gfact_wifi g;
DROP VIEW v_wifi_networks;
CREATE VIEW v_wifi_networks AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = f.host_id AND x.family = 'wifi')
         AS collected_at, n.is_current, n.ssid,
       n.security, n.enterprise, n.cipher, n.auto_connect, n.hidden, n.source
FROM gfact_wifi f JOIN gfact_wifi_networks n ON n.host_id = f.host_id;
DROP VIEW v_password_policy;
CREATE VIEW v_password_policy AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'password_policy')
         AS collected_at, min_length, max_age_days,
       history_length, min_classes, complexity_required, lockout_threshold,
       lockout_duration_seconds, hash_method,
       accounts_without_password_count, accounts_without_password
FROM gfact_password_policy g;
DROP VIEW v_screen_lock;
CREATE VIEW v_screen_lock AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'screen_lock')
         AS collected_at, enabled, idle_timeout_seconds,
       password_required, lock_on_resume, enforced_by_policy, source
FROM gfact_screen_lock g;
DROP VIEW v_disk_volumes;
CREATE VIEW v_disk_volumes AS
SELECT f.org_id, f.host_id, f.state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = f.host_id AND x.family = 'disk_encryption')
         AS collected_at, v.device,
       v.mount_point, v.encryption, v.technology, v.method, v.system_volume,
       v.removable
FROM gfact_disk_encryption f
JOIN gfact_disk_volumes v ON v.host_id = f.host_id;
DROP VIEW v_disk_encryption;
CREATE VIEW v_disk_encryption AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'disk_encryption')
         AS collected_at, volume_count,
       system_volume_encryption, system_volume_device
FROM gfact_disk_encryption g;
DROP VIEW v_firewall;
CREATE VIEW v_firewall AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'firewall')
         AS collected_at, active, product,
       default_inbound, rule_count
FROM gfact_firewall g;
DROP VIEW v_remote_access;
CREATE VIEW v_remote_access AS
SELECT org_id, host_id, state,
       (SELECT x.collected_at
          FROM fact_collected x
         WHERE x.host_id = g.host_id AND x.family = 'remote_access')
         AS collected_at, ssh_installed, ssh_running,
       ssh_password_authentication, ssh_permit_root_login, ssh_port,
       rdp_enabled, rdp_nla_required, rdp_port, vnc_servers, remote_tools
FROM gfact_remote_access g;
)sql";

}  // namespace mamori::store::grading_schema
