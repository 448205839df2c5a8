// The grading module's first step: the fact views as first shipped (over the
// stored JSON), the reference tables and the grading tables. Shipped: never
// edited; later steps change what needs changing.

#include "collector/store/sqlite/grading_schema_steps.h"

namespace mamori::store::grading_schema {

// Step 1: the fact views, the reference tables and the grading tables.
//
// Views are the stable contract of check queries: columns are only ever
// added. Booleans are 1/0 with NULL for "unknown" where the proto field has
// presence, and 1/0 (never NULL) where it has none (protobuf JSON omits
// false). Enum names are shortened to lower case; an unset or unknown enum
// value is NULL, never a compliant value.
constexpr std::string_view kGradingStep1 = R"sql(
CREATE VIEW v_family_state AS
SELECT org_id, host_id, family,
       CASE state
         WHEN 'STATUS_OK' THEN 'ok'
         WHEN 'STATUS_UNSUPPORTED' THEN 'unsupported'
         WHEN 'STATUS_PERMISSION_DENIED' THEN 'permission_denied'
         WHEN 'STATUS_NOT_APPLICABLE' THEN 'not_applicable'
         ELSE 'error'
       END AS state,
       collected_at, payload_json
FROM host_facts;

CREATE VIEW v_hosts AS
SELECT h.id AS host_id, h.org_id AS org_id, h.hostname AS hostname,
       f.state AS system_state, f.collected_at AS system_collected_at,
       CASE json_extract(f.payload_json, '$.os_family')
         WHEN 'OS_FAMILY_LINUX' THEN 'linux'
         WHEN 'OS_FAMILY_WINDOWS' THEN 'windows'
         WHEN 'OS_FAMILY_MACOS' THEN 'macos'
       END AS platform,
       COALESCE(json_extract(f.payload_json, '$.os_id'), '') AS os_id,
       COALESCE(json_extract(f.payload_json, '$.os_name'), h.os_name) AS os_name,
       COALESCE(json_extract(f.payload_json, '$.os_version'), h.os_version)
         AS os_version,
       COALESCE(json_extract(f.payload_json, '$.os_codename'), '') AS os_codename,
       COALESCE(json_extract(f.payload_json, '$.os_edition'), '') AS os_edition,
       COALESCE(json_extract(f.payload_json, '$.os_build'), 0) AS os_build,
       COALESCE(json_extract(f.payload_json, '$.os_like'), '') AS os_like,
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
       COALESCE(json_extract(f.payload_json, '$.role_evidence'), '') AS role_evidence,
       h.last_seen AS last_seen,
       h.last_collected_at AS last_collected_at
FROM hosts h
LEFT JOIN v_family_state f ON f.host_id = h.id AND f.family = 'system';

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

CREATE VIEW v_updates AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
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
       (SELECT MIN(unixepoch(json_extract(u.value, '$.published_at')))
          FROM json_each(f.payload_json, '$.pending') u
         WHERE json_extract(u.value, '$.security') = 1) AS oldest_security_published_at,
       (SELECT COUNT(*) FROM json_each(f.payload_json, '$.pending') u
         WHERE json_extract(u.value, '$.security') = 1
           AND json_extract(u.value, '$.published_at') IS NOT NULL)
         AS security_pending_dated
FROM v_family_state f WHERE f.family = 'updates';

CREATE VIEW v_pending_updates AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_extract(u.value, '$.name'), '') AS name,
       COALESCE(json_extract(u.value, '$.installed_version'), '') AS installed_version,
       COALESCE(json_extract(u.value, '$.candidate_version'), '') AS candidate_version,
       COALESCE(json_extract(u.value, '$.security'), 0) AS security,
       COALESCE(json_extract(u.value, '$.origin'), '') AS origin,
       COALESCE(json_extract(u.value, '$.severity'), '') AS severity,
       unixepoch(json_extract(u.value, '$.published_at')) AS published_at
FROM v_family_state f, json_each(f.payload_json, '$.pending') u
WHERE f.family = 'updates';

CREATE VIEW v_packages AS
SELECT hp.org_id, hp.host_id, p.name, p.version, p.architecture,
       CASE p.source
         WHEN 'PACKAGE_SOURCE_DPKG' THEN 'dpkg'
         WHEN 'PACKAGE_SOURCE_RPM' THEN 'rpm'
         WHEN 'PACKAGE_SOURCE_WINDOWS_UNINSTALL' THEN 'windows_uninstall'
         WHEN 'PACKAGE_SOURCE_WINDOWS_APPX' THEN 'windows_appx'
       END AS source,
       p.publisher, hp.scope, hp.install_time
FROM host_packages hp JOIN packages p ON p.id = hp.package_id;

CREATE VIEW v_antivirus AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.products'), 0) AS product_count
FROM v_family_state f WHERE f.family = 'antivirus';

CREATE VIEW v_antivirus_products AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
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
FROM v_family_state f, json_each(f.payload_json, '$.products') p
WHERE f.family = 'antivirus';

