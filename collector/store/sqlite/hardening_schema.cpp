#include "collector/store/sqlite/hardening_schema.h"

namespace mamori::store {
namespace {

constexpr MigrationStep kHardeningSteps[] = {
    {1, R"sql(
-- The one client certificate a host may authenticate with: the last one
-- signed at its enrollment. A certificate not listed here (an older one, or
-- any after a revocation) is refused even though our CA signed it.
CREATE TABLE host_certificates (
  host_id     INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  cert_sha256 TEXT NOT NULL,               -- hex SHA-256 of the DER form
  issued_at   INTEGER NOT NULL
);

-- Hosts revoked by an administrator (hosts revoke). A revocation later than
-- the host's last enrollment means its credentials were revoked; enrolling
-- again with a valid token issues new ones.
CREATE TABLE host_revocations (
  host_id     INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
  org_id      INTEGER NOT NULL REFERENCES organizations(id),
  revoked_at  INTEGER NOT NULL
);

-- Days of fact and package history kept per organisation (no row = the
-- collector's default).
CREATE TABLE org_history_retention (
  org_id      INTEGER PRIMARY KEY REFERENCES organizations(id),
  days        INTEGER NOT NULL CHECK (days BETWEEN 1 AND 36500)
);

-- Pruning walks history oldest first.
CREATE INDEX fact_history_received ON fact_history(received_at);
CREATE INDEX package_changes_received ON package_changes(received_at);
)sql"},
};

}  // namespace

std::span<const MigrationStep> HardeningMigrations() { return kHardeningSteps; }

}  // namespace mamori::store
