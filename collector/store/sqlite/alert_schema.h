#pragma once

// The "alerts" module's schema steps: per organisation the alert channels
// (with the webhook secret), settings and audit trail; the open conditions
// that de-duplicate alerts, the events, the grades last seen, and the
// delivery queue with the events of each delivery (store/alert_port.h).
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> AlertMigrations();

}  // namespace mamori::store