CREATE VIEW v_usb_storage AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       CASE json_extract(f.payload_json, '$.effective_policy')
         WHEN 'USB_STORAGE_POLICY_ALLOWED' THEN 'allowed'
         WHEN 'USB_STORAGE_POLICY_READ_ONLY' THEN 'read_only'
         WHEN 'USB_STORAGE_POLICY_BLOCKED' THEN 'blocked'
       END AS effective_policy,
       (SELECT json_extract(e.value, '$.source')
          FROM json_each(f.payload_json, '$.evidence') e
         WHERE json_extract(e.value, '$.decisive') = 1 LIMIT 1) AS decisive_source,
       (SELECT json_extract(e.value, '$.setting')
          FROM json_each(f.payload_json, '$.evidence') e
         WHERE json_extract(e.value, '$.decisive') = 1 LIMIT 1) AS decisive_setting,
       COALESCE(json_array_length(f.payload_json, '$.attached_storage'), 0)
         AS attached_storage_count
FROM v_family_state f WHERE f.family = 'usb_storage';

CREATE VIEW v_wifi AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.adapters'), 0) AS adapter_count,
       CASE WHEN json_type(f.payload_json, '$.current') = 'object' THEN 1 ELSE 0 END
         AS connected,
       COALESCE(json_extract(f.payload_json, '$.current_unknown'), 0) AS current_unknown,
       COALESCE(json_array_length(f.payload_json, '$.profiles'), 0) AS profile_count
FROM v_family_state f WHERE f.family = 'wifi';

CREATE VIEW v_wifi_networks AS
SELECT n.org_id, n.host_id, n.state, n.collected_at, n.is_current,
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
  SELECT f.org_id, f.host_id, f.state, f.collected_at, 1 AS is_current,
         json_extract(f.payload_json, '$.current') AS net
    FROM v_family_state f
   WHERE f.family = 'wifi' AND json_type(f.payload_json, '$.current') = 'object'
  UNION ALL
  SELECT f.org_id, f.host_id, f.state, f.collected_at, 0 AS is_current, p.value AS net
    FROM v_family_state f, json_each(f.payload_json, '$.profiles') p
   WHERE f.family = 'wifi'
) n;

CREATE VIEW v_password_policy AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
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
FROM v_family_state f WHERE f.family = 'password_policy';

CREATE VIEW v_screen_lock AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       json_extract(f.payload_json, '$.enabled') AS enabled,
       json_extract(f.payload_json, '$.idle_timeout_seconds') AS idle_timeout_seconds,
       json_extract(f.payload_json, '$.password_required') AS password_required,
       json_extract(f.payload_json, '$.lock_on_resume') AS lock_on_resume,
       COALESCE(json_extract(f.payload_json, '$.enforced_by_policy'), 0)
         AS enforced_by_policy,
       COALESCE(json_extract(f.payload_json, '$.source'), '') AS source
FROM v_family_state f WHERE f.family = 'screen_lock';

CREATE VIEW v_disk_volumes AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
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
FROM v_family_state f, json_each(f.payload_json, '$.volumes') v
WHERE f.family = 'disk_encryption';

CREATE VIEW v_disk_encryption AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       COALESCE(json_array_length(f.payload_json, '$.volumes'), 0) AS volume_count,
       (SELECT CASE json_extract(v.value, '$.state')
                 WHEN 'ENCRYPTION_STATE_ENCRYPTED' THEN 'encrypted'
                 WHEN 'ENCRYPTION_STATE_NOT_ENCRYPTED' THEN 'not_encrypted'
                 WHEN 'ENCRYPTION_STATE_ENCRYPTING' THEN 'encrypting'
                 WHEN 'ENCRYPTION_STATE_DECRYPTING' THEN 'decrypting'
                 WHEN 'ENCRYPTION_STATE_SUSPENDED' THEN 'suspended'
               END
          FROM json_each(f.payload_json, '$.volumes') v
         WHERE json_extract(v.value, '$.system_volume') = 1 LIMIT 1)
         AS system_volume_encryption,
       (SELECT json_extract(v.value, '$.device')
          FROM json_each(f.payload_json, '$.volumes') v
         WHERE json_extract(v.value, '$.system_volume') = 1 LIMIT 1)
         AS system_volume_device
FROM v_family_state f WHERE f.family = 'disk_encryption';

CREATE VIEW v_firewall AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
       json_extract(f.payload_json, '$.active') AS active,
       COALESCE(json_extract(f.payload_json, '$.product'), '') AS product,
       CASE json_extract(f.payload_json, '$.default_inbound')
         WHEN 'FIREWALL_ACTION_ACCEPT' THEN 'accept'
         WHEN 'FIREWALL_ACTION_DROP' THEN 'drop'
         WHEN 'FIREWALL_ACTION_REJECT' THEN 'reject'
       END AS default_inbound,
       COALESCE(json_extract(f.payload_json, '$.rule_count'), 0) AS rule_count
FROM v_family_state f WHERE f.family = 'firewall';

CREATE VIEW v_remote_access AS
SELECT f.org_id, f.host_id, f.state, f.collected_at,
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
FROM v_family_state f WHERE f.family = 'remote_access';

