#include "collector/store/postgres/pg_alert_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "collector/store/delivery_error.h"
#include "collector/store/postgres/pg_audit_rows.h"

namespace mamori::store::pg {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kMaxBackoffSeconds = 6 * kHour;

// Transaction advisory locks: one organisation's conditions (as the
// register's per-organisation lock, under its own name), the digest pass
// and the retention pass ('mamo' 'dgst' / 'alrt').
constexpr char kOrgLock[] =
    "SELECT pg_advisory_xact_lock(hashtext('alerts'), $1::int)";
constexpr char kDigestLock[] =
    "SELECT pg_advisory_xact_lock(1835101551, 1684501364)";
constexpr char kPruneLock[] =
    "SELECT pg_advisory_xact_lock(1835101551, 1634497140)";

int64_t PeriodSeconds(const std::string& schedule) {
  return schedule == "weekly" ? 7 * 24 * kHour : 24 * kHour;
}

// Columns read by ReadEvent, in its order.
#define MAMORI_EVENT_COLUMNS                                                 \
  "e.id, e.org_id, e.kind, e.host_id, e.subject, e.hostname, e.subject_ja, " \
  "e.subject_en, e.detail, e.raised_at, e.cleared_at"

AlertEvent ReadEvent(const Rows& rows, int r, int base = 0) {
  AlertEvent e;
  e.id = rows.Int(r, base + 0);
  e.org_id = rows.Int(r, base + 1);
  e.condition.kind = rows.Text(r, base + 2);
  e.condition.host_id = rows.Int(r, base + 3);
  e.condition.subject = rows.Text(r, base + 4);
  e.condition.hostname = rows.Text(r, base + 5);
  e.condition.subject_ja = rows.Text(r, base + 6);
  e.condition.subject_en = rows.Text(r, base + 7);
  e.condition.detail = rows.Text(r, base + 8);
  e.raised_at = FromUnixSeconds(rows.Int(r, base + 9));
  if (auto cleared = rows.OptionalInt(r, base + 10)) {
    e.cleared_at = FromUnixSeconds(*cleared);
  }
  return e;
}

// Columns read by ReadDelivery, in its order.
#define MAMORI_DELIVERY_COLUMNS                                             \
  "d.id, d.org_id, d.channel_id, c.kind, c.target, c.language, d.purpose, " \
  "d.state, d.attempts, d.created_at, d.next_attempt_at, d.sent_at, "       \
  "d.last_error, c.schedule"

AlertDelivery ReadDelivery(const Rows& rows, int r) {
  AlertDelivery d;
  d.id = rows.Int(r, 0);
  d.org_id = rows.Int(r, 1);
  d.channel_id = rows.Int(r, 2);
  d.channel_kind = rows.Text(r, 3);
  d.target = rows.Text(r, 4);
  d.language = rows.Text(r, 5);
  d.purpose = rows.Text(r, 6);
  d.state = rows.Text(r, 7);
  d.attempts = static_cast<int>(rows.Int(r, 8));
  d.created_at = FromUnixSeconds(rows.Int(r, 9));
  // next_attempt_at NULL: nothing more will be tried.
  if (auto next = rows.OptionalInt(r, 10)) {
    d.next_attempt_at = FromUnixSeconds(*next);
  }
  if (auto sent = rows.OptionalInt(r, 11)) d.sent_at = FromUnixSeconds(*sent);
  d.last_error = rows.Text(r, 12);
  d.schedule = rows.Text(r, 13);
  return d;
}

std::vector<int64_t> Ids(const std::vector<DeliveryWork>& works) {
  std::vector<int64_t> ids;
  for (const DeliveryWork& w : works) ids.push_back(w.delivery.id);
  return ids;
}

}  // namespace

Result<std::unique_ptr<PgAlertStore>> PgAlertStore::Open(
    const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<PgAlertStore>(
      new PgAlertStore(std::move(conn).value()));
}

