#pragma once

// AlertPort: each organisation's alert configuration (channels: e-mail
// recipients and webhooks, with the webhook's signing secret; settings: the
// silent-host threshold and the hourly rate limit), the open alert
// conditions that de-duplicate alerts, the events raised and cleared, and
// the delivery queue with its retries (docs/policies.md, "Alerts").
//
// Conditions and events: the caller (collector/alerts/) derives the set of
// conditions that hold now for some kinds ("host 12 fails check X") and
// hands it to Reconcile, which compares it with the open set stored: a new
// condition raises one event, a condition no longer present is closed (its
// event gets cleared_at), one still present does nothing. So an event is
// raised once per host and subject until it clears.
//
// Deliveries: every event raised is queued for each enabled channel whose
// schedule is "immediate", at most `max_per_hour` messages per channel and
// hour; events past the limit are gathered into one message sent when the
// hour is over. Digest channels ("daily", "weekly") get one message per
// period with the events raised in it (QueueDigests). A delivery is never
// deleted: it is pending, sent, or failed with its last error, attempts and
// the time of the next retry (failed for good after kMaxDeliveryAttempts).
//
// Several collectors on one database (PostgreSQL, issue #17): DueDeliveries
// claims what it returns for kDeliveryLease (a lease in the row, taken with
// FOR UPDATE SKIP LOCKED on PostgreSQL, in a write transaction on SQLite),
// so no other caller is handed the same delivery until MarkSent or
// MarkFailed settles it or the lease runs out. A collector killed between
// the claim and MarkSent leaves the delivery to be sent again by another
// after the lease: at least once on a crash (or a send outliving the
// lease), exactly once otherwise.
//
// Secrets: a webhook channel's secret is written once (AddChannel) and read
// only by DeliveryWork for signing; listings carry a short hint, never the
// secret.
//
// Tenancy: every method taking an org_id reads and writes only that
// organisation's rows; DueDeliveries, QueueDigests and Orgs span
// organisations for the collector's own background work. Errors: NOT_FOUND
// and INVALID_ARGUMENT as stated; anything else is the database's (INTERNAL,
// or UNAVAILABLE when it is busy), with nothing written.
//
// Thread safety: one AlertPort per thread (it owns a connection).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// Event kinds (the `kind` of conditions and events).
inline constexpr char kAlertCheckFailing[] = "check_failing";
inline constexpr char kAlertHostSilent[] = "host_silent";
inline constexpr char kAlertBannedSoftware[] = "banned_software";
inline constexpr char kAlertGradeChanged[] = "grade_changed";
inline constexpr char kAlertUnmanagedDevice[] = "unmanaged_device";
inline constexpr char kAlertTest[] = "test";

inline constexpr int kMaxDeliveryAttempts = 12;
// How long DueDeliveries' claim lasts. A delivery round stops starting new
// sends after half of it (alert_service.cpp), and one send is bounded by the
// SMTP and webhook timeouts, so a live collector settles what it claimed
// before another may take it.
inline constexpr std::chrono::seconds kDeliveryLease{600};
// Deliveries and cleared events older than this are pruned (serve's
// --alert-retention-days, one figure for every organisation).
inline constexpr int kDefaultAlertRetentionDays = 180;

struct AlertChannel {
  int64_t id = 0;
  std::string kind;      // "email" or "webhook"
  std::string target;    // the address, or the https:// URL
  std::string language;  // "ja" or "en"
  std::string schedule;  // "immediate", "daily" or "weekly"
  bool enabled = true;
  std::string secret_hint;  // webhook: first 6 characters of the secret
  TimePoint created_at;
};

// The rules for a new channel, on every backend: kind email or webhook,
// language ja or en, schedule immediate, daily or weekly, and a webhook's
// signing secret of 16 or more characters. INVALID_ARGUMENT naming the
// field otherwise.
Status CheckNewAlertChannel(const AlertChannel& channel,
                            const std::string& secret);

struct AlertSettings {
  int silent_days = 7;
  int max_per_hour = 10;
};

// A condition that holds now. host_id 0 is the organisation as a whole.
// subject identifies what within the host ("antivirus_definitions_fresh",
// a dictionary title id); names and detail are what people read, fixed when
// the event is raised.
struct AlertCondition {
  std::string kind;
  int64_t host_id = 0;
  std::string subject;
  std::string hostname;
  std::string subject_ja;
  std::string subject_en;
  std::string detail;
};

struct AlertEvent {
  int64_t id = 0;
  int64_t org_id = 0;
  AlertCondition condition;
  TimePoint raised_at;
  std::optional<TimePoint> cleared_at;
};

struct ReconcileOutcome {
  std::vector<int64_t> raised;  // event ids
  int64_t cleared = 0;
};

struct AlertDelivery {
  int64_t id = 0;
  int64_t org_id = 0;
  int64_t channel_id = 0;
  std::string channel_kind;
  std::string target;
  std::string language;
  std::string schedule;  // the channel's
  std::string purpose;   // "alert", "batch", "digest" or "test"
  std::string state;     // "pending", "sent", "failed"
  int attempts = 0;
  TimePoint created_at;
  TimePoint next_attempt_at;
  std::optional<TimePoint> sent_at;
  std::string last_error;
  std::vector<int64_t> event_ids;
};

// What a delivery needs to be sent: the delivery, its channel's secret
// (webhooks), its organisation's name and its events.
struct DeliveryWork {
  AlertDelivery delivery;
  std::string org;
  std::string secret;
  std::vector<AlertEvent> events;
};

