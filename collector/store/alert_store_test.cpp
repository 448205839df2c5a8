// The alert port over a real SQLite file and a real PostgreSQL database
// (the /postgres cases skip without MAMORI_TEST_PG_URL): de-duplication by
// open condition, clearing and raising again, the hourly limit gathering the
// excess into one batch, retries with backoff, digests, secrets kept out of
// listings, organisations kept apart, and several collectors (store
// instances on their own connections) sharing one database: each delivery
// claimed by one of them, handed to another only after a lease.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "collector/store/open_store.h"
#include "collector/store/testing/test_database.h"

namespace mamori::store {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Backend;
using testing::TestDatabase;

const TimePoint kStart = FromUnixSeconds(1795132800);

AlertChannel Channel(const std::string& kind, const std::string& target,
                     const std::string& language, const std::string& schedule) {
  AlertChannel c;
  c.kind = kind;
  c.target = target;
  c.language = language;
  c.schedule = schedule;
  return c;
}

class AlertStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !testing::PostgresClusterUrl()) {
      GTEST_SKIP() << "MAMORI_TEST_PG_URL not set (scripts/pg-cluster.sh run)";
    }
    Result<std::unique_ptr<TestDatabase>> db = TestDatabase::Create(GetParam());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto store = OpenStore(db_->url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"other", "", std::nullopt, ""}).ok());
    auto port = OpenAlertStore(db_->url());
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = std::move(*port);
    acme_ = *port_->OrgId("acme");
    other_ = *port_->OrgId("other");
  }
  void TearDown() override {
    port_.reset();
    store_.reset();
    db_.reset();
  }

  int64_t AddMail(int64_t org, const std::string& to,
                  const std::string& schedule = "immediate") {
    auto id = port_->AddChannel(org, Channel("email", to, "ja", schedule), "",
                                "tester", clock_.Now());
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  static AlertCondition Failing(int64_t host, const std::string& check) {
    return {kAlertCheckFailing,
            host,
            check,
            "pc-" + std::to_string(host),
            "ja",
            "en",
            ""};
  }
  Result<ReconcileOutcome> Reconcile(int64_t org,
                                     std::vector<AlertCondition> current) {
    return port_->Reconcile(org, {kAlertCheckFailing}, current, clock_.Now());
  }

  FakeClock clock_{kStart};
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertPort> port_;
  int64_t acme_ = 0;
  int64_t other_ = 0;
};