Result<int64_t> PgAlertStore::OrgId(const std::string& org) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT id FROM organizations WHERE name = $1", Params().Add(org));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) {
    return NotFoundError("organisation \"" + org + "\" not found");
  }
  return rows->Int(0, 0);
}

Result<std::vector<int64_t>> PgAlertStore::Orgs() {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query("SELECT id FROM organizations ORDER BY id");
  if (!rows.ok()) return rows.status();
  std::vector<int64_t> ids;
  for (int r = 0; r < rows->size(); ++r) ids.push_back(rows->Int(r, 0));
  return ids;
}

Result<std::vector<AlertHost>> PgAlertStore::Hosts(int64_t org_id) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT h.id, h.hostname, h.last_collected_at FROM hosts h "
      "WHERE h.org_id = $1 AND NOT EXISTS (SELECT 1 FROM host_revocations r "
      "WHERE r.host_id = h.id AND r.revoked_at >= h.enrolled_at) "
      "ORDER BY h.id",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<AlertHost> out;
  for (int r = 0; r < rows->size(); ++r) {
    AlertHost h;
    h.host_id = rows->Int(r, 0);
    h.hostname = rows->Text(r, 1);
    if (auto at = rows->OptionalInt(r, 2)) {
      h.last_collected_at = FromUnixSeconds(*at);
    }
    out.push_back(std::move(h));
  }
  return out;
}

Result<int64_t> PgAlertStore::AddChannel(int64_t org_id,
                                         const AlertChannel& channel,
                                         const std::string& secret,
                                         const std::string& who,
                                         TimePoint now) {
  MAMORI_RETURN_IF_ERROR(CheckNewAlertChannel(channel, secret));
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> inserted = conn_.Query(
      "INSERT INTO alert_channels (org_id, kind, target, language, schedule, "
      "hmac_key, enabled, created_at, digest_until) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
      Params()
          .Add(org_id)
          .Add(channel.kind)
          .Add(channel.target)
          .Add(channel.language)
          .Add(channel.schedule)
          .Add(channel.kind == "webhook" ? secret : std::string())
          .Add(int64_t{channel.enabled ? 1 : 0})
          .Add(ToUnixSeconds(now)));
  if (!inserted.ok()) {
    if (inserted.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("the organisation already has the " +
                                channel.kind + " channel " + channel.target);
    }
    return inserted.status();
  }
  const int64_t id = inserted->Int(0, 0);
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
      conn_, AuditTrail::kAlerts, org_id, now, who, "channel_added",
      "#" + std::to_string(id) + " " + channel.kind + " " + channel.target +
          " " + channel.language + " " + channel.schedule));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status PgAlertStore::RemoveChannel(int64_t org_id, int64_t channel_id,
                                   const std::string& who, TimePoint now) {
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> removed = conn_.Query(
      "UPDATE alert_channels SET removed = 1, enabled = 0, hmac_key = '' "
      "WHERE id = $1 AND org_id = $2 AND removed = 0",
      Params().Add(channel_id).Add(org_id));
  if (!removed.ok()) return removed.status();
  if (removed->Affected() == 0) {
    return NotFoundError("no alert channel #" + std::to_string(channel_id) +
                         " in this organisation");
  }
  Result<Rows> cancelled = conn_.Query(
      "UPDATE alert_deliveries SET state = 'failed', next_attempt_at = NULL, "
      "lease_until = NULL, last_error = 'channel removed' "
      "WHERE channel_id = $1 AND next_attempt_at IS NOT NULL",
      Params().Add(channel_id));
  if (!cancelled.ok()) return cancelled.status();
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(conn_, AuditTrail::kAlerts, org_id,
                                          now, who, "channel_removed",
                                          "#" + std::to_string(channel_id)));
  return tx.Commit();
}

