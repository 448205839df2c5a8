#include "collector/store/schema/fact_views.h"

#include <string>

namespace mamori::store {
namespace {

using C = ColumnType;
using X = Extract;

// --- Enum names ------------------------------------------------------------
// An unset or unknown enum value maps to NULL (unknown), never to a
// compliant value.

constexpr EnumName kUpdateMethod[] = {
    {"UPDATE_METHOD_LIBAPT", "libapt"},
    {"UPDATE_METHOD_APT_LISTS", "apt_lists"},
    {"UPDATE_METHOD_DNF", "dnf"},
    {"UPDATE_METHOD_WINDOWS_UPDATE_AGENT", "windows_update_agent"},
};
constexpr EnumName kUsbPolicy[] = {
    {"USB_STORAGE_POLICY_ALLOWED", "allowed"},
    {"USB_STORAGE_POLICY_READ_ONLY", "read_only"},
    {"USB_STORAGE_POLICY_BLOCKED", "blocked"},
};
constexpr EnumName kWifiSecurity[] = {
    {"WIFI_SECURITY_OPEN", "open"}, {"WIFI_SECURITY_WEP", "wep"},
    {"WIFI_SECURITY_WPA", "wpa"},   {"WIFI_SECURITY_WPA2", "wpa2"},
    {"WIFI_SECURITY_WPA3", "wpa3"}, {"WIFI_SECURITY_OWE", "owe"},
};
constexpr EnumName kEncryptionState[] = {
    {"ENCRYPTION_STATE_ENCRYPTED", "encrypted"},
    {"ENCRYPTION_STATE_NOT_ENCRYPTED", "not_encrypted"},
    {"ENCRYPTION_STATE_ENCRYPTING", "encrypting"},
    {"ENCRYPTION_STATE_DECRYPTING", "decrypting"},
    {"ENCRYPTION_STATE_SUSPENDED", "suspended"},
};
constexpr EnumName kFirewallAction[] = {
    {"FIREWALL_ACTION_ACCEPT", "accept"},
    {"FIREWALL_ACTION_DROP", "drop"},
    {"FIREWALL_ACTION_REJECT", "reject"},
};

// --- Columns, one line each (docs/policies.md documents every one) ---------
// Booleans: 1/0/NULL where the proto field has presence (optional), a "0"
// fallback where it has none (protobuf JSON omits false).

constexpr FactColumn kUpdates[] = {
    {"pending_count", C::kInteger, X::kField, "pending_count", "0"},
    {"security_pending_count", C::kInteger, X::kField, "security_pending_count",
     "0"},
    {"method", C::kText, X::kEnum, "method", {}, kUpdateMethod},
    {"lists_refreshed_at", C::kUnixTime, X::kTime, "lists_refreshed_at"},
    {"last_install_at", C::kUnixTime, X::kTime, "last_install_at"},
    {"automatic_updates", C::kBoolean, X::kField, "automatic_updates"},
    {"automatic_updates_evidence", C::kText, X::kField,
     "automatic_updates_evidence", "''"},
    {"reboot_required", C::kBoolean, X::kField, "reboot_required"},
    {.name = "oldest_security_published_at",
     .type = C::kUnixTime,
     .extract = X::kMinTimeWhere,
     .path = "pending",
     .where = "security",
     .of = "published_at"},
    {.name = "security_pending_dated",
     .type = C::kInteger,
     .extract = X::kCountWhere,
     .path = "pending",
     .where = "security",
     .of = "published_at"},
};

constexpr FactColumn kPendingUpdates[] = {
    {"name", C::kText, X::kField, "name", "''"},
    {"installed_version", C::kText, X::kField, "installed_version", "''"},
    {"candidate_version", C::kText, X::kField, "candidate_version", "''"},
    {"security", C::kBoolean, X::kField, "security", "0"},
    {"origin", C::kText, X::kField, "origin", "''"},
    {"severity", C::kText, X::kField, "severity", "''"},
    {"published_at", C::kUnixTime, X::kTime, "published_at"},
};

constexpr FactColumn kAntivirus[] = {
    {"product_count", C::kInteger, X::kCount, "products", "0"},
};

constexpr FactColumn kAntivirusProducts[] = {
    {"product_index", C::kInteger, X::kItemIndex},
    {"name", C::kText, X::kField, "name", "''"},
    {"vendor", C::kText, X::kField, "vendor", "''"},
    {"engine_version", C::kText, X::kField, "engine_version", "''"},
    {"definitions_version", C::kText, X::kField, "definitions_version", "''"},
    {"definitions_updated_at", C::kUnixTime, X::kTime,
     "definitions_updated_at"},
    {"definitions_age_hours", C::kInteger, X::kField, "definitions_age_hours"},
    {"enabled", C::kBoolean, X::kField, "enabled"},
    {"realtime_protection", C::kBoolean, X::kField, "realtime_protection"},
    {"definitions_up_to_date", C::kBoolean, X::kField,
     "definitions_up_to_date"},
    {"updater_configured", C::kBoolean, X::kField, "updater_configured"},
    {"source", C::kText, X::kField, "source", "''"},
};

constexpr FactColumn kUsbStorage[] = {
    {"effective_policy",
     C::kText,
     X::kEnum,
     "effective_policy",
     {},
     kUsbPolicy},
    {.name = "decisive_source",
     .type = C::kText,
     .extract = X::kFirstWhere,
     .path = "evidence",
     .where = "decisive",
     .of = "source"},
    {.name = "decisive_setting",
     .type = C::kText,
     .extract = X::kFirstWhere,
     .path = "evidence",
     .where = "decisive",
     .of = "setting"},
    {"attached_storage_count", C::kInteger, X::kCount, "attached_storage", "0"},
};

constexpr FactColumn kWifi[] = {
    {"adapter_count", C::kInteger, X::kCount, "adapters", "0"},
    {"connected", C::kBoolean, X::kIsObject, "current"},
    {"current_unknown", C::kBoolean, X::kField, "current_unknown", "0"},
    {"profile_count", C::kInteger, X::kCount, "profiles", "0"},
};

constexpr FactColumn kWifiNetworks[] = {
    {"is_current", C::kBoolean, X::kIsCurrent},
    {"ssid", C::kText, X::kField, "ssid", "''"},
    {"security", C::kText, X::kEnum, "security", {}, kWifiSecurity},
    {"enterprise", C::kBoolean, X::kField, "enterprise", "0"},
    {"cipher", C::kText, X::kField, "cipher", "''"},
    {.name = "auto_connect",
     .type = C::kBoolean,
     .extract = X::kField,
     .path = "auto_connect",
     .fallback = "0",
     .true_for_current = true},
    {"hidden", C::kBoolean, X::kField, "hidden", "0"},
    {"source", C::kText, X::kField, "source", "''"},
};

constexpr FactColumn kPasswordPolicy[] = {
    {"min_length", C::kInteger, X::kField, "min_length"},
    {"max_age_days", C::kInteger, X::kField, "max_age_days"},
    {"history_length", C::kInteger, X::kField, "history_length"},
    {"min_classes", C::kInteger, X::kField, "min_classes"},
    {"complexity_required", C::kBoolean, X::kField, "complexity_required"},
    {"lockout_threshold", C::kInteger, X::kField, "lockout_threshold"},
    {"lockout_duration_seconds", C::kInteger, X::kField,
     "lockout_duration_seconds"},
    {"hash_method", C::kText, X::kField, "hash_method", "''"},
    {"accounts_without_password_count", C::kInteger, X::kField,
     "accounts_without_password_count", "0"},
    {"accounts_without_password", C::kJson, X::kField,
     "accounts_without_password", "'[]'"},
};

constexpr FactColumn kScreenLock[] = {
    {"enabled", C::kBoolean, X::kField, "enabled"},
    {"idle_timeout_seconds", C::kInteger, X::kField, "idle_timeout_seconds"},
    {"password_required", C::kBoolean, X::kField, "password_required"},
    {"lock_on_resume", C::kBoolean, X::kField, "lock_on_resume"},
    {"enforced_by_policy", C::kBoolean, X::kField, "enforced_by_policy", "0"},
    {"source", C::kText, X::kField, "source", "''"},
};

constexpr FactColumn kDiskEncryption[] = {
    {"volume_count", C::kInteger, X::kCount, "volumes", "0"},
    {.name = "system_volume_encryption",
     .type = C::kText,
     .extract = X::kFirstWhere,
     .path = "volumes",
     .names = kEncryptionState,
     .where = "system_volume",
     .of = "state"},
    {.name = "system_volume_device",
     .type = C::kText,
     .extract = X::kFirstWhere,
     .path = "volumes",
     .where = "system_volume",
     .of = "device"},
};

constexpr FactColumn kDiskVolumes[] = {
    {"device", C::kText, X::kField, "device", "''"},
    {"mount_point", C::kText, X::kField, "mount_point", "''"},
    {"encryption", C::kText, X::kEnum, "state", {}, kEncryptionState},
    {"technology", C::kText, X::kField, "technology", "''"},
    {"method", C::kText, X::kField, "method", "''"},
    {"system_volume", C::kBoolean, X::kField, "system_volume", "0"},
    {"removable", C::kBoolean, X::kField, "removable", "0"},
};

constexpr FactColumn kFirewall[] = {
    {"active", C::kBoolean, X::kField, "active"},
    {"product", C::kText, X::kField, "product", "''"},
    {"default_inbound",
     C::kText,
     X::kEnum,
     "default_inbound",
     {},
     kFirewallAction},
    {"rule_count", C::kInteger, X::kField, "rule_count", "0"},
};

constexpr FactColumn kRemoteAccess[] = {
    {"ssh_installed", C::kBoolean, X::kField, "ssh_installed", "0"},
    {"ssh_running", C::kBoolean, X::kField, "ssh_running"},
    {"ssh_password_authentication", C::kBoolean, X::kField,
     "ssh_password_authentication"},
    {"ssh_permit_root_login", C::kText, X::kField, "ssh_permit_root_login",
     "''"},
    {"ssh_port", C::kInteger, X::kField, "ssh_port", "0"},
    {"rdp_enabled", C::kBoolean, X::kField, "rdp_enabled"},
    {"rdp_nla_required", C::kBoolean, X::kField, "rdp_nla_required"},
    {"rdp_port", C::kInteger, X::kField, "rdp_port", "0"},
    {"vnc_servers", C::kJson, X::kField, "vnc_servers", "'[]'"},
    {"remote_tools", C::kJson, X::kField, "remote_tools", "'[]'"},
};

constexpr FactColumn kServiceExposure[] = {
    {"service_count", C::kInteger, X::kCount, "services"},
    {"probed_at", C::kText, X::kField, "probed_at"},
    {"from_cache", C::kBoolean, X::kField, "from_cache", "0"},
};

// A sub-message's facts are NULL when the service does not have it.
constexpr std::string_view kSshWeak[] = {"ssh.weak_kex", "ssh.weak_ciphers",
                                         "ssh.weak_host_keys", "ssh.weak_macs"};

constexpr FactColumn kExposedServices[] = {
    {"protocol", C::kText, X::kField, "protocol"},
    {"address", C::kText, X::kField, "address", "''"},
    {"port", C::kInteger, X::kField, "port", "0"},
    {"loopback_only", C::kBoolean, X::kField, "loopback_only", "0"},
    {"process", C::kText, X::kField, "process", "''"},
    {"package", C::kText, X::kField, "package", "''"},
    {"package_version", C::kText, X::kField, "package_version", "''"},
    {"kind", C::kText, X::kField, "kind", "''"},
    {"probe_state", C::kText, X::kField, "probe_state", "''"},
    {"tls1_0", C::kBoolean, X::kField, "tls.tls1_0"},
    {"tls1_1", C::kBoolean, X::kField, "tls.tls1_1"},
    {"tls1_2", C::kBoolean, X::kField, "tls.tls1_2"},
    {"tls1_3", C::kBoolean, X::kField, "tls.tls1_3"},
    {"tls_weak_cipher_count",
     C::kInteger,
     X::kCount,
     "tls.weak_ciphers",
     "0",
     {},
     "tls"},
    {"tls_dh_bits", C::kInteger, X::kField, "tls.dh_bits", "0", {}, "tls"},
    {"cert_self_signed",
     C::kBoolean,
     X::kField,
     "tls.certificate.self_signed",
     "0",
     {},
     "tls"},
    {"cert_chained_to_system_ca", C::kBoolean, X::kField,
     "tls.certificate.chained_to_system_ca"},
    {"cert_expired",
     C::kBoolean,
     X::kField,
     "tls.certificate.expired",
     "0",
     {},
     "tls"},
    {"cert_expires_soon",
     C::kBoolean,
     X::kField,
     "tls.certificate.expires_soon",
     "0",
     {},
     "tls"},
    {"cert_not_after", C::kText, X::kField, "tls.certificate.not_after"},
    {"cert_subject", C::kText, X::kField, "tls.certificate.subject"},
    {"http_status",
     C::kInteger,
     X::kField,
     "http.status_code",
     "0",
     {},
     "http"},
    {"http_server", C::kText, X::kField, "http.server"},
    {"http_powered_by", C::kText, X::kField, "http.powered_by"},
    {"http_version_disclosed",
     C::kBoolean,
     X::kField,
     "http.version_disclosed",
     "0",
     {},
     "http"},
    {"http_hsts", C::kBoolean, X::kField, "http.hsts", "0", {}, "http"},
    {"http_csp",
     C::kBoolean,
     X::kField,
     "http.content_security_policy",
     "0",
     {},
     "http"},
    {"http_frame_protection",
     C::kBoolean,
     X::kField,
     "http.frame_protection",
     "0",
     {},
     "http"},
    {"http_x_content_type_options",
     C::kBoolean,
     X::kField,
     "http.x_content_type_options",
     "0",
     {},
     "http"},
    {"http_referrer_policy",
     C::kBoolean,
     X::kField,
     "http.referrer_policy",
     "0",
     {},
     "http"},
    {"http_ntlm_offered",
     C::kBoolean,
     X::kField,
     "http.ntlm_offered",
     "0",
     {},
     "http"},
    {.name = "http_admin_paths",
     .type = C::kText,
     .extract = X::kJoin,
     .path = "http.admin_paths",
     .fallback = "''",
     .guard = "http",
     .separator = " "},
    {"ssh_product", C::kText, X::kField, "ssh.product"},
    {"ssh_version", C::kText, X::kField, "ssh.version"},
    {"ssh_strict_kex",
     C::kBoolean,
     X::kField,
     "ssh.strict_kex",
     "0",
     {},
     "ssh"},
    {"ssh_terrapin_exposed",
     C::kBoolean,
     X::kField,
     "ssh.terrapin_exposed",
     "0",
     {},
     "ssh"},
    {.name = "ssh_weak_algorithm_count",
     .type = C::kInteger,
     .extract = X::kCountSum,
     .guard = "ssh",
     .paths = kSshWeak},
    // RDP's negotiation (kind "rdp"): NULL on other services; nla_required
    // stays NULL when the probe did not learn it (unknown, never false).
    {"rdp_negotiated_protocol",
     C::kText,
     X::kField,
     "rdp.negotiated_protocol",
     "''",
     {},
     "rdp"},
    {"rdp_nla_required", C::kBoolean, X::kField, "rdp.nla_required"},
};

// --- Views -----------------------------------------------------------------

constexpr FactView kViews[] = {
    {"v_updates",
     "updates",
     Storage::kTable,
     "gfact_updates",
     {},
     {},
     {},
     kUpdates},
    {"v_pending_updates",
     "updates",
     Storage::kTable,
     "gfact_pending_updates",
     "v_updates",
     "pending",
     {},
     kPendingUpdates},
    {"v_antivirus",
     "antivirus",
     Storage::kTable,
     "gfact_antivirus",
     {},
     {},
     {},
     kAntivirus},
    {"v_antivirus_products",
     "antivirus",
     Storage::kTable,
     "gfact_antivirus_products",
     "v_antivirus",
     "products",
     {},
     kAntivirusProducts},
    {"v_usb_storage",
     "usb_storage",
     Storage::kTable,
     "gfact_usb_storage",
     {},
     {},
     {},
     kUsbStorage},
    {"v_wifi", "wifi", Storage::kTable, "gfact_wifi", {}, {}, {}, kWifi},
    {"v_wifi_networks", "wifi", Storage::kTable, "gfact_wifi_networks",
     "v_wifi", "profiles", "current", kWifiNetworks},
    {"v_password_policy",
     "password_policy",
     Storage::kTable,
     "gfact_password_policy",
     {},
     {},
     {},
     kPasswordPolicy},
    {"v_screen_lock",
     "screen_lock",
     Storage::kTable,
     "gfact_screen_lock",
     {},
     {},
     {},
     kScreenLock},
    {"v_disk_encryption",
     "disk_encryption",
     Storage::kTable,
     "gfact_disk_encryption",
     {},
     {},
     {},
     kDiskEncryption},
    {"v_disk_volumes",
     "disk_encryption",
     Storage::kTable,
     "gfact_disk_volumes",
     "v_disk_encryption",
     "volumes",
     {},
     kDiskVolumes},
    {"v_firewall",
     "firewall",
     Storage::kTable,
     "gfact_firewall",
     {},
     {},
     {},
     kFirewall},
    {"v_remote_access",
     "remote_access",
     Storage::kTable,
     "gfact_remote_access",
     {},
     {},
     {},
     kRemoteAccess},
    {"v_service_exposure",
     "service_exposure",
     Storage::kJson,
     {},
     {},
     {},
     {},
     kServiceExposure},
    {"v_exposed_services",
     "service_exposure",
     Storage::kJson,
     {},
     "v_service_exposure",
     "services",
     {},
     kExposedServices},
};

// --- Rendering -------------------------------------------------------------

std::string Quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// Where a column's expressions read from.
struct Scope {
  std::string doc;         // the JSON document expression
  std::string index;       // the item's index expression (item views)
  std::string is_current;  // the leading-item flag expression (item views)
};

class Renderer {
 public:
  explicit Renderer(const FactViewDialect& dialect) : d_(dialect) {}

