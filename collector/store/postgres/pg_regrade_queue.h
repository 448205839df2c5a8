#pragma once

// The RegradeQueue port on PostgreSQL: the table regrade_queue (migration
// module "coordination", pg_schema.cpp), one row per organisation with
// pending changes. Times are Unix milliseconds, from the callers' clocks.
//
// Thread safety: one thread at a time (one libpq session).

#include <memory>
#include <string>

#include "collector/store/postgres/pg.h"
#include "collector/store/regrade_queue.h"

namespace mamori::store {

class PgRegradeQueue final : public RegradeQueue {
 public:
  // Connects to `url` (schema already migrated by OpenStore). Returns the
  // queue, or the connection error.
  static Result<std::unique_ptr<PgRegradeQueue>> Open(const std::string& url);

  Status MarkDirty(int64_t org_id, TimePoint now) override;
  Result<std::vector<RegradeClaim>> ClaimDue(std::string_view owner,
                                             TimePoint now,
                                             const RegradeTiming& timing,
                                             int limit) override;
  Result<bool> Complete(const RegradeClaim& claim,
                        std::string_view owner) override;
  Result<bool> Renew(const RegradeClaim& claim, std::string_view owner,
                     TimePoint now, std::chrono::milliseconds lease) override;
  Status Release(const RegradeClaim& claim, std::string_view owner) override;

 private:
  explicit PgRegradeQueue(pg::Connection conn) : conn_(std::move(conn)) {}
  pg::Connection conn_;
};

}  // namespace mamori::store