// A host as the silent-host sweep sees it.
struct AlertHost {
  int64_t host_id = 0;
  std::string hostname;
  std::optional<TimePoint> last_collected_at;  // unset: never reported
};

struct AlertAuditEntry {
  TimePoint at;
  std::string who;
  std::string action;
  std::string detail;
};

class AlertPort {
 public:
  virtual ~AlertPort() = default;

  // The organisation's id; NOT_FOUND naming it when absent.
  virtual Result<int64_t> OrgId(const std::string& org) = 0;
  // Every organisation's id, ascending.
  virtual Result<std::vector<int64_t>> Orgs() = 0;

  // The organisation's hosts by id, with their last report's collection
  // time; revoked hosts are left out.
  virtual Result<std::vector<AlertHost>> Hosts(int64_t org_id) = 0;

  // Adds a channel and writes an audit row. INVALID_ARGUMENT for an unknown
  // kind, language or schedule; ALREADY_EXISTS for the same kind and target.
  // Returns the new id. `secret` is kept for webhooks ("" for e-mail).
  virtual Result<int64_t> AddChannel(int64_t org_id,
                                     const AlertChannel& channel,
                                     const std::string& secret,
                                     const std::string& who, TimePoint now) = 0;
  // NOT_FOUND when the organisation has no such channel. Its queued
  // deliveries fail with "channel removed"; sent ones stay listed.
  virtual Status RemoveChannel(int64_t org_id, int64_t channel_id,
                               const std::string& who, TimePoint now) = 0;
  virtual Result<std::vector<AlertChannel>> Channels(int64_t org_id) = 0;

  // Defaults (AlertSettings{}) when never set.
  virtual Result<AlertSettings> Settings(int64_t org_id) = 0;
  // INVALID_ARGUMENT for silent_days outside 1..365 or max_per_hour
  // outside 1..1000.
  virtual Status SetSettings(int64_t org_id, const AlertSettings& settings,
                             const std::string& who, TimePoint now) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<AlertAuditEntry>> History(int64_t org_id,
                                                       int limit) = 0;

  // Compares `current` (the conditions of the kinds in `kinds` that hold
  // now) with the open ones of those kinds; raises, clears and queues as the
  // header says, all in one transaction.
  virtual Result<ReconcileOutcome> Reconcile(
      int64_t org_id, const std::vector<std::string>& kinds,
      const std::vector<AlertCondition>& current, TimePoint now) = 0;
  // Raises one event that is not a lasting condition (a grade change, a
  // test) and queues it: for every immediate channel, or only for
  // `channel_id` when it is not 0 (NOT_FOUND when that is not the
  // organisation's channel).
  virtual Result<int64_t> RaiseOnce(int64_t org_id,
                                    const AlertCondition& condition,
                                    TimePoint now, int64_t channel_id = 0) = 0;

  // The organisation's grade per rule as the alerts last saw it
  // ({"antivirus": "B", …}); nullopt before the first time.
  virtual Result<std::optional<std::string>> SeenGrades(int64_t org_id) = 0;
  virtual Status SetSeenGrades(int64_t org_id,
                               const std::string& rules_json) = 0;

  // Queues a digest for every digest channel (of any organisation) whose
  // period has passed since its last digest, with the events raised in that
  // period (none queued when there were none; the period still moves on).
  // Returns how many were queued.
  virtual Result<int64_t> QueueDigests(TimePoint now) = 0;

  // Claims pending and failed deliveries due at `now` (next_attempt_at <=
  // now) that no unexpired claim holds, oldest first, at most `limit`,
  // across organisations, until `now` + kDeliveryLease (see the header).
  virtual Result<std::vector<DeliveryWork>> DueDeliveries(TimePoint now,
                                                          int limit) = 0;
  // Records a successful delivery (and ends its claim).
  virtual Status MarkSent(int64_t delivery_id, TimePoint now) = 0;
  // Records a failed attempt: attempts + 1, `error` kept, the next attempt
  // after the backoff (1 min × 2^(attempts-1), at most 6 h); no more
  // attempts after kMaxDeliveryAttempts. Returns the next attempt time, or
  // nullopt when given up. A delivery already sent (by another collector,
  // after this one's claim ran out) stays sent: nullopt, nothing changed.
  virtual Result<std::optional<TimePoint>> MarkFailed(int64_t delivery_id,
                                                      const std::string& error,
                                                      TimePoint now) = 0;

  // Newest first, at most `limit`; only open ones when `open_only`.
  virtual Result<std::vector<AlertEvent>> Events(int64_t org_id, bool open_only,
                                                 int limit) = 0;
  // Newest first, at most `limit`.
  virtual Result<std::vector<AlertDelivery>> Deliveries(int64_t org_id,
                                                        int limit) = 0;
  // The console's page of deliveries: newest first, those with an id below
  // `before_id` (0: from the newest), at most `limit`, each with its events
  // (event_ids filled; `secret` and `org` left empty).
  virtual Result<std::vector<DeliveryWork>> DeliveryPage(int64_t org_id,
                                                         int64_t before_id,
                                                         int limit) = 0;

  // Retention, across organisations: deletes deliveries created before
  // `cutoff` that need no more attempts (sent, or failed for good), then
  // events raised before `cutoff` that have cleared and that no remaining
  // delivery names; at most `max_rows` rows in one transaction. Open
  // conditions, pending retries, channels, settings and the alert audit
  // trail are kept. Returns the rows deleted.
  virtual Result<int64_t> PruneBefore(TimePoint cutoff, int64_t max_rows) = 0;
};

}  // namespace mamori::store
