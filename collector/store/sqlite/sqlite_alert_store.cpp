#include "collector/store/sqlite/sqlite_alert_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "collector/store/delivery_error.h"
#include "collector/store/sqlite/org_lookup.h"
#include "collector/store/sqlite/sqlite_audit_rows.h"

namespace mamori::store {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kMaxBackoffSeconds = 6 * kHour;

template <typename Fn>
Status EachRow(Statement& st, Fn&& row) {
  while (true) {
    auto more = st.Step();
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    MAMORI_RETURN_IF_ERROR(row(st));
  }
}

int64_t PeriodSeconds(const std::string& schedule) {
  return schedule == "weekly" ? 7 * 24 * kHour : 24 * kHour;
}

constexpr char kEventColumns[] =
    "e.id, e.org_id, e.kind, e.host_id, e.subject, e.hostname, e.subject_ja, "
    "e.subject_en, e.detail, e.raised_at, e.cleared_at";

AlertEvent ReadEvent(const Statement& st) {
  AlertEvent e;
  e.id = st.ColumnInt(0);
  e.org_id = st.ColumnInt(1);
  e.condition.kind = st.ColumnText(2);
  e.condition.host_id = st.ColumnInt(3);
  e.condition.subject = st.ColumnText(4);
  e.condition.hostname = st.ColumnText(5);
  e.condition.subject_ja = st.ColumnText(6);
  e.condition.subject_en = st.ColumnText(7);
  e.condition.detail = st.ColumnText(8);
  e.raised_at = FromUnixSeconds(st.ColumnInt(9));
  if (auto cleared = st.ColumnOptionalInt(10)) {
    e.cleared_at = FromUnixSeconds(*cleared);
  }
  return e;
}

constexpr char kDeliveryColumns[] =
    "d.id, d.org_id, d.channel_id, c.kind, c.target, c.language, d.purpose, "
    "d.state, d.attempts, d.created_at, d.next_attempt_at, d.sent_at, "
    "d.last_error, c.schedule";

AlertDelivery ReadDelivery(const Statement& st) {
  AlertDelivery d;
  d.id = st.ColumnInt(0);
  d.org_id = st.ColumnInt(1);
  d.channel_id = st.ColumnInt(2);
  d.channel_kind = st.ColumnText(3);
  d.target = st.ColumnText(4);
  d.language = st.ColumnText(5);
  d.purpose = st.ColumnText(6);
  d.state = st.ColumnText(7);
  d.attempts = static_cast<int>(st.ColumnInt(8));
  d.created_at = FromUnixSeconds(st.ColumnInt(9));
  // next_attempt_at NULL: nothing more will be tried.
  if (auto next = st.ColumnOptionalInt(10)) {
    d.next_attempt_at = FromUnixSeconds(*next);
  }
  if (auto sent = st.ColumnOptionalInt(11)) d.sent_at = FromUnixSeconds(*sent);
  d.last_error = st.ColumnText(12);
  d.schedule = st.ColumnText(13);
  return d;
}

}  // namespace

Result<std::unique_ptr<SqliteAlertStore>> SqliteAlertStore::Open(
    const std::string& path) {
  auto db = Database::Open(path, /*create=*/false);
  if (!db.ok()) return db.status();
  return std::unique_ptr<SqliteAlertStore>(
      new SqliteAlertStore(std::move(*db)));
}

Result<int64_t> SqliteAlertStore::OrgId(const std::string& org) {
  return OrgIdByName(db_, org);
}

Result<std::vector<int64_t>> SqliteAlertStore::Orgs() {
  auto st = db_.Prepare("SELECT id FROM organizations ORDER BY id");
  if (!st.ok()) return st.status();
  std::vector<int64_t> ids;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    ids.push_back(s.ColumnInt(0));
    return Status::Ok();
  }));
  return ids;
}