  std::string Column(const FactColumn& c, const Scope& s) const {
    std::string e = Shape(c, s);
    if (!c.fallback.empty())
      e = "COALESCE(" + e + ", " + std::string(c.fallback) + ")";
    if (c.true_for_current) {
      e = "CASE WHEN " + s.is_current + " = 1 THEN 1 ELSE " + e + " END";
    }
    if (!c.guard.empty()) {
      e = "CASE WHEN " + d_.IsPresent(s.doc, c.guard) + " THEN " + e + " END";
    }
    return e;
  }

 private:
  std::string Enum(std::string value, std::span<const EnumName> names) const {
    std::string e = "CASE " + value;
    for (const EnumName& n : names) {
      e += " WHEN " + Quoted(n.proto) + " THEN " + Quoted(n.name);
    }
    return e + " END";
  }

  // The items of array `path` as a FROM subquery with one column, item.
  std::string Items(const std::string& doc, std::string_view path) const {
    return "(SELECT " + d_.EachObject("e") + " AS item FROM " +
           d_.Each(doc, path, "e") + ") u";
  }

  std::string Where(std::string_view flag) const {
    return d_.Value("u.item", flag, ColumnType::kBoolean) + " = 1";
  }

  std::string Shape(const FactColumn& c, const Scope& s) const {
    switch (c.extract) {
      case Extract::kField:
        return d_.Value(s.doc, c.path, c.type);
      case Extract::kEnum:
        return Enum(d_.Value(s.doc, c.path, ColumnType::kText), c.names);
      case Extract::kTime:
        return d_.UnixSeconds(d_.Value(s.doc, c.path, ColumnType::kText));
      case Extract::kCount:
        return d_.ArrayLength(s.doc, c.path);
      case Extract::kCountSum: {
        std::string e;
        for (std::string_view p : c.paths) {
          if (!e.empty()) e += " + ";
          e += "COALESCE(" + d_.ArrayLength(s.doc, p) + ", 0)";
        }
        return "(" + e + ")";
      }
      case Extract::kIsObject:
        return "CASE WHEN " + d_.IsObject(s.doc, c.path) + " THEN 1 ELSE 0 END";
      case Extract::kItemIndex:
        return s.index;
      case Extract::kIsCurrent:
        return s.is_current;
      case Extract::kJoin:
        return d_.JoinStrings(s.doc, c.path, c.separator);
      case Extract::kFirstWhere: {
        std::string value =
            c.names.empty()
                ? d_.Value("u.item", c.of, c.type)
                : Enum(d_.Value("u.item", c.of, ColumnType::kText), c.names);
        return "(SELECT " + value + " FROM " + Items(s.doc, c.path) +
               " WHERE " + Where(c.where) + " LIMIT 1)";
      }
      case Extract::kMinTimeWhere:
        return "(SELECT MIN(" +
               d_.UnixSeconds(d_.Value("u.item", c.of, ColumnType::kText)) +
               ") FROM " + Items(s.doc, c.path) + " WHERE " + Where(c.where) +
               ")";
      case Extract::kCountWhere:
        return "(SELECT COUNT(*) FROM " + Items(s.doc, c.path) + " WHERE " +
               Where(c.where) + " AND " +
               d_.Value("u.item", c.of, ColumnType::kText) + " IS NOT NULL)";
    }
    return "NULL";
  }

