#pragma once

// The `antivirus` family: anti-malware products installed on the endpoint and
// the age of their definitions.
//
// On Linux: ClamAV (definitions version and build time from the 512-byte
// header of daily/main/bytecode .cvd/.cld, freshclam configuration, clamd and
// clamonacc processes) and other vendors' agents found by their install
// paths, named even when their definitions age is unknown (age unset, never
// 0). No product found after looking everywhere → STATUS_OK with zero
// products; the database directory unreadable → STATUS_PERMISSION_DENIED.
// Process state needs the live kernel: under --root `enabled` and
// `realtime_protection` stay unset. Parsers are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.AntivirusProduct.
struct AntivirusProduct {
  std::string name;
  std::string vendor;
  std::string engine_version;
  std::string definitions_version;
  std::optional<TimePoint> definitions_updated_at;
  std::optional<double> definitions_age_hours;
  std::optional<bool> enabled;
  std::optional<bool> realtime_protection;
  std::optional<bool> definitions_up_to_date;
  std::optional<bool> updater_configured;
  std::string source;
  uint32_t product_state = 0;
};

template <typename V>
void VisitFields(const AntivirusProduct& f, V& v) {
  v("name", f.name);
  v("vendor", f.vendor);
  v("engine_version", f.engine_version);
  v("definitions_version", f.definitions_version);
  v("definitions_updated_at", f.definitions_updated_at);
  v("definitions_age_hours", f.definitions_age_hours);
  v("enabled", f.enabled);
  v("realtime_protection", f.realtime_protection);
  v("definitions_up_to_date", f.definitions_up_to_date);
  v("updater_configured", f.updater_configured);
  v("source", f.source);
  v("product_state", f.product_state);
}

// Mirrors mamori.v1.AntivirusFacts.
struct AntivirusFacts {
  CollectionStatus status;
  std::vector<AntivirusProduct> products;
};

template <typename V>
void VisitFields(const AntivirusFacts& f, V& v) {
  v("status", f.status);
  v("products", f.products);
}

// Collects the family. Never throws; failures are in `status`.
AntivirusFacts GatherAntivirus(const GatherContext& ctx);

// The fields of a ClamAV database header
// "ClamAV-VDB:<time
// text>:<version>:<signatures>:<flevel>:<md5>:<dsig>:<builder>:<unix time>".
struct CvdHeader {
  std::string build_time_text;
  uint32_t version = 0;
  uint64_t signatures = 0;
  std::string builder;
  // From the trailing Unix-time field; unset when that field is missing.
  std::optional<TimePoint> build_time;
};

// Parses the first 512 bytes of a .cvd/.cld file (more is ignored). Returns
// INVALID_ARGUMENT naming what is wrong when the magic is missing, the header
// is shorter than its fields or the version is not a number.
Result<CvdHeader> ParseCvdHeader(std::string_view header);

// Returns true when freshclam.conf text is usable: it has no active
// "Example" line (the stock file ships with one, which makes freshclam
// refuse to run).
bool FreshclamConfUsable(std::string_view conf);

// Hours from `built` to `now` (negative when the build time is in the future,
// which the caller reports as it is rather than clamping).
double AgeHours(TimePoint built, TimePoint now);

// A third-party Linux agent recognised by its install path.
struct VendorAgent {
  std::string_view name;
  std::string_view vendor;
  // Any of these paths existing marks the product as installed.
  std::vector<std::string_view> paths;
  // Process names (as /proc/<pid>/comm shows them, at most 15 characters)
  // whose presence means the product is running. A process whose executable
  // lies under one of `paths` counts too (readable as root).
  std::vector<std::string_view> processes;
};

// Returns the table of known vendor agents (ESET, Trend Micro Deep Security,
// Sophos, CrowdStrike, Microsoft Defender for Endpoint, Kaspersky,
// Trellix/McAfee, ...).
const std::vector<VendorAgent>& KnownVendorAgents();

}  // namespace mamori::facts

namespace mamori::facts {

// Returns the Version of `package` from dpkg status text, or "" when the
// package has no stanza there. Only the stanza of that package is examined.
std::string DpkgPackageVersion(std::string_view dpkg_status,
                               std::string_view package);

}  // namespace mamori::facts