Result<std::vector<AlertChannel>> PgAlertStore::Channels(int64_t org_id) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT id, kind, target, language, schedule, enabled, "
      "substr(hmac_key, 1, 6), created_at FROM alert_channels "
      "WHERE org_id = $1 AND removed = 0 ORDER BY id",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  std::vector<AlertChannel> out;
  for (int r = 0; r < rows->size(); ++r) {
    AlertChannel c;
    c.id = rows->Int(r, 0);
    c.kind = rows->Text(r, 1);
    c.target = rows->Text(r, 2);
    c.language = rows->Text(r, 3);
    c.schedule = rows->Text(r, 4);
    c.enabled = rows->Int(r, 5) != 0;
    c.secret_hint = rows->Text(r, 6);
    c.created_at = FromUnixSeconds(rows->Int(r, 7));
    out.push_back(std::move(c));
  }
  return out;
}

Result<AlertSettings> PgAlertStore::SettingsLocked(int64_t org_id) {
  Result<Rows> rows = conn_.Query(
      "SELECT silent_days, max_per_hour FROM alert_settings WHERE org_id = $1",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  AlertSettings settings;
  if (rows->size() > 0) {
    settings.silent_days = static_cast<int>(rows->Int(0, 0));
    settings.max_per_hour = static_cast<int>(rows->Int(0, 1));
  }
  return settings;
}

Result<AlertSettings> PgAlertStore::Settings(int64_t org_id) {
  std::lock_guard lock(mu_);
  return SettingsLocked(org_id);
}

Status PgAlertStore::SetSettings(int64_t org_id, const AlertSettings& settings,
                                 const std::string& who, TimePoint now) {
  if (settings.silent_days < 1 || settings.silent_days > 365) {
    return InvalidArgumentError("silent days must be between 1 and 365");
  }
  if (settings.max_per_hour < 1 || settings.max_per_hour > 1000) {
    return InvalidArgumentError("max per hour must be between 1 and 1000");
  }
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> set = conn_.Query(
      "INSERT INTO alert_settings (org_id, silent_days, max_per_hour) "
      "VALUES ($1, $2, $3) ON CONFLICT (org_id) DO UPDATE SET "
      "silent_days = excluded.silent_days, "
      "max_per_hour = excluded.max_per_hour",
      Params()
          .Add(org_id)
          .Add(settings.silent_days)
          .Add(settings.max_per_hour));
  if (!set.ok()) return set.status();
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
      conn_, AuditTrail::kAlerts, org_id, now, who, "settings_set",
      "silent_days=" + std::to_string(settings.silent_days) +
          " max_per_hour=" + std::to_string(settings.max_per_hour)));
  return tx.Commit();
}

Result<std::vector<AlertAuditEntry>> PgAlertStore::History(int64_t org_id,
                                                           int limit) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT at, who, action, detail FROM alert_audit WHERE org_id = $1 "
      "ORDER BY id DESC LIMIT $2",
      Params().Add(org_id).Add(std::max(limit, 0)));
  if (!rows.ok()) return rows.status();
  std::vector<AlertAuditEntry> out;
  for (int r = 0; r < rows->size(); ++r) {
    out.push_back({FromUnixSeconds(rows->Int(r, 0)), rows->Text(r, 1),
                   rows->Text(r, 2), rows->Text(r, 3)});
  }
  return out;
}

