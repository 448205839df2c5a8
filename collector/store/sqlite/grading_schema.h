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
// Since step 2 the per-family views read tables (gfact_<family>, and
// gfact_<item> for array items) that hold the extracted columns; triggers on
// host_facts recompute a host's rows from the extraction views
// (gfact_<table>_src) whenever its payload, state or keys change. So the
// JSON is parsed once per stored payload, not once per check query. Since
// step 3 collected_at, which every report changes, is read from host_facts
// through the covering index gfact_host_facts_collected instead of being
// copied by triggers; step 4 makes the update triggers refresh one host with
// = (key changes have their own triggers). These steps have shipped and stay
// as they are; no step is added here for a fact view any more: the tables,
// triggers and views of the declared families (store/schema/fact_views.h)
// are generated from the declarations and applied after the migrations
// (fact_view_sync.h), so a new view column or family is a declaration.
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> GradingMigrations();

}  // namespace mamori::store