TEST_P(AlertStoreTest, OneEventPerConditionUntilItClears) {
  AddMail(acme_, "it@example.jp");
  auto first = Reconcile(acme_, {Failing(1, "av"), Failing(1, "av")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->raised.size(), 1u);
  auto again = Reconcile(acme_, {Failing(1, "av")});
  EXPECT_TRUE(again->raised.empty());
  EXPECT_EQ(again->cleared, 0);
  auto cleared = Reconcile(acme_, {});
  EXPECT_EQ(cleared->cleared, 1);
  auto back = Reconcile(acme_, {Failing(1, "av")});
  EXPECT_EQ(back->raised.size(), 1u);
  auto deliveries = port_->Deliveries(acme_, 10);
  ASSERT_TRUE(deliveries.ok());
  EXPECT_EQ(deliveries->size(), 2u);
  auto events = port_->Events(acme_, false, 10);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_FALSE((*events)[0].cleared_at.has_value());
  EXPECT_TRUE((*events)[1].cleared_at.has_value());
  EXPECT_EQ(port_->Events(acme_, true, 10)->size(), 1u);
}

TEST_P(AlertStoreTest, ReconcileTouchesOnlyItsKindsAndItsOrganisation) {
  ASSERT_TRUE(Reconcile(acme_, {Failing(1, "av")}).ok());
  ASSERT_TRUE(
      port_->Reconcile(acme_, {kAlertHostSilent}, {}, clock_.Now()).ok());
  ASSERT_TRUE(Reconcile(other_, {}).ok());
  EXPECT_EQ(port_->Events(acme_, true, 10)->size(), 1u);
  EXPECT_TRUE(port_->Events(other_, false, 10)->empty());
  EXPECT_EQ(port_
                ->Reconcile(acme_, {kAlertHostSilent}, {Failing(1, "x")},
                            clock_.Now())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AlertStoreTest, HourlyLimitGathersTheRestIntoOneBatch) {
  const int64_t channel = AddMail(acme_, "it@example.jp");
  ASSERT_TRUE(port_->SetSettings(acme_, {7, 2}, "tester", clock_.Now()).ok());
  std::vector<AlertCondition> current;
  for (int host = 1; host <= 5; ++host) current.push_back(Failing(host, "av"));
  ASSERT_TRUE(Reconcile(acme_, current).ok());
  auto deliveries = port_->Deliveries(acme_, 10);
  ASSERT_EQ(deliveries->size(), 3u);  // newest first
  const AlertDelivery& batch = (*deliveries)[0];
  EXPECT_EQ(batch.purpose, "batch");
  EXPECT_EQ(batch.event_ids.size(), 3u);
  EXPECT_EQ(batch.channel_id, channel);
  EXPECT_EQ(batch.next_attempt_at, kStart + hours(1));
  // Only the two singles are due now; the batch after the hour.
  EXPECT_EQ(port_->DueDeliveries(clock_.Now(), 10)->size(), 2u);
  EXPECT_EQ(port_->DueDeliveries(kStart + hours(1), 10)->size(), 3u);
}

TEST_P(AlertStoreTest, FailedDeliveriesBackOffThenGiveUpButStayListed) {
  AddMail(acme_, "it@example.jp");
  ASSERT_TRUE(Reconcile(acme_, {Failing(1, "av")}).ok());
  auto due = port_->DueDeliveries(clock_.Now(), 10);
  ASSERT_EQ(due->size(), 1u);
  const int64_t id = (*due)[0].delivery.id;
  EXPECT_EQ((*due)[0].events.size(), 1u);
  auto next = port_->MarkFailed(id, "SMTP refused", clock_.Now());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(**next, kStart + minutes(1));
  next = port_->MarkFailed(id, "SMTP refused", clock_.Now());
  EXPECT_EQ(**next, kStart + minutes(2));
  EXPECT_TRUE(port_->DueDeliveries(clock_.Now(), 10)->empty());
  for (int i = 2; i < kMaxDeliveryAttempts - 1; ++i) {
    next = port_->MarkFailed(id, "SMTP refused", clock_.Now());
    ASSERT_TRUE(next->has_value());
    EXPECT_LE(**next, kStart + hours(6));
  }
  next = port_->MarkFailed(id, "SMTP refused", clock_.Now());
  EXPECT_FALSE(next->has_value());
  auto listed = port_->Deliveries(acme_, 10);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].state, "failed");
  EXPECT_EQ((*listed)[0].attempts, kMaxDeliveryAttempts);
  EXPECT_EQ((*listed)[0].last_error, "SMTP refused");
  EXPECT_TRUE(port_->DueDeliveries(kStart + hours(100), 10)->empty());
}

TEST_P(AlertStoreTest, DigestsGatherThePeriodsEvents) {
  AddMail(acme_, "daily@example.jp", "daily");
  ASSERT_TRUE(Reconcile(acme_, {Failing(1, "av"), Failing(2, "av")}).ok());
  EXPECT_TRUE(port_->DueDeliveries(clock_.Now(), 10)->empty());
  EXPECT_EQ(*port_->QueueDigests(kStart + hours(23)), 0);
  EXPECT_EQ(*port_->QueueDigests(kStart + hours(24)), 1);
  EXPECT_EQ(*port_->QueueDigests(kStart + hours(25)), 0);
  auto due = port_->DueDeliveries(kStart + hours(24), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].delivery.purpose, "digest");
  EXPECT_EQ((*due)[0].delivery.schedule, "daily");
  EXPECT_EQ((*due)[0].events.size(), 2u);
  // Nothing new in the next day: no empty digest.
  EXPECT_EQ(*port_->QueueDigests(kStart + hours(48)), 0);
}