Result<std::vector<AlertHost>> SqliteAlertStore::Hosts(int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT h.id, h.hostname, h.last_collected_at FROM hosts h "
      "WHERE h.org_id = ? AND NOT EXISTS (SELECT 1 FROM host_revocations r "
      "WHERE r.host_id = h.id AND r.revoked_at >= h.enrolled_at) "
      "ORDER BY h.id");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  std::vector<AlertHost> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    AlertHost h;
    h.host_id = s.ColumnInt(0);
    h.hostname = s.ColumnText(1);
    if (auto at = s.ColumnOptionalInt(2)) {
      h.last_collected_at = FromUnixSeconds(*at);
    }
    out.push_back(std::move(h));
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> SqliteAlertStore::AddChannel(int64_t org_id,
                                             const AlertChannel& channel,
                                             const std::string& secret,
                                             const std::string& who,
                                             TimePoint now) {
  MAMORI_RETURN_IF_ERROR(CheckNewAlertChannel(channel, secret));
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(
      "INSERT INTO alert_channels (org_id, kind, target, language, schedule, "
      "hmac_key, enabled, created_at, digest_until) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, channel.kind).Bind(3, channel.target);
  st->Bind(4, channel.language).Bind(5, channel.schedule);
  st->Bind(6, channel.kind == "webhook" ? secret : std::string());
  st->Bind(7, int64_t{channel.enabled ? 1 : 0});
  st->Bind(8, ToUnixSeconds(now)).Bind(9, ToUnixSeconds(now));
  if (Status s = st->Run(); !s.ok()) {
    if (s.code() == StatusCode::kAborted) {
      return AlreadyExistsError("the organisation already has the " +
                                channel.kind + " channel " + channel.target);
    }
    return s;
  }
  const int64_t id = db_.LastInsertId();
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
      db_, AuditTrail::kAlerts, org_id, now, who, "channel_added",
      "#" + std::to_string(id) + " " + channel.kind + " " + channel.target +
          " " + channel.language + " " + channel.schedule));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status SqliteAlertStore::RemoveChannel(int64_t org_id, int64_t channel_id,
                                       const std::string& who, TimePoint now) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(
      "UPDATE alert_channels SET removed = 1, enabled = 0, hmac_key = '' "
      "WHERE id = ? AND org_id = ? AND removed = 0");
  if (!st.ok()) return st.status();
  st->Bind(1, channel_id).Bind(2, org_id);
  MAMORI_RETURN_IF_ERROR(st->Run());
  if (db_.Changes() == 0) {
    return NotFoundError("no alert channel #" + std::to_string(channel_id) +
                         " in this organisation");
  }
  auto cancel = db_.Prepare(
      "UPDATE alert_deliveries SET state = 'failed', next_attempt_at = NULL, "
      "last_error = 'channel removed' "
      "WHERE channel_id = ? AND next_attempt_at IS NOT NULL");
  if (!cancel.ok()) return cancel.status();
  cancel->Bind(1, channel_id);
  MAMORI_RETURN_IF_ERROR(cancel->Run());
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(db_, AuditTrail::kAlerts, org_id, now,
                                          who, "channel_removed",
                                          "#" + std::to_string(channel_id)));
  return tx.Commit();
}

Result<std::vector<AlertChannel>> SqliteAlertStore::Channels(int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT id, kind, target, language, schedule, enabled, "
      "substr(hmac_key, 1, 6), created_at FROM alert_channels "
      "WHERE org_id = ? AND removed = 0 ORDER BY id");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  std::vector<AlertChannel> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    AlertChannel c;
    c.id = s.ColumnInt(0);
    c.kind = s.ColumnText(1);
    c.target = s.ColumnText(2);
    c.language = s.ColumnText(3);
    c.schedule = s.ColumnText(4);
    c.enabled = s.ColumnInt(5) != 0;
    c.secret_hint = s.ColumnText(6);
    c.created_at = FromUnixSeconds(s.ColumnInt(7));
    out.push_back(std::move(c));
    return Status::Ok();
  }));
  return out;
}