 public:
  // <table>_src for a one-row-per-host view.
  RenderedView ParentSource(const FactView& v) const {
    RenderedView r;
    r.name = std::string(v.table) + "_src";
    r.table = std::string(v.table);
    r.table_columns = {"host_id", "org_id", "state"};
    const Scope s{"f.payload_json", "NULL", "0"};
    std::string sql =
        "CREATE VIEW " + r.name + " AS\nSELECT f.host_id, f.org_id, f.state";
    for (const FactColumn& c : v.columns) {
      sql += ",\n       " + Column(c, s) + " AS " + std::string(c.name);
      r.table_columns.emplace_back(c.name);
    }
    sql += "\nFROM v_family_state f\nWHERE f.family = " + Quoted(v.family) +
           " AND " + d_.IsValid("f.payload_json");
    r.sql = std::move(sql);
    return r;
  }

  // <table>_src for an item view: host_id, seq, columns.
  RenderedView ItemSource(const FactView& v) const {
    RenderedView r;
    r.name = std::string(v.table) + "_src";
    r.table = std::string(v.table);
    r.table_columns = {"host_id", "seq"};
    const Scope s{"i.item", "i.idx", "i.is_current"};
    std::string sql = "CREATE VIEW " + r.name + " AS\nSELECT i.host_id, i.seq";
    for (const FactColumn& c : v.columns) {
      sql += ",\n       " + Column(c, s) + " AS " + std::string(c.name);
      r.table_columns.emplace_back(c.name);
    }
    const std::string doc = d_.ValidOrNull("f.payload_json");
    sql += "\nFROM (";
    if (!v.leading_item.empty()) {
      sql += "SELECT f.host_id, 0 AS seq, 0 AS idx, 1 AS is_current, " +
             d_.Value(doc, v.leading_item, ColumnType::kJson) +
             " AS item\n        FROM host_facts f\n       WHERE f.family = " +
             Quoted(v.family) + " AND " + d_.IsObject(doc, v.leading_item) +
             "\n      UNION ALL\n      ";
    }
    sql += "SELECT f.host_id, " + d_.EachOrdinal("e") + " AS seq, " +
           d_.EachIndex("e") + " AS idx, 0 AS is_current, " +
           d_.EachObject("e") + " AS item\n        FROM host_facts f, " +
           d_.Each(doc, v.items, "e") +
           "\n       WHERE f.family = " + Quoted(v.family) + ") i";
    r.sql = std::move(sql);
    return r;
  }