TEST_P(AlertStoreTest, SecretsStayOutOfListingsAndChannelsAreScoped) {
  const std::string secret = "0123456789abcdefghij";
  auto hook = port_->AddChannel(
      acme_,
      Channel("webhook", "https://hooks.example.jp/x", "en", "immediate"),
      secret, "tester", clock_.Now());
  ASSERT_TRUE(hook.ok()) << hook.status().ToString();
  auto channels = port_->Channels(acme_);
  ASSERT_EQ(channels->size(), 1u);
  EXPECT_EQ((*channels)[0].secret_hint, "012345");
  EXPECT_TRUE(port_->Channels(other_)->empty());
  EXPECT_EQ(port_
                ->AddChannel(acme_,
                             Channel("webhook", "https://hooks.example.jp/x",
                                     "en", "immediate"),
                             secret, "tester", clock_.Now())
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(port_
                ->AddChannel(acme_, Channel("sms", "x", "en", "immediate"), "",
                             "tester", clock_.Now())
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(port_->RemoveChannel(other_, *hook, "tester", clock_.Now()).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(Reconcile(acme_, {Failing(1, "av")}).ok());
  auto due = port_->DueDeliveries(clock_.Now(), 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].secret, secret);
  EXPECT_EQ((*due)[0].org, "acme");
  ASSERT_TRUE(port_->RemoveChannel(acme_, *hook, "tester", clock_.Now()).ok());
  EXPECT_TRUE(port_->DueDeliveries(clock_.Now(), 10)->empty());
  auto listed = port_->Deliveries(acme_, 10);
  EXPECT_EQ((*listed)[0].last_error, "channel removed");
  auto history = port_->History(acme_, 10);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, "channel_removed");
  EXPECT_EQ((*history)[1].detail.find(secret), std::string::npos);
}

TEST_P(AlertStoreTest, TestMessagesIgnoreTheLimitAndNeedTheirChannel) {
  const int64_t channel = AddMail(acme_, "it@example.jp");
  ASSERT_TRUE(port_->SetSettings(acme_, {7, 1}, "tester", clock_.Now()).ok());
  const AlertCondition test{kAlertTest, 0, "", "", "", "", ""};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(port_->RaiseOnce(acme_, test, clock_.Now(), channel).ok());
  }
  EXPECT_EQ(port_->DueDeliveries(clock_.Now(), 10)->size(), 3u);
  EXPECT_EQ(
      port_->RaiseOnce(other_, test, clock_.Now(), channel).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(port_->SetSettings(acme_, {0, 1}, "t", clock_.Now()).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(AlertStoreTest, DeliveryPagesWalkBackwardsWithTheirEvents) {
  AddMail(acme_, "it@example.jp");
  AddMail(other_, "it@other.example.jp");
  ASSERT_TRUE(
      port_->SetSettings(acme_, {7, 1000}, "tester", clock_.Now()).ok());
  std::vector<AlertCondition> current;
  for (int host = 1; host <= 5; ++host) current.push_back(Failing(host, "av"));
  ASSERT_TRUE(Reconcile(acme_, current).ok());
  ASSERT_TRUE(Reconcile(other_, {Failing(9, "av")}).ok());
  std::vector<std::string> hosts;
  int64_t before = 0;
  for (int page = 0; page < 5; ++page) {
    auto rows = port_->DeliveryPage(acme_, before, 2);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    if (rows->empty()) break;
    for (const DeliveryWork& w : *rows) {
      EXPECT_EQ(w.delivery.org_id, acme_);
      EXPECT_TRUE(w.secret.empty());
      ASSERT_EQ(w.events.size(), 1u);
      hosts.push_back(w.events[0].condition.hostname);
      before = w.delivery.id;
    }
  }
  // Newest first, each once, never the other organisation's.
  EXPECT_EQ(hosts,
            (std::vector<std::string>{"pc-5", "pc-4", "pc-3", "pc-2", "pc-1"}));
}

TEST_P(AlertStoreTest, PruningKeepsRetriesOpenConditionsAndRecentRows) {
  AddMail(acme_, "it@example.jp");
  // Old: host 1 fails and clears (delivery sent); host 2 fails and still
  // fails; host 3's delivery keeps failing (a retry is due).
  ASSERT_TRUE(
      Reconcile(acme_, {Failing(1, "av"), Failing(2, "av"), Failing(3, "av")})
          .ok());
  auto due = port_->DueDeliveries(clock_.Now(), 10);
  ASSERT_EQ(due->size(), 3u);
  for (const DeliveryWork& w : *due) {
    if (w.events[0].condition.host_id == 3) {
      ASSERT_TRUE(
          port_->MarkFailed(w.delivery.id, "refused", clock_.Now()).ok());
    } else {
      ASSERT_TRUE(port_->MarkSent(w.delivery.id, clock_.Now()).ok());
    }
  }
  ASSERT_TRUE(Reconcile(acme_, {Failing(2, "av"), Failing(3, "av")}).ok());
  // A year later a new event for host 4.
  clock_.Advance(hours(24 * 365));
  ASSERT_TRUE(
      Reconcile(acme_, {Failing(2, "av"), Failing(3, "av"), Failing(4, "av")})
          .ok());
  const TimePoint cutoff =
      clock_.Now() - hours(24 * kDefaultAlertRetentionDays);
  // One row per call: the pass is sliced.
  auto one = port_->PruneBefore(cutoff, 1);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 1);
  auto rest = port_->PruneBefore(cutoff, 100);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  // Gone: the two sent deliveries and host 1's cleared event.
  EXPECT_EQ(*rest, 2);
  EXPECT_EQ(*port_->PruneBefore(cutoff, 100), 0);
  auto events = port_->Events(acme_, false, 100);
  ASSERT_TRUE(events.ok());
  std::set<int64_t> hosts_with_events;
  for (const AlertEvent& e : *events) {
    hosts_with_events.insert(e.condition.host_id);
  }
  EXPECT_EQ(hosts_with_events, (std::set<int64_t>{2, 3, 4}));
  auto left = port_->Deliveries(acme_, 100);
  ASSERT_EQ(left->size(), 2u);  // host 4's new one, host 3's retry
  for (const AlertDelivery& d : *left) EXPECT_NE(d.state, "sent");
  // Host 2 still fails: no second alert after its old event's delivery went.
  ASSERT_TRUE(
      Reconcile(acme_, {Failing(2, "av"), Failing(3, "av"), Failing(4, "av")})
          ->raised.empty());
}

TEST_P(AlertStoreTest, HostileStringsComeBackAsTheyWent) {
  AddMail(acme_, "it@example.jp");
  const std::string hostile =
      "<img src=x onerror=alert(1)>'; DROP TABLE "
      "alert_events; -- =cmd|' /C calc'!A0 \t\\N 端末";
  AlertCondition c = Failing(1, hostile);
  c.hostname = hostile;
  c.subject_ja = hostile;
  c.detail = std::string(5000, 'x') + hostile;
  ASSERT_TRUE(Reconcile(acme_, {c}).ok());
  auto events = port_->Events(acme_, true, 10);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].condition.subject, hostile);
  EXPECT_EQ((*events)[0].condition.hostname, hostile);
  EXPECT_EQ((*events)[0].condition.detail, c.detail);
  // The same condition again is the same open alert, quotes and all.
  EXPECT_TRUE(Reconcile(acme_, {c})->raised.empty());
  EXPECT_EQ(port_->OrgId(hostile).status().code(), StatusCode::kNotFound);
  // A server's error is kept to 500 bytes, cut between characters.
  auto due = port_->DueDeliveries(clock_.Now(), 10);
  ASSERT_EQ(due->size(), 1u);
  std::string long_error = "x";
  while (long_error.size() < 600) long_error += "端末";
  ASSERT_TRUE(
      port_->MarkFailed((*due)[0].delivery.id, long_error, clock_.Now()).ok());
  auto listed = port_->Deliveries(acme_, 10);
  ASSERT_EQ(listed->size(), 1u);
  const std::string& kept = (*listed)[0].last_error;
  EXPECT_LE(kept.size(), 500u);
  EXPECT_GE(kept.size(), 495u);
  EXPECT_EQ(long_error.rfind(kept, 0), 0u);
  EXPECT_EQ((kept.size() - 1) % 6, 0u) << "cut inside a character";
  // Bytes that are not UTF-8 are kept readable, not refused.
  auto retry = port_->DueDeliveries(clock_.Now() + hours(1), 10);
  ASSERT_EQ(retry->size(), 1u);
  ASSERT_TRUE(port_
                  ->MarkFailed((*retry)[0].delivery.id, "550 \xff\xfe bad",
                               clock_.Now())
                  .ok());
  EXPECT_EQ((*port_->Deliveries(acme_, 10))[0].last_error,
            "550 \xef\xbf\xbd\xef\xbf\xbd bad");
}