-- Reference data from policies/end_of_support.yaml, replaced as a whole when
-- the file changes. Not per organisation: it describes vendors' products.
CREATE TABLE grading_end_of_support (
  product   TEXT NOT NULL,              -- windows, windows_server, office, debian, ubuntu, rhel, …
  match_key TEXT NOT NULL,              -- Windows build, Office year, distribution version
  edition   TEXT NOT NULL DEFAULT '',   -- home_pro, enterprise, ltsc; '' = every edition
  label     TEXT NOT NULL,
  ends_on   TEXT NOT NULL,              -- YYYY-MM-DD, supported through that day
  PRIMARY KEY (product, match_key, edition)
);
CREATE TABLE grading_browser_minimums (
  browser         TEXT NOT NULL,        -- firefox, chrome, edge, …
  package_pattern TEXT NOT NULL,        -- SQL LIKE pattern on the package name
  min_major       INTEGER NOT NULL,
  as_of           TEXT NOT NULL,        -- YYYY-MM-DD the minimum was true
  PRIMARY KEY (browser, package_pattern)
);

-- Current result per host and check. status_since: when the current status
-- began (for "unknown for more than N days").
CREATE TABLE check_results (
  org_id         INTEGER NOT NULL REFERENCES organizations(id),
  host_id        INTEGER NOT NULL REFERENCES hosts(id),
  check_id       TEXT NOT NULL,
  status         TEXT NOT NULL,
  evidence_json  TEXT NOT NULL,
  collected_at   INTEGER,
  status_since   INTEGER NOT NULL,
  evaluated_at   INTEGER NOT NULL,
  policy_version TEXT NOT NULL,
  PRIMARY KEY (host_id, check_id)
);
CREATE INDEX check_results_org ON check_results(org_id, check_id);

-- One row each time a host's result for a check changed status or evidence.
CREATE TABLE check_result_history (
  id             INTEGER PRIMARY KEY,
  org_id         INTEGER NOT NULL REFERENCES organizations(id),
  host_id        INTEGER NOT NULL REFERENCES hosts(id),
  check_id       TEXT NOT NULL,
  status         TEXT NOT NULL,
  evidence_json  TEXT NOT NULL,
  collected_at   INTEGER,
  evaluated_at   INTEGER NOT NULL,
  policy_version TEXT NOT NULL
);
CREATE INDEX check_result_history_host ON check_result_history(host_id, check_id, evaluated_at);
CREATE INDEX check_result_history_org ON check_result_history(org_id, evaluated_at);

-- A snapshot of the organisation's grades after each evaluation, for trends.
CREATE TABLE grade_history (
  id             INTEGER PRIMARY KEY,
  org_id         INTEGER NOT NULL REFERENCES organizations(id),
  evaluated_at   INTEGER NOT NULL,
  policy_version TEXT NOT NULL,
  overall        TEXT NOT NULL,         -- A..D, '' when nothing graded
  rules_json     TEXT NOT NULL          -- {"antivirus": "B", …}
);
CREATE INDEX grade_history_org ON grade_history(org_id, evaluated_at);

-- Questionnaire answers with history: the current answer of an item is the
-- row with superseded_at NULL.
CREATE TABLE questionnaire_answers (
  id            INTEGER PRIMARY KEY,
  org_id        INTEGER NOT NULL REFERENCES organizations(id),
  questionnaire TEXT NOT NULL,          -- second_diagnosis, first_diagnosis, ipa
  item          TEXT NOT NULL,          -- rule id, question id or IPA item number
  answer_json   TEXT NOT NULL,
  answered_by   TEXT NOT NULL,
  answered_at   INTEGER NOT NULL,
  superseded_at INTEGER
);
CREATE INDEX questionnaire_answers_current
  ON questionnaire_answers(org_id, questionnaire, item, superseded_at);

-- Per-organisation grading settings (thresholds) and check parameter
-- overrides, with who set them and when.
CREATE TABLE grading_settings (
  org_id  INTEGER NOT NULL REFERENCES organizations(id),
  name    TEXT NOT NULL,
  value   TEXT NOT NULL,
  set_by  TEXT NOT NULL,
  set_at  INTEGER NOT NULL,
  PRIMARY KEY (org_id, name)
);
CREATE TABLE check_parameters (
  org_id   INTEGER NOT NULL REFERENCES organizations(id),
  check_id TEXT NOT NULL,
  name     TEXT NOT NULL,
  value    TEXT NOT NULL,
  set_by   TEXT NOT NULL,
  set_at   INTEGER NOT NULL,
  PRIMARY KEY (org_id, check_id, name)
);

-- The last custom policy set that validated, so a broken edit never replaces
-- it. sources_json: [{"name": …, "text": …}].
CREATE TABLE custom_policy_sets (
  id           INTEGER PRIMARY KEY,
  version      TEXT NOT NULL,
  sources_json TEXT NOT NULL,
  loaded_at    INTEGER NOT NULL
);
)sql";

}  // namespace mamori::store::grading_schema
