// The "identity" module's schema steps (issue #13 point 2): a host created
// because its identity overlapped another's on one identifier only is
// flagged as a possible duplicate of it, for an organisation admin to merge.
#include "collector/store/sqlite/identity_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kSteps[] = {
    {1, R"sql(
ALTER TABLE hosts ADD COLUMN duplicate_of INTEGER REFERENCES hosts(id);
)sql"},
};

}  // namespace

std::span<const MigrationStep> IdentityMigrations() { return kSteps; }

}  // namespace mamori::store