// Another collector on the same database: a store instance with a
// connection of its own.
std::unique_ptr<AlertPort> SecondCollector(const std::string& url) {
  auto port = OpenAlertStore(url);
  EXPECT_TRUE(port.ok()) << port.status().ToString();
  return port.ok() ? std::move(*port) : nullptr;
}

TEST_P(AlertStoreTest, AClaimHoldsUntilSettledOrTheLeaseRunsOut) {
  AddMail(acme_, "it@example.jp");
  ASSERT_TRUE(
      Reconcile(acme_, {Failing(1, "av"), Failing(2, "av"), Failing(3, "av")})
          .ok());
  std::unique_ptr<AlertPort> second = SecondCollector(db_->url());
  ASSERT_NE(second, nullptr);
  auto claimed = port_->DueDeliveries(clock_.Now(), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 3u);
  // Claimed by the first collector: neither collector is handed them again
  // while the lease lasts.
  EXPECT_TRUE(second->DueDeliveries(clock_.Now(), 10)->empty());
  EXPECT_TRUE(port_->DueDeliveries(clock_.Now(), 10)->empty());
  const TimePoint lease_end = kStart + kDeliveryLease;
  EXPECT_TRUE(second->DueDeliveries(lease_end - seconds(1), 10)->empty());
  // The first sends one, fails one (the retry is due on its own time, not
  // the lease's), and dies before settling the third.
  ASSERT_TRUE(port_->MarkSent((*claimed)[0].delivery.id, clock_.Now()).ok());
  auto retry =
      port_->MarkFailed((*claimed)[1].delivery.id, "refused", clock_.Now());
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(**retry, kStart + minutes(1));
  auto retried = second->DueDeliveries(kStart + minutes(1), 10);
  ASSERT_EQ(retried->size(), 1u);
  EXPECT_EQ((*retried)[0].delivery.id, (*claimed)[1].delivery.id);
  ASSERT_TRUE(
      second->MarkSent((*retried)[0].delivery.id, kStart + minutes(1)).ok());
  // After the lease the dead collector's delivery goes to the other one,
  // with its events: at least once on a crash.
  auto orphan = second->DueDeliveries(lease_end, 10);
  ASSERT_EQ(orphan->size(), 1u);
  EXPECT_EQ((*orphan)[0].delivery.id, (*claimed)[2].delivery.id);
  EXPECT_EQ((*orphan)[0].events.size(), 1u);
  ASSERT_TRUE(second->MarkSent((*orphan)[0].delivery.id, lease_end).ok());
  // The dead collector's late failure report does not undo that send.
  auto late = port_->MarkFailed((*orphan)[0].delivery.id, "timeout", lease_end);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_FALSE(late->has_value());
  EXPECT_TRUE(port_->DueDeliveries(lease_end + hours(100), 10)->empty());
  auto settled = port_->Deliveries(acme_, 10);
  ASSERT_TRUE(settled.ok());
  ASSERT_EQ(settled->size(), 3u);
  for (const AlertDelivery& d : *settled) EXPECT_EQ(d.state, "sent");
}

