// The alert port over a real SQLite file: de-duplication by open condition,
// clearing and raising again, the hourly limit gathering the excess into one
// batch, retries with backoff, digests, secrets kept out of listings, and
// organisations kept apart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collector/store/open_store.h"

namespace mamori::store {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

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

class SqliteAlertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mamori-alert-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string url = SqliteUrl((dir_ / "collector.db").string());
    auto store = OpenStore(url, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateOrg({"acme", "", std::nullopt, ""}).ok());
    ASSERT_TRUE(store_->CreateOrg({"other", "", std::nullopt, ""}).ok());
    auto port = OpenAlertStore(url);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = std::move(*port);
    acme_ = *port_->OrgId("acme");
    other_ = *port_->OrgId("other");
  }
  void TearDown() override {
    port_.reset();
    store_.reset();
    fs::remove_all(dir_);
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
  fs::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AlertPort> port_;
  int64_t acme_ = 0;
  int64_t other_ = 0;
};

TEST_F(SqliteAlertStoreTest, OneEventPerConditionUntilItClears) {
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

TEST_F(SqliteAlertStoreTest, ReconcileTouchesOnlyItsKindsAndItsOrganisation) {
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

TEST_F(SqliteAlertStoreTest, HourlyLimitGathersTheRestIntoOneBatch) {
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

TEST_F(SqliteAlertStoreTest, FailedDeliveriesBackOffThenGiveUpButStayListed) {
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

TEST_F(SqliteAlertStoreTest, DigestsGatherThePeriodsEvents) {
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

TEST_F(SqliteAlertStoreTest, SecretsStayOutOfListingsAndChannelsAreScoped) {
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

TEST_F(SqliteAlertStoreTest, TestMessagesIgnoreTheLimitAndNeedTheirChannel) {
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

}  // namespace
}  // namespace mamori::store
