// The plain list of schema modules, applied in this order. A module owner adds
// one line (and its header) here; its steps live in its own files.
#include "collector/store/core_schema.h"
#include "collector/store/grading_schema.h"
#include "collector/store/hardening_schema.h"
#include "collector/store/migrations.h"
#include "collector/store/register_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationModule kModules[] = {
    {"core", &CoreMigrations},
    {"register", &RegisterMigrations},
    {"grading", &GradingMigrations},
    {"hardening", &HardeningMigrations},
};

}  // namespace

std::span<const MigrationModule> AllMigrationModules() { return kModules; }

}  // namespace mamori::store
