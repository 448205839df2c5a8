#pragma once

// PgAlertStore: AlertPort (store/alert_port.h) on PostgreSQL, over the
// tables of pg_alert_schema.cpp, with the same behaviour as SqliteAlertStore
// (collector/store/alert_store_test.cpp runs both). For several collectors
// on one database:
//   - Reconcile and RaiseOnce hold a transaction advisory lock per
//     organisation, so two collectors reconciling one organisation at once
//     (the silent-host sweep runs on each) take turns and the second finds
//     the first's open conditions: one event, one delivery;
//   - QueueDigests and PruneBefore hold one lock each across organisations;
//   - DueDeliveries claims with FOR UPDATE SKIP LOCKED and a lease in the
//     row (alert_port.h: at least once on a crash, exactly once otherwise).
//
// Thread safety: every public method takes an internal mutex (one
// connection).

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/alert_port.h"
#include "collector/store/postgres/pg.h"

namespace mamori::store::pg {

class PgAlertStore final : public AlertPort {
 public:
  // Connects to `url` (a database PostgresStore::Open migrated). Returns
  // the store or UNAVAILABLE.
  static Result<std::unique_ptr<PgAlertStore>> Open(const std::string& url);

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
  explicit PgAlertStore(Connection conn) : conn_(std::move(conn)) {}
  Result<int64_t> InsertEvent(int64_t org_id, const AlertCondition& c,
                              TimePoint now);
  Result<AlertSettings> SettingsLocked(int64_t org_id);
  // Queues `event_id` for the organisation's immediate channels (or for
  // `only_channel`), inside the caller's transaction.
  Status QueueEvent(int64_t org_id, int64_t event_id, bool test,
                    int64_t only_channel, TimePoint now);
  // The events of each of `works`' deliveries (event_ids filled too).
  Status FillEvents(std::vector<DeliveryWork>& works);

  std::mutex mu_;
  Connection conn_;
};

}  // namespace mamori::store::pg