Result<AlertSettings> SqliteAlertStore::Settings(int64_t org_id) {
  auto st = db_.Prepare(
      "SELECT silent_days, max_per_hour FROM alert_settings WHERE org_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  AlertSettings settings;
  if (*row) {
    settings.silent_days = static_cast<int>(st->ColumnInt(0));
    settings.max_per_hour = static_cast<int>(st->ColumnInt(1));
  }
  return settings;
}

Status SqliteAlertStore::SetSettings(int64_t org_id,
                                     const AlertSettings& settings,
                                     const std::string& who, TimePoint now) {
  if (settings.silent_days < 1 || settings.silent_days > 365) {
    return InvalidArgumentError("silent days must be between 1 and 365");
  }
  if (settings.max_per_hour < 1 || settings.max_per_hour > 1000) {
    return InvalidArgumentError("max per hour must be between 1 and 1000");
  }
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(
      "INSERT INTO alert_settings (org_id, silent_days, max_per_hour) "
      "VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET "
      "silent_days = excluded.silent_days, "
      "max_per_hour = excluded.max_per_hour");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, int64_t{settings.silent_days});
  st->Bind(3, int64_t{settings.max_per_hour});
  MAMORI_RETURN_IF_ERROR(st->Run());
  MAMORI_RETURN_IF_ERROR(AppendTrailAudit(
      db_, AuditTrail::kAlerts, org_id, now, who, "settings_set",
      "silent_days=" + std::to_string(settings.silent_days) +
          " max_per_hour=" + std::to_string(settings.max_per_hour)));
  return tx.Commit();
}