TEST_P(AlertStoreTest, TwoCollectorsRaiseOnceAndDeliverEachAlertOnce) {
  constexpr int kAlerts = 120;
  AddMail(acme_, "it@example.jp");
  ASSERT_TRUE(
      port_->SetSettings(acme_, {7, 1000}, "tester", clock_.Now()).ok());
  std::vector<AlertCondition> current;
  for (int host = 1; host <= kAlerts; ++host) {
    current.push_back(Failing(host, "av"));
  }
  std::vector<std::unique_ptr<AlertPort>> collectors;
  collectors.push_back(SecondCollector(db_->url()));
  collectors.push_back(SecondCollector(db_->url()));
  ASSERT_NE(collectors[0], nullptr);
  ASSERT_NE(collectors[1], nullptr);
  // Both collectors see the same conditions at once (the silent-host sweep
  // runs on each): one event and one delivery per condition.
  std::atomic<int> raised{0};
  {
    std::vector<std::thread> threads;
    for (auto& port : collectors) {
      threads.emplace_back([&, p = port.get()] {
        auto outcome =
            p->Reconcile(acme_, {kAlertCheckFailing}, current, clock_.Now());
        EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
        if (outcome.ok()) raised += static_cast<int>(outcome->raised.size());
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(raised.load(), kAlerts);
  // Then both deliver in small rounds, racing for the same rows.
  std::mutex mu;
  std::map<int64_t, int> sends;
  std::vector<int> per_collector(collectors.size());
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < collectors.size(); ++i) {
      threads.emplace_back([&, i] {
        AlertPort& p = *collectors[i];
        for (int idle = 0; idle < 3;) {
          auto due = p.DueDeliveries(clock_.Now(), 7);
          ASSERT_TRUE(due.ok()) << due.status().ToString();
          if (due->empty()) {
            ++idle;
            continue;
          }
          idle = 0;
          for (const DeliveryWork& w : *due) {
            {
              std::lock_guard lock(mu);
              ++sends[w.delivery.id];
              ++per_collector[i];
            }
            ASSERT_TRUE(p.MarkSent(w.delivery.id, clock_.Now()).ok());
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(sends.size(), static_cast<size_t>(kAlerts));
  for (const auto& [id, count] : sends) {
    EXPECT_EQ(count, 1) << "delivery #" << id << " sent " << count << " times";
  }
  EXPECT_EQ(per_collector[0] + per_collector[1], kAlerts);
  auto listed = port_->Deliveries(acme_, 1000);
  ASSERT_EQ(listed->size(), static_cast<size_t>(kAlerts));
  for (const AlertDelivery& d : *listed) EXPECT_EQ(d.state, "sent");
  EXPECT_EQ(port_->Events(acme_, true, 1000)->size(),
            static_cast<size_t>(kAlerts));
}

INSTANTIATE_TEST_SUITE_P(Backends, AlertStoreTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace mamori::store