  std::string CollectedAt(std::string_view alias,
                          std::string_view family) const {
    return "(SELECT x.collected_at FROM fact_collected x WHERE x.host_id = " +
           std::string(alias) + ".host_id AND x.family = " + Quoted(family) +
           ")";
  }

  // The public view of a kTable declaration, over the table (or its _src).
  RenderedView TablePublic(const FactView& v, const FactView* parent,
                           bool tables) const {
    const std::string suffix = tables ? "" : "_src";
    std::string sql = "CREATE VIEW " + std::string(v.name) +
                      " AS\nSELECT f.org_id, f.host_id, f.state, " +
                      CollectedAt("f", v.family) + " AS collected_at";
    const char* from = parent != nullptr ? "i." : "f.";
    for (const FactColumn& c : v.columns) {
      sql += ",\n       " + std::string(from) + std::string(c.name);
    }
    if (parent == nullptr) {
      sql += "\nFROM " + std::string(v.table) + suffix + " f";
    } else {
      sql += "\nFROM " + std::string(parent->table) + suffix + " f JOIN " +
             std::string(v.table) + suffix + " i ON i.host_id = f.host_id";
    }
    return {std::string(v.name), std::move(sql), {}, {}};
  }

  // The public view of a kJson declaration, over the payload.
  RenderedView JsonPublic(const FactView& v) const {
    std::string sql = "CREATE VIEW " + std::string(v.name) +
                      " AS\nSELECT f.org_id, f.host_id, f.state, "
                      "f.collected_at";
    if (v.items.empty()) {
      const Scope s{"f.payload_json", "NULL", "0"};
      for (const FactColumn& c : v.columns) {
        sql += ",\n       " + Column(c, s) + " AS " + std::string(c.name);
      }
      sql += "\nFROM v_family_state f\nWHERE f.family = " + Quoted(v.family) +
             " AND " + d_.IsValid("f.payload_json");
    } else {
      // No FROM subquery here: the organisation filter of a check query
      // must reach v_family_state, which SQLite only does when it can
      // flatten the view.
      const Scope s{d_.EachObject("e"), d_.EachIndex("e"), "0"};
      for (const FactColumn& c : v.columns) {
        sql += ",\n       " + Column(c, s) + " AS " + std::string(c.name);
      }
      sql += "\nFROM v_family_state f, " +
             d_.Each(d_.ValidOrNull("f.payload_json"), v.items, "e") +
             "\nWHERE f.family = " + Quoted(v.family);
    }
    return {std::string(v.name), std::move(sql), {}, {}};
  }

 private:
  const FactViewDialect& d_;
};

}  // namespace

std::span<const FactView> FactViews() { return kViews; }

const FactView* FindFactView(std::string_view name) {
  for (const FactView& v : kViews) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

std::vector<RenderedView> RenderFactViews(const FactViewDialect& dialect,
                                          RenderOptions options) {
  const std::span<const FactView> views =
      options.views.empty() ? FactViews() : options.views;
  auto find = [&](std::string_view name) -> const FactView* {
    for (const FactView& v : views) {
      if (v.name == name) return &v;
    }
    return nullptr;
  };
  const Renderer r(dialect);
  std::vector<RenderedView> out;
  // Extraction views first: the public views (and the triggers that fill
  // the tables) read them.
  for (const FactView& v : views) {
    if (v.storage != Storage::kTable) continue;
    out.push_back(v.parent.empty() ? r.ParentSource(v) : r.ItemSource(v));
  }
  for (const FactView& v : views) {
    if (v.storage == Storage::kTable) {
      const FactView* parent = v.parent.empty() ? nullptr : find(v.parent);
      out.push_back(r.TablePublic(v, parent, options.tables));
    } else {
      out.push_back(r.JsonPublic(v));
    }
  }
  return out;
}

}  // namespace mamori::store