Result<std::vector<AlertAuditEntry>> SqliteAlertStore::History(int64_t org_id,
                                                               int limit) {
  auto st = db_.Prepare(
      "SELECT at, who, action, detail FROM alert_audit WHERE org_id = ? "
      "ORDER BY id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, int64_t{limit});
  std::vector<AlertAuditEntry> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    out.push_back({FromUnixSeconds(s.ColumnInt(0)), s.ColumnText(1),
                   s.ColumnText(2), s.ColumnText(3)});
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> SqliteAlertStore::InsertEvent(int64_t org_id,
                                              const AlertCondition& c,
                                              TimePoint now) {
  auto st = db_.Prepare(
      "INSERT INTO alert_events (org_id, kind, host_id, subject, hostname, "
      "subject_ja, subject_en, detail, raised_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, c.kind).Bind(3, c.host_id).Bind(4, c.subject);
  st->Bind(5, c.hostname).Bind(6, c.subject_ja).Bind(7, c.subject_en);
  st->Bind(8, c.detail).Bind(9, ToUnixSeconds(now));
  MAMORI_RETURN_IF_ERROR(st->Run());
  return db_.LastInsertId();
}

Status SqliteAlertStore::QueueEvent(int64_t org_id, int64_t event_id, bool test,
                                    int64_t only_channel, TimePoint now) {
  auto settings = Settings(org_id);
  if (!settings.ok()) return settings.status();
  const int64_t t = ToUnixSeconds(now);
  auto channels = db_.Prepare(
      "SELECT id FROM alert_channels WHERE org_id = ? AND removed = 0 AND "
      "enabled = 1 AND (? = 0 AND schedule = 'immediate' OR id = ?) "
      "ORDER BY id");
  if (!channels.ok()) return channels.status();
  channels->Bind(1, org_id).Bind(2, only_channel).Bind(3, only_channel);
  std::vector<int64_t> ids;
  MAMORI_RETURN_IF_ERROR(EachRow(*channels, [&](Statement& s) {
    ids.push_back(s.ColumnInt(0));
    return Status::Ok();
  }));
  if (only_channel != 0 && ids.empty()) {
    return NotFoundError("no alert channel #" + std::to_string(only_channel) +
                         " in this organisation");
  }
  auto insert = db_.Prepare(
      "INSERT INTO alert_deliveries (org_id, channel_id, purpose, state, "
      "created_at, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)");
  auto link = db_.Prepare(
      "INSERT OR IGNORE INTO alert_delivery_events (delivery_id, event_id) "
      "VALUES (?, ?)");
  // Messages in the last hour (tests are not counted), and the oldest.
  auto window = db_.Prepare(
      "SELECT COUNT(*), MIN(created_at) FROM alert_deliveries "
      "WHERE channel_id = ? AND purpose IN ('alert', 'batch') "
      "AND created_at > ?");
  // A batch not sent yet that later events can join.
  auto open_batch = db_.Prepare(
      "SELECT id FROM alert_deliveries WHERE channel_id = ? AND "
      "purpose = 'batch' AND state = 'pending' AND attempts = 0 AND "
      "next_attempt_at > ? ORDER BY id DESC LIMIT 1");
  for (auto* st : {&insert, &link, &window, &open_batch}) {
    if (!st->ok()) return st->status();
  }
  for (int64_t channel : ids) {
    int64_t delivery = 0;
    if (!test) {
      window->Reset();
      window->Bind(1, channel).Bind(2, t - kHour);
      auto row = window->Step();
      if (!row.ok()) return row.status();
      const int64_t sent_in_hour = window->ColumnInt(0);
      const int64_t oldest = window->ColumnIsNull(1) ? t : window->ColumnInt(1);
      if (sent_in_hour >= settings->max_per_hour) {
        open_batch->Reset();
        open_batch->Bind(1, channel).Bind(2, t);
        auto batch = open_batch->Step();
        if (!batch.ok()) return batch.status();
        if (*batch) {
          delivery = open_batch->ColumnInt(0);
        } else {
          // Sent when the oldest message of the window is an hour old.
          insert->Reset();
          insert->Bind(1, org_id).Bind(2, channel).Bind(3, "batch");
          insert->Bind(4, t).Bind(5, std::max(t, oldest + kHour));
          MAMORI_RETURN_IF_ERROR(insert->Run());
          delivery = db_.LastInsertId();
        }
      }
    }
    if (delivery == 0) {
      insert->Reset();
      insert->Bind(1, org_id).Bind(2, channel).Bind(3, test ? "test" : "alert");
      insert->Bind(4, t).Bind(5, t);
      MAMORI_RETURN_IF_ERROR(insert->Run());
      delivery = db_.LastInsertId();
    }
    link->Reset();
    link->Bind(1, delivery).Bind(2, event_id);
    MAMORI_RETURN_IF_ERROR(link->Run());
  }
  return Status::Ok();
}

Result<ReconcileOutcome> SqliteAlertStore::Reconcile(
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
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  std::map<Key, int64_t> open;
  auto st = db_.Prepare(
      "SELECT kind, host_id, subject, event_id FROM alert_open "
      "WHERE org_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    std::string kind = s.ColumnText(0);
    if (kind_set.contains(kind)) {
      open[{kind, s.ColumnInt(1), s.ColumnText(2)}] = s.ColumnInt(3);
    }
    return Status::Ok();
  }));
  auto add_open = db_.Prepare(
      "INSERT INTO alert_open (org_id, kind, host_id, subject, event_id) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!add_open.ok()) return add_open.status();
  ReconcileOutcome outcome;
  std::set<Key> seen;
  for (const auto& c : current) {
    Key key{c.kind, c.host_id, c.subject};
    if (!seen.insert(key).second || open.contains(key)) continue;
    auto event = InsertEvent(org_id, c, now);
    if (!event.ok()) return event.status();
    add_open->Reset();
    add_open->Bind(1, org_id).Bind(2, c.kind).Bind(3, c.host_id);
    add_open->Bind(4, c.subject).Bind(5, *event);
    MAMORI_RETURN_IF_ERROR(add_open->Run());
    MAMORI_RETURN_IF_ERROR(QueueEvent(org_id, *event, false, 0, now));
    outcome.raised.push_back(*event);
  }
  auto close = db_.Prepare(
      "DELETE FROM alert_open WHERE org_id = ? AND kind = ? AND host_id = ? "
      "AND subject = ?");
  auto clear = db_.Prepare(
      "UPDATE alert_events SET cleared_at = ? WHERE id = ? AND org_id = ?");
  if (!close.ok()) return close.status();
  if (!clear.ok()) return clear.status();
  for (const auto& [key, event_id] : open) {
    if (seen.contains(key)) continue;
    close->Reset();
    close->Bind(1, org_id).Bind(2, std::get<0>(key)).Bind(3, std::get<1>(key));
    close->Bind(4, std::get<2>(key));
    MAMORI_RETURN_IF_ERROR(close->Run());
    clear->Reset();
    clear->Bind(1, ToUnixSeconds(now)).Bind(2, event_id).Bind(3, org_id);
    MAMORI_RETURN_IF_ERROR(clear->Run());
    ++outcome.cleared;
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return outcome;
}

Result<int64_t> SqliteAlertStore::RaiseOnce(int64_t org_id,
                                            const AlertCondition& condition,
                                            TimePoint now, int64_t channel_id) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto event = InsertEvent(org_id, condition, now);
  if (!event.ok()) return event.status();
  // A one-off event has nothing to clear.
  auto clear =
      db_.Prepare("UPDATE alert_events SET cleared_at = ? WHERE id = ?");
  if (!clear.ok()) return clear.status();
  clear->Bind(1, ToUnixSeconds(now)).Bind(2, *event);
  MAMORI_RETURN_IF_ERROR(clear->Run());
  MAMORI_RETURN_IF_ERROR(QueueEvent(
      org_id, *event, condition.kind == kAlertTest, channel_id, now));
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return *event;
}

Result<std::optional<std::string>> SqliteAlertStore::SeenGrades(
    int64_t org_id) {
  auto st =
      db_.Prepare("SELECT rules_json FROM alert_grades_seen WHERE org_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->ColumnText(0));
}

Status SqliteAlertStore::SetSeenGrades(int64_t org_id,
                                       const std::string& rules_json) {
  auto st = db_.Prepare(
      "INSERT INTO alert_grades_seen (org_id, rules_json) VALUES (?, ?) "
      "ON CONFLICT (org_id) DO UPDATE SET rules_json = excluded.rules_json");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, rules_json);
  return st->Run();
}

Result<int64_t> SqliteAlertStore::QueueDigests(TimePoint now) {
  const int64_t t = ToUnixSeconds(now);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto channels = db_.Prepare(
      "SELECT id, org_id, schedule, digest_until FROM alert_channels "
      "WHERE removed = 0 AND enabled = 1 AND schedule IN ('daily', 'weekly')");
  if (!channels.ok()) return channels.status();
  struct Due {
    int64_t id, org_id, from;
  };
  std::vector<Due> due;
  MAMORI_RETURN_IF_ERROR(EachRow(*channels, [&](Statement& s) {
    const int64_t from = s.ColumnInt(3);
    if (from + PeriodSeconds(s.ColumnText(2)) <= t) {
      due.push_back({s.ColumnInt(0), s.ColumnInt(1), from});
    }
    return Status::Ok();
  }));
  auto events = db_.Prepare(
      "SELECT id FROM alert_events WHERE org_id = ? AND kind <> 'test' AND "
      "raised_at >= ? AND raised_at < ? ORDER BY id");
  auto insert = db_.Prepare(
      "INSERT INTO alert_deliveries (org_id, channel_id, purpose, state, "
      "created_at, next_attempt_at) VALUES (?, ?, 'digest', 'pending', ?, ?)");
  auto link = db_.Prepare(
      "INSERT INTO alert_delivery_events (delivery_id, event_id) VALUES (?, "
      "?)");
  auto move_on =
      db_.Prepare("UPDATE alert_channels SET digest_until = ? WHERE id = ?");
  for (auto* st : {&events, &insert, &link, &move_on}) {
    if (!st->ok()) return st->status();
  }
  int64_t queued = 0;
  for (const Due& d : due) {
    events->Reset();
    events->Bind(1, d.org_id).Bind(2, d.from).Bind(3, t);
    std::vector<int64_t> ids;
    MAMORI_RETURN_IF_ERROR(EachRow(*events, [&](Statement& s) {
      ids.push_back(s.ColumnInt(0));
      return Status::Ok();
    }));
    if (!ids.empty()) {
      insert->Reset();
      insert->Bind(1, d.org_id).Bind(2, d.id).Bind(3, t).Bind(4, t);
      MAMORI_RETURN_IF_ERROR(insert->Run());
      const int64_t delivery = db_.LastInsertId();
      for (int64_t id : ids) {
        link->Reset();
        link->Bind(1, delivery).Bind(2, id);
        MAMORI_RETURN_IF_ERROR(link->Run());
      }
      ++queued;
    }
    move_on->Reset();
    move_on->Bind(1, t).Bind(2, d.id);
    MAMORI_RETURN_IF_ERROR(move_on->Run());
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return queued;
}

Result<std::vector<AlertEvent>> SqliteAlertStore::EventsOf(
    int64_t delivery_id) {
  auto st = db_.Prepare(std::string("SELECT ") + kEventColumns +
                        " FROM alert_delivery_events de JOIN alert_events e "
                        "ON e.id = de.event_id WHERE de.delivery_id = ? "
                        "ORDER BY e.id");
  if (!st.ok()) return st.status();
  st->Bind(1, delivery_id);
  std::vector<AlertEvent> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    out.push_back(ReadEvent(s));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<DeliveryWork>> SqliteAlertStore::DueDeliveries(TimePoint now,
                                                                  int limit) {
  const int64_t t = ToUnixSeconds(now);
  // A write transaction: the claim and the read are one step for every
  // connection to the file.
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto st = db_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                        ", c.hmac_key, o.name FROM alert_deliveries d "
                        "JOIN alert_channels c ON c.id = d.channel_id "
                        "JOIN organizations o ON o.id = d.org_id "
                        "WHERE d.next_attempt_at <= ? AND "
                        "(d.lease_until IS NULL OR d.lease_until <= ?) "
                        "ORDER BY d.next_attempt_at, d.id LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, t).Bind(2, t).Bind(3, int64_t{limit});
  std::vector<DeliveryWork> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    DeliveryWork w;
    w.delivery = ReadDelivery(s);
    w.secret = s.ColumnText(14);
    w.org = s.ColumnText(15);
    out.push_back(std::move(w));
    return Status::Ok();
  }));
  auto claim =
      db_.Prepare("UPDATE alert_deliveries SET lease_until = ? WHERE id = ?");
  if (!claim.ok()) return claim.status();
  for (auto& w : out) {
    claim->Reset();
    claim->Bind(1, t + kDeliveryLease.count()).Bind(2, w.delivery.id);
    MAMORI_RETURN_IF_ERROR(claim->Run());
    auto events = EventsOf(w.delivery.id);
    if (!events.ok()) return events.status();
    w.events = std::move(*events);
    for (const auto& e : w.events) w.delivery.event_ids.push_back(e.id);
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Status SqliteAlertStore::MarkSent(int64_t delivery_id, TimePoint now) {
  auto st = db_.Prepare(
      "UPDATE alert_deliveries SET state = 'sent', sent_at = ?, "
      "attempts = attempts + 1, next_attempt_at = NULL, last_error = '', "
      "lease_until = NULL WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, ToUnixSeconds(now)).Bind(2, delivery_id);
  MAMORI_RETURN_IF_ERROR(st->Run());
  if (db_.Changes() == 0) {
    return NotFoundError("no delivery #" + std::to_string(delivery_id));
  }
  return Status::Ok();
}

Result<std::optional<TimePoint>> SqliteAlertStore::MarkFailed(
    int64_t delivery_id, const std::string& error, TimePoint now) {
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  auto read =
      db_.Prepare("SELECT attempts, state FROM alert_deliveries WHERE id = ?");
  if (!read.ok()) return read.status();
  read->Bind(1, delivery_id);
  auto row = read->Step();
  if (!row.ok()) return row.status();
  if (!*row)
    return NotFoundError("no delivery #" + std::to_string(delivery_id));
  // Sent meanwhile by another caller (this one's claim ran out): it stays
  // sent.
  if (read->ColumnText(1) == "sent") return std::optional<TimePoint>();
  const int64_t attempts = read->ColumnInt(0) + 1;
  std::optional<TimePoint> next;
  if (attempts < kMaxDeliveryAttempts) {
    const int64_t backoff =
        std::min<int64_t>(kMaxBackoffSeconds, int64_t{60} << (attempts - 1));
    next = now + std::chrono::seconds(backoff);
  }
  auto st = db_.Prepare(
      "UPDATE alert_deliveries SET state = 'failed', attempts = ?, "
      "last_error = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, attempts).Bind(2, StoredDeliveryError(error));
  if (next) {
    st->Bind(3, ToUnixSeconds(*next));
  } else {
    st->BindNull(3);
  }
  st->Bind(4, delivery_id);
  MAMORI_RETURN_IF_ERROR(st->Run());
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return next;
}

Result<std::vector<AlertEvent>> SqliteAlertStore::Events(int64_t org_id,
                                                         bool open_only,
                                                         int limit) {
  auto st = db_.Prepare(std::string("SELECT ") + kEventColumns +
                        " FROM alert_events e WHERE e.org_id = ? AND "
                        "(? = 0 OR e.cleared_at IS NULL AND e.id IN "
                        "(SELECT event_id FROM alert_open WHERE org_id = ?)) "
                        "ORDER BY e.id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, int64_t{open_only ? 1 : 0}).Bind(3, org_id);
  st->Bind(4, int64_t{limit});
  std::vector<AlertEvent> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    out.push_back(ReadEvent(s));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<AlertDelivery>> SqliteAlertStore::Deliveries(int64_t org_id,
                                                                int limit) {
  auto st = db_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                        " FROM alert_deliveries d JOIN alert_channels c "
                        "ON c.id = d.channel_id WHERE d.org_id = ? "
                        "ORDER BY d.id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, int64_t{limit});
  std::vector<AlertDelivery> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    out.push_back(ReadDelivery(s));
    return Status::Ok();
  }));
  auto links = db_.Prepare(
      "SELECT event_id FROM alert_delivery_events WHERE delivery_id = ? "
      "ORDER BY event_id");
  if (!links.ok()) return links.status();
  for (auto& d : out) {
    links->Reset();
    links->Bind(1, d.id);
    MAMORI_RETURN_IF_ERROR(EachRow(*links, [&](Statement& s) {
      d.event_ids.push_back(s.ColumnInt(0));
      return Status::Ok();
    }));
  }
  return out;
}

Result<std::vector<DeliveryWork>> SqliteAlertStore::DeliveryPage(
    int64_t org_id, int64_t before_id, int limit) {
  auto st = db_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                        " FROM alert_deliveries d JOIN alert_channels c "
                        "ON c.id = d.channel_id WHERE d.org_id = ? "
                        "AND (? = 0 OR d.id < ?) ORDER BY d.id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org_id).Bind(2, before_id).Bind(3, before_id);
  st->Bind(4, int64_t{limit});
  std::vector<DeliveryWork> out;
  MAMORI_RETURN_IF_ERROR(EachRow(*st, [&](Statement& s) {
    DeliveryWork w;
    w.delivery = ReadDelivery(s);
    out.push_back(std::move(w));
    return Status::Ok();
  }));
  for (auto& w : out) {
    auto events = EventsOf(w.delivery.id);
    if (!events.ok()) return events.status();
    w.events = std::move(*events);
    for (const auto& e : w.events) w.delivery.event_ids.push_back(e.id);
  }
  return out;
}

Result<int64_t> SqliteAlertStore::PruneBefore(TimePoint cutoff,
                                              int64_t max_rows) {
  const int64_t before = ToUnixSeconds(cutoff);
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  // Settled deliveries first (their links go with them), so the events
  // they named become prunable in the same pass.
  auto settled = db_.Prepare(
      "SELECT id FROM alert_deliveries WHERE created_at < ? AND "
      "next_attempt_at IS NULL ORDER BY id LIMIT ?");
  if (!settled.ok()) return settled.status();
  settled->Bind(1, before).Bind(2, max_rows);
  std::vector<int64_t> deliveries;
  MAMORI_RETURN_IF_ERROR(EachRow(*settled, [&](Statement& s) {
    deliveries.push_back(s.ColumnInt(0));
    return Status::Ok();
  }));
  auto unlink =
      db_.Prepare("DELETE FROM alert_delivery_events WHERE delivery_id = ?");
  if (!unlink.ok()) return unlink.status();
  auto drop = db_.Prepare("DELETE FROM alert_deliveries WHERE id = ?");
  if (!drop.ok()) return drop.status();
  for (int64_t id : deliveries) {
    unlink->Reset();
    unlink->Bind(1, id);
    MAMORI_RETURN_IF_ERROR(unlink->Run());
    drop->Reset();
    drop->Bind(1, id);
    MAMORI_RETURN_IF_ERROR(drop->Run());
  }
  int64_t deleted = static_cast<int64_t>(deliveries.size());
  if (deleted < max_rows) {
    auto events = db_.Prepare(
        "DELETE FROM alert_events WHERE id IN (SELECT e.id FROM alert_events "
        "e WHERE e.raised_at < ? AND e.cleared_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM alert_delivery_events de WHERE de.event_id = e.id) "
        "AND NOT EXISTS (SELECT 1 FROM alert_open o WHERE o.event_id = e.id) "
        "ORDER BY e.id LIMIT ?)");
    if (!events.ok()) return events.status();
    events->Bind(1, before).Bind(2, max_rows - deleted);
    MAMORI_RETURN_IF_ERROR(events->Run());
    deleted += db_.Changes();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return deleted;
}

}  // namespace mamori::store
