#pragma once

// The "grading" module's schema steps: the documented fact views that check
// queries read (v_hosts, v_antivirus_products, v_usb_storage,
// v_wifi_networks, …; docs/policies.md lists every column), the reference
// tables filled from policies/end_of_support.yaml, and the tables for check
// results with their history, grade snapshots, questionnaire answers with
// history, per-organisation settings and parameter overrides, and the last
// good custom policy set.
//
// The views read host_facts.payload_json (protobuf JSON with proto field
// names: enums by value name, 64-bit integers as strings, Timestamps as RFC
// 3339 strings, default values omitted) and expose stable, typed columns:
// enums as short lower-case names, booleans as 1/0/NULL (NULL = unknown),
// times as Unix seconds. A view column is never renamed or removed; new
// columns may be added.
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> GradingMigrations();

}  // namespace mamori::store
