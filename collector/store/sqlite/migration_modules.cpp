// The plain list of schema modules, applied in this order. A module owner adds
// one line (and its header) here; its steps live in its own files.
#include "collector/store/sqlite/alert_schema.h"
#include "collector/store/sqlite/console_schema.h"
#include "collector/store/sqlite/core_schema.h"
#include "collector/store/sqlite/evidence_schema.h"
#include "collector/store/sqlite/grading_schema.h"
#include "collector/store/sqlite/hardening_schema.h"
#include "collector/store/sqlite/identity_schema.h"
#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/register_schema.h"
#include "collector/store/sqlite/report_schema.h"
#include "collector/store/sqlite/software_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationModule kModules[] = {
    {"core", &CoreMigrations},         {"identity", &IdentityMigrations},
    {"register", &RegisterMigrations}, {"grading", &GradingMigrations},
    {"evidence", &EvidenceMigrations}, {"report", &ReportMigrations},
    {"console", &ConsoleMigrations},   {"hardening", &HardeningMigrations},
    {"software", &SoftwareMigrations}, {"alerts", &AlertMigrations},
};

}  // namespace

std::span<const MigrationModule> AllMigrationModules() { return kModules; }

}  // namespace mamori::store