Result<int64_t> PgAlertStore::InsertEvent(int64_t org_id,
                                          const AlertCondition& c,
                                          TimePoint now) {
  Result<Rows> rows = conn_.Query(
      "INSERT INTO alert_events (org_id, kind, host_id, subject, hostname, "
      "subject_ja, subject_en, detail, raised_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      Params()
          .Add(org_id)
          .Add(c.kind)
          .Add(c.host_id)
          .Add(c.subject)
          .Add(c.hostname)
          .Add(c.subject_ja)
          .Add(c.subject_en)
          .Add(c.detail)
          .Add(ToUnixSeconds(now)));
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

Status PgAlertStore::QueueEvent(int64_t org_id, int64_t event_id, bool test,
                                int64_t only_channel, TimePoint now) {
  Result<AlertSettings> settings = SettingsLocked(org_id);
  if (!settings.ok()) return settings.status();
  const int64_t t = ToUnixSeconds(now);
  Result<Rows> channels = conn_.Query(
      "SELECT id FROM alert_channels WHERE org_id = $1 AND removed = 0 AND "
      "enabled = 1 AND ($2::bigint = 0 AND schedule = 'immediate' OR "
      "id = $2::bigint) ORDER BY id",
      Params().Add(org_id).Add(only_channel));
  if (!channels.ok()) return channels.status();
  if (only_channel != 0 && channels->size() == 0) {
    return NotFoundError("no alert channel #" + std::to_string(only_channel) +
                         " in this organisation");
  }
  for (int r = 0; r < channels->size(); ++r) {
    const int64_t channel = channels->Int(r, 0);
    int64_t delivery = 0;
    if (!test) {
      // Messages in the last hour (tests are not counted), and the oldest.
      Result<Rows> window = conn_.Query(
          "SELECT COUNT(*), MIN(created_at) FROM alert_deliveries "
          "WHERE channel_id = $1 AND purpose IN ('alert', 'batch') "
          "AND created_at > $2",
          Params().Add(channel).Add(t - kHour));
      if (!window.ok()) return window.status();
      const int64_t sent_in_hour = window->Int(0, 0);
      const int64_t oldest = window->IsNull(0, 1) ? t : window->Int(0, 1);
      if (sent_in_hour >= settings->max_per_hour) {
        // A batch not sent yet that later events can join.
        Result<Rows> batch = conn_.Query(
            "SELECT id FROM alert_deliveries WHERE channel_id = $1 AND "
            "purpose = 'batch' AND state = 'pending' AND attempts = 0 AND "
            "next_attempt_at > $2 ORDER BY id DESC LIMIT 1",
            Params().Add(channel).Add(t));
        if (!batch.ok()) return batch.status();
        if (batch->size() > 0) {
          delivery = batch->Int(0, 0);
        } else {
          // Sent when the oldest message of the window is an hour old.
          Result<Rows> created = conn_.Query(
              "INSERT INTO alert_deliveries (org_id, channel_id, purpose, "
              "state, created_at, next_attempt_at) VALUES ($1, $2, 'batch', "
              "'pending', $3, $4) RETURNING id",
              Params().Add(org_id).Add(channel).Add(t).Add(
                  std::max(t, oldest + kHour)));
          if (!created.ok()) return created.status();
          delivery = created->Int(0, 0);
        }
      }
    }
    if (delivery == 0) {
      Result<Rows> created = conn_.Query(
          "INSERT INTO alert_deliveries (org_id, channel_id, purpose, state, "
          "created_at, next_attempt_at) VALUES ($1, $2, $3, 'pending', $4, "
          "$4) RETURNING id",
          Params()
              .Add(org_id)
              .Add(channel)
              .Add(test ? "test" : "alert")
              .Add(t));
      if (!created.ok()) return created.status();
      delivery = created->Int(0, 0);
    }
    Result<Rows> linked = conn_.Query(
        "INSERT INTO alert_delivery_events (delivery_id, event_id) "
        "VALUES ($1, $2) ON CONFLICT DO NOTHING",
        Params().Add(delivery).Add(event_id));
    if (!linked.ok()) return linked.status();
  }
  return Status::Ok();
}

Result<ReconcileOutcome> PgAlertStore::Reconcile(
    int64_t org_id, const std::vector<std::string>& kinds,
    const std::vector<AlertCondition>& current, TimePoint now) {
  using Key = std::tuple<std::string, int64_t, std::string>;
  const std::set<std::string> kind_set(kinds.begin(), kinds.end());
  for (const auto& c : current) {
    if (!kind_set.contains(c.kind)) {
      return InvalidArgumentError("condition of kind " + c.kind +
                                  " outside the kinds reconciled");
    }
  }
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // Another collector reconciling this organisation finishes first; its
  // open conditions are then read below (READ COMMITTED: each statement
  // sees what was committed before it began).
  MAMORI_RETURN_IF_ERROR(conn_.Query(kOrgLock, Params().Add(org_id)).status());
  std::map<Key, int64_t> open;
  Result<Rows> rows = conn_.Query(
      "SELECT kind, host_id, subject, event_id FROM alert_open "
      "WHERE org_id = $1",
      Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  for (int r = 0; r < rows->size(); ++r) {
    std::string kind = rows->Text(r, 0);
    if (kind_set.contains(kind)) {
      open[{kind, rows->Int(r, 1), rows->Text(r, 2)}] = rows->Int(r, 3);
    }
  }
  ReconcileOutcome outcome;
  std::set<Key> seen;
  for (const auto& c : current) {
    Key key{c.kind, c.host_id, c.subject};
    if (!seen.insert(key).second || open.contains(key)) continue;
    Result<int64_t> event = InsertEvent(org_id, c, now);
    if (!event.ok()) return event.status();
    Result<Rows> added = conn_.Query(
        "INSERT INTO alert_open (org_id, kind, host_id, subject, event_id) "
        "VALUES ($1, $2, $3, $4, $5)",
        Params().Add(org_id).Add(c.kind).Add(c.host_id).Add(c.subject).Add(
            *event));
    if (!added.ok()) return added.status();
    MAMORI_RETURN_IF_ERROR(QueueEvent(org_id, *event, false, 0, now));
    outcome.raised.push_back(*event);
  }
  for (const auto& [key, event_id] : open) {
    if (seen.contains(key)) continue;
    Result<Rows> closed = conn_.Query(
        "DELETE FROM alert_open WHERE org_id = $1 AND kind = $2 AND "
        "host_id = $3 AND subject = $4",
        Params()
            .Add(org_id)
            .Add(std::get<0>(key))
            .Add(std::get<1>(key))
            .Add(std::get<2>(key)));
    if (!closed.ok()) return closed.status();
    Result<Rows> cleared = conn_.Query(
        "UPDATE alert_events SET cleared_at = $1 WHERE id = $2 AND "
        "org_id = $3",
        Params().Add(ToUnixSeconds(now)).Add(event_id).Add(org_id));
    if (!cleared.ok()) return cleared.status();
    ++outcome.cleared;
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

Result<int64_t> PgAlertStore::RaiseOnce(int64_t org_id,
                                        const AlertCondition& condition,
                                        TimePoint now, int64_t channel_id) {
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // The hourly window is counted under the organisation's lock.
  MAMORI_RETURN_IF_ERROR(conn_.Query(kOrgLock, Params().Add(org_id)).status());
  Result<int64_t> event = InsertEvent(org_id, condition, now);
  if (!event.ok()) return event.status();
  // A one-off event has nothing to clear.
  Result<Rows> cleared =
      conn_.Query("UPDATE alert_events SET cleared_at = $1 WHERE id = $2",
                  Params().Add(ToUnixSeconds(now)).Add(*event));
  if (!cleared.ok()) return cleared.status();
  MAMORI_RETURN_IF_ERROR(QueueEvent(
      org_id, *event, condition.kind == kAlertTest, channel_id, now));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return *event;
}

Result<std::optional<std::string>> PgAlertStore::SeenGrades(int64_t org_id) {
  std::lock_guard lock(mu_);
  Result<Rows> rows =
      conn_.Query("SELECT rules_json FROM alert_grades_seen WHERE org_id = $1",
                  Params().Add(org_id));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows->Text(0, 0));
}

Status PgAlertStore::SetSeenGrades(int64_t org_id,
                                   const std::string& rules_json) {
  std::lock_guard lock(mu_);
  return conn_
      .Query(
          "INSERT INTO alert_grades_seen (org_id, rules_json) VALUES ($1, $2) "
          "ON CONFLICT (org_id) DO UPDATE SET rules_json = excluded.rules_json",
          Params().Add(org_id).Add(rules_json))
      .status();
}

Result<int64_t> PgAlertStore::QueueDigests(TimePoint now) {
  const int64_t t = ToUnixSeconds(now);
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // One collector at a time: the next one reads the periods moved on.
  MAMORI_RETURN_IF_ERROR(conn_.Exec(kDigestLock));
  Result<Rows> channels = conn_.Query(
      "SELECT id, org_id, schedule, digest_until FROM alert_channels "
      "WHERE removed = 0 AND enabled = 1 AND schedule IN ('daily', 'weekly')");
  if (!channels.ok()) return channels.status();
  int64_t queued = 0;
  for (int r = 0; r < channels->size(); ++r) {
    const int64_t channel = channels->Int(r, 0);
    const int64_t org_id = channels->Int(r, 1);
    const int64_t from = channels->Int(r, 3);
    if (from + PeriodSeconds(channels->Text(r, 2)) > t) continue;
    Result<Rows> events = conn_.Query(
        "SELECT id FROM alert_events WHERE org_id = $1 AND kind <> 'test' AND "
        "raised_at >= $2 AND raised_at < $3 ORDER BY id",
        Params().Add(org_id).Add(from).Add(t));
    if (!events.ok()) return events.status();
    if (events->size() > 0) {
      std::vector<int64_t> ids;
      for (int e = 0; e < events->size(); ++e) ids.push_back(events->Int(e, 0));
      Result<Rows> created = conn_.Query(
          "INSERT INTO alert_deliveries (org_id, channel_id, purpose, state, "
          "created_at, next_attempt_at) VALUES ($1, $2, 'digest', 'pending', "
          "$3, $3) RETURNING id",
          Params().Add(org_id).Add(channel).Add(t));
      if (!created.ok()) return created.status();
      Result<Rows> linked = conn_.Query(
          "INSERT INTO alert_delivery_events (delivery_id, event_id) "
          "SELECT $1, unnest($2::bigint[])",
          Params().Add(created->Int(0, 0)).Add(IntArray(ids)));
      if (!linked.ok()) return linked.status();
      ++queued;
    }
    Result<Rows> moved =
        conn_.Query("UPDATE alert_channels SET digest_until = $1 WHERE id = $2",
                    Params().Add(t).Add(channel));
    if (!moved.ok()) return moved.status();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return queued;
}

Status PgAlertStore::FillEvents(std::vector<DeliveryWork>& works) {
  if (works.empty()) return Status::Ok();
  Result<Rows> rows = conn_.Query(
      "SELECT de.delivery_id, " MAMORI_EVENT_COLUMNS
      " FROM alert_delivery_events de JOIN alert_events e "
      "ON e.id = de.event_id WHERE de.delivery_id = ANY($1::bigint[]) "
      "ORDER BY de.delivery_id, e.id",
      Params().Add(IntArray(Ids(works))));
  if (!rows.ok()) return rows.status();
  std::map<int64_t, DeliveryWork*> by_id;
  for (DeliveryWork& w : works) by_id[w.delivery.id] = &w;
  for (int r = 0; r < rows->size(); ++r) {
    auto it = by_id.find(rows->Int(r, 0));
    if (it == by_id.end()) continue;
    AlertEvent e = ReadEvent(*rows, r, 1);
    it->second->delivery.event_ids.push_back(e.id);
    it->second->events.push_back(std::move(e));
  }
  return Status::Ok();
}

Result<std::vector<DeliveryWork>> PgAlertStore::DueDeliveries(TimePoint now,
                                                              int limit) {
  const int64_t t = ToUnixSeconds(now);
  std::lock_guard lock(mu_);
  // One statement: the rows are locked while claimed, and SKIP LOCKED
  // passes over those another collector is claiming at this instant; the
  // lease then keeps them from being claimed again once it commits.
  Result<Rows> rows = conn_.Query(
      "WITH due AS (SELECT id FROM alert_deliveries "
      "WHERE next_attempt_at <= $1::bigint AND (lease_until IS NULL OR "
      "lease_until <= $1::bigint) ORDER BY next_attempt_at, id "
      "LIMIT $2::bigint FOR UPDATE SKIP LOCKED), "
      "claimed AS (UPDATE alert_deliveries x SET lease_until = $1::bigint + "
      "$3::bigint FROM due WHERE x.id = due.id RETURNING x.*) "
      "SELECT " MAMORI_DELIVERY_COLUMNS
      ", c.hmac_key, o.name FROM claimed d "
      "JOIN alert_channels c ON c.id = d.channel_id "
      "JOIN organizations o ON o.id = d.org_id "
      "ORDER BY d.next_attempt_at, d.id",
      Params()
          .Add(t)
          .Add(std::max(limit, 0))
          .Add(static_cast<int64_t>(kDeliveryLease.count())));
  if (!rows.ok()) return rows.status();
  std::vector<DeliveryWork> out;
  for (int r = 0; r < rows->size(); ++r) {
    DeliveryWork w;
    w.delivery = ReadDelivery(*rows, r);
    w.secret = rows->Text(r, 14);
    w.org = rows->Text(r, 15);
    out.push_back(std::move(w));
  }
  MAMORI_RETURN_IF_ERROR(FillEvents(out));
  return out;
}

Status PgAlertStore::MarkSent(int64_t delivery_id, TimePoint now) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "UPDATE alert_deliveries SET state = 'sent', sent_at = $1, "
      "attempts = attempts + 1, next_attempt_at = NULL, last_error = '', "
      "lease_until = NULL WHERE id = $2",
      Params().Add(ToUnixSeconds(now)).Add(delivery_id));
  if (!rows.ok()) return rows.status();
  if (rows->Affected() == 0) {
    return NotFoundError("no delivery #" + std::to_string(delivery_id));
  }
  return Status::Ok();
}

Result<std::optional<TimePoint>> PgAlertStore::MarkFailed(
    int64_t delivery_id, const std::string& error, TimePoint now) {
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  Result<Rows> read = conn_.Query(
      "SELECT attempts, state FROM alert_deliveries WHERE id = $1 FOR UPDATE",
      Params().Add(delivery_id));
  if (!read.ok()) return read.status();
  if (read->size() == 0) {
    return NotFoundError("no delivery #" + std::to_string(delivery_id));
  }
  // Sent meanwhile by another collector (this one's claim ran out): it
  // stays sent.
  if (read->View(0, 1) == "sent") return std::optional<TimePoint>();
  const int64_t attempts = read->Int(0, 0) + 1;
  std::optional<TimePoint> next;
  std::optional<int64_t> next_seconds;
  if (attempts < kMaxDeliveryAttempts) {
    const int64_t backoff =
        std::min<int64_t>(kMaxBackoffSeconds, int64_t{60} << (attempts - 1));
    next = now + std::chrono::seconds(backoff);
    next_seconds = ToUnixSeconds(*next);
  }
  const std::string kept = StoredDeliveryError(error);
  Result<Rows> updated = conn_.Query(
      "UPDATE alert_deliveries SET state = 'failed', attempts = $1, "
      "last_error = $2, next_attempt_at = $3, lease_until = NULL "
      "WHERE id = $4",
      Params().Add(attempts).Add(kept).Add(next_seconds).Add(delivery_id));
  if (!updated.ok()) return updated.status();
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return next;
}

Result<std::vector<AlertEvent>> PgAlertStore::Events(int64_t org_id,
                                                     bool open_only,
                                                     int limit) {
  std::lock_guard lock(mu_);
  Result<Rows> rows =
      conn_.Query("SELECT " MAMORI_EVENT_COLUMNS
                  " FROM alert_events e WHERE e.org_id = $1 AND "
                  "(NOT $2::boolean OR e.cleared_at IS NULL AND e.id IN "
                  "(SELECT event_id FROM alert_open WHERE org_id = $1)) "
                  "ORDER BY e.id DESC LIMIT $3",
                  Params().Add(org_id).Add(open_only).Add(std::max(limit, 0)));
  if (!rows.ok()) return rows.status();
  std::vector<AlertEvent> out;
  for (int r = 0; r < rows->size(); ++r) out.push_back(ReadEvent(*rows, r));
  return out;
}

Result<std::vector<AlertDelivery>> PgAlertStore::Deliveries(int64_t org_id,
                                                            int limit) {
  std::lock_guard lock(mu_);
  Result<Rows> rows =
      conn_.Query("SELECT " MAMORI_DELIVERY_COLUMNS
                  ", (SELECT array_agg(de.event_id ORDER BY de.event_id) FROM "
                  "alert_delivery_events de WHERE de.delivery_id = d.id) "
                  "FROM alert_deliveries d JOIN alert_channels c "
                  "ON c.id = d.channel_id WHERE d.org_id = $1 "
                  "ORDER BY d.id DESC LIMIT $2",
                  Params().Add(org_id).Add(std::max(limit, 0)));
  if (!rows.ok()) return rows.status();
  std::vector<AlertDelivery> out;
  for (int r = 0; r < rows->size(); ++r) {
    AlertDelivery d = ReadDelivery(*rows, r);
    if (!rows->IsNull(r, 14)) d.event_ids = ParseIntArray(rows->View(r, 14));
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<DeliveryWork>> PgAlertStore::DeliveryPage(int64_t org_id,
                                                             int64_t before_id,
                                                             int limit) {
  std::lock_guard lock(mu_);
  Result<Rows> rows = conn_.Query(
      "SELECT " MAMORI_DELIVERY_COLUMNS
      " FROM alert_deliveries d JOIN alert_channels c "
      "ON c.id = d.channel_id WHERE d.org_id = $1 "
      "AND ($2::bigint = 0 OR d.id < $2::bigint) ORDER BY d.id DESC LIMIT $3",
      Params().Add(org_id).Add(before_id).Add(std::max(limit, 0)));
  if (!rows.ok()) return rows.status();
  std::vector<DeliveryWork> out;
  for (int r = 0; r < rows->size(); ++r) {
    DeliveryWork w;
    w.delivery = ReadDelivery(*rows, r);
    out.push_back(std::move(w));
  }
  MAMORI_RETURN_IF_ERROR(FillEvents(out));
  return out;
}

Result<int64_t> PgAlertStore::PruneBefore(TimePoint cutoff, int64_t max_rows) {
  const int64_t before = ToUnixSeconds(cutoff);
  std::lock_guard lock(mu_);
  Transaction tx(conn_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  MAMORI_RETURN_IF_ERROR(conn_.Exec(kPruneLock));
  // Settled deliveries first (their links go with them), so the events
  // they named become prunable in the same pass.
  Result<Rows> settled = conn_.Query(
      "SELECT id FROM alert_deliveries WHERE created_at < $1 AND "
      "next_attempt_at IS NULL ORDER BY id LIMIT $2",
      Params().Add(before).Add(std::max<int64_t>(max_rows, 0)));
  if (!settled.ok()) return settled.status();
  std::vector<int64_t> ids;
  for (int r = 0; r < settled->size(); ++r) ids.push_back(settled->Int(r, 0));
  int64_t deleted = static_cast<int64_t>(ids.size());
  if (!ids.empty()) {
    const std::string list = IntArray(ids);
    Result<Rows> unlinked = conn_.Query(
        "DELETE FROM alert_delivery_events WHERE delivery_id = "
        "ANY($1::bigint[])",
        Params().Add(list));
    if (!unlinked.ok()) return unlinked.status();
    Result<Rows> dropped =
        conn_.Query("DELETE FROM alert_deliveries WHERE id = ANY($1::bigint[])",
                    Params().Add(list));
    if (!dropped.ok()) return dropped.status();
  }
  if (deleted < max_rows) {
    Result<Rows> events = conn_.Query(
        "DELETE FROM alert_events WHERE id IN (SELECT e.id FROM alert_events "
        "e WHERE e.raised_at < $1 AND e.cleared_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM alert_delivery_events de WHERE de.event_id = e.id) "
        "AND NOT EXISTS (SELECT 1 FROM alert_open o WHERE o.event_id = e.id) "
        "ORDER BY e.id LIMIT $2)",
        Params().Add(before).Add(max_rows - deleted));
    if (!events.ok()) return events.status();
    deleted += events->Affected();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return deleted;
}

}  // namespace mamori::store::pg
