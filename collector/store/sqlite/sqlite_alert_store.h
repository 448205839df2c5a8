#pragma once

// SqliteAlertStore: AlertPort (store/alert_port.h) over the collector's
// SQLite database, tables of the "alerts" migration module
// (alert_schema.h).
//
// Thread safety: one instance per thread; it owns its connection.

#include <memory>
#include <string>

#include "collector/store/alert_port.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteAlertStore final : public AlertPort {
 public:
  // Opens the existing, migrated database at `path`. NOT_FOUND when absent.
  static Result<std::unique_ptr<SqliteAlertStore>> Open(
      const std::string& path);

  Result<int64_t> OrgId(const std::string& org) override;
  Result<std::vector<int64_t>> Orgs() override;
  Result<std::vector<AlertHost>> Hosts(int64_t org_id) override;
  Result<int64_t> AddChannel(int64_t org_id, const AlertChannel& channel,
                             const std::string& secret, const std::string& who,
                             TimePoint now) override;
  Status RemoveChannel(int64_t org_id, int64_t channel_id,
                       const std::string& who, TimePoint now) override;
  Result<std::vector<AlertChannel>> Channels(int64_t org_id) override;
  Result<AlertSettings> Settings(int64_t org_id) override;
  Status SetSettings(int64_t org_id, const AlertSettings& settings,
                     const std::string& who, TimePoint now) override;
  Result<std::vector<AlertAuditEntry>> History(int64_t org_id,
                                               int limit) override;
  Result<ReconcileOutcome> Reconcile(int64_t org_id,
                                     const std::vector<std::string>& kinds,
                                     const std::vector<AlertCondition>& current,
                                     TimePoint now) override;
  Result<int64_t> RaiseOnce(int64_t org_id, const AlertCondition& condition,
                            TimePoint now, int64_t channel_id) override;
  Result<std::optional<std::string>> SeenGrades(int64_t org_id) override;
  Status SetSeenGrades(int64_t org_id, const std::string& rules_json) override;
  Result<int64_t> QueueDigests(TimePoint now) override;
  Result<std::vector<DeliveryWork>> DueDeliveries(TimePoint now,
                                                  int limit) override;
  Status MarkSent(int64_t delivery_id, TimePoint now) override;
  Result<std::optional<TimePoint>> MarkFailed(int64_t delivery_id,
                                              const std::string& error,
                                              TimePoint now) override;
  Result<std::vector<AlertEvent>> Events(int64_t org_id, bool open_only,
                                         int limit) override;
  Result<std::vector<AlertDelivery>> Deliveries(int64_t org_id,
                                                int limit) override;
  Result<std::vector<DeliveryWork>> DeliveryPage(int64_t org_id,
                                                 int64_t before_id,
                                                 int limit) override;
  Result<int64_t> PruneBefore(TimePoint cutoff, int64_t max_rows) override;

 private:
  explicit SqliteAlertStore(Database db) : db_(std::move(db)) {}
  Result<int64_t> InsertEvent(int64_t org_id, const AlertCondition& c,
                              TimePoint now);
  // Queues `event_id` for the organisation's immediate channels (or for
  // `only_channel`), inside the caller's transaction.
  Status QueueEvent(int64_t org_id, int64_t event_id, bool test,
                    int64_t only_channel, TimePoint now);
  Result<std::vector<AlertEvent>> EventsOf(int64_t delivery_id);

  Database db_;
};

}  // namespace mamori::store
