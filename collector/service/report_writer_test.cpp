#include "collector/service/report_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace mamori::service {
namespace {

// A store whose StoreReports records batches and can be held, so the test
// controls when the writer is busy. Other operations are not used here.
class HeldStore final : public store::Store {
 public:
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  void WaitUntilEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return entered_ > 0; });
  }
  std::vector<size_t> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

  std::vector<Result<store::ReportResult>> StoreReports(
      std::span<const store::ReportInput> reports) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    batches_.push_back(reports.size());
    std::vector<Result<store::ReportResult>> out;
    for (const auto& r : reports) {
      if (r.report_id == "bad") {
        out.emplace_back(UnauthenticatedError("wrong node key"));
      } else {
        store::ReportResult stored;
        stored.org_id = 7;
        out.emplace_back(stored);
      }
    }
    return out;
  }

  Result<store::Organization> CreateOrg(const store::OrgSpec&) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::Organization>> ListOrgs() override {
    return UnimplementedError("");
  }
  Result<store::Organization> FindOrg(const std::string&) override {
    return UnimplementedError("");
  }
  Result<store::CreatedToken> CreateToken(const store::TokenSpec&) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::TokenInfo>> ListTokens(
      const std::string&) override {
    return UnimplementedError("");
  }
  Status RevokeToken(const std::string&, const std::string&) override {
    return UnimplementedError("");
  }
  Result<store::EnrollOutcome> Enroll(const store::EnrollInput&) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::HostRecord>> ListHosts(
      const std::string&, std::chrono::seconds) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::FamilyRecord>> HostFacts(const std::string&,
                                                     int64_t) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::FactChange>> FactHistory(
      const std::string&, int64_t, const std::string&) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::PackageRow>> HostPackages(const std::string&,
                                                      int64_t) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::PackageChange>> PackageHistory(const std::string&,
                                                           int64_t) override {
    return UnimplementedError("");
  }
  Status CreateAdmin(const std::string&, const std::string&) override {
    return UnimplementedError("");
  }
  Result<store::HostCredential> FindHostCredential(int64_t) override {
    return UnimplementedError("");
  }
  Status SetHostCertificate(int64_t, const std::string&) override {
    return UnimplementedError("");
  }
  Status RevokeHost(const std::string&, int64_t) override {
    return UnimplementedError("");
  }
  Status SetHistoryRetention(const std::string&, int) override {
    return UnimplementedError("");
  }
  Result<int> HistoryRetention(const std::string&) override {
    return UnimplementedError("");
  }
  Result<std::vector<store::HostEvidenceFlag>> ListEvidenceFlags(
      const std::string&) override {
    return std::vector<store::HostEvidenceFlag>{};
  }
  Result<int64_t> PruneHistory(int64_t) override {
    return UnimplementedError("");
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  int entered_ = 0;
  std::vector<size_t> batches_;
};

store::ReportInput Named(const std::string& id) {
  store::ReportInput r;
  r.report_id = id;
  return r;
}

TEST(ReportWriterTest, BatchesRefusesWhenFullAndDrainsOnStop) {
  HeldStore store;
  std::mutex stored_mu;
  std::vector<int64_t> stored_orgs;
  ReportWriter writer(store, {.max_queued_reports = 3,
                              .max_queued_bytes = 1 << 20,
                              .max_batch = 10,
                              .on_stored = [&](int64_t org_id) {
                                std::lock_guard<std::mutex> lock(stored_mu);
                                stored_orgs.push_back(org_id);
                              }});
  EXPECT_EQ(writer.Submit(Named("early"), [](auto) {}),
            ReportWriter::SubmitResult::kClosed);
  writer.Start();

  std::mutex mu;
  std::vector<std::string> done;
  auto record = [&](std::string id) {
    return [&, id](Result<store::ReportResult> r) {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back(id + (r.ok() ? ":ok" : ":" + r.status().message()));
    };
  };

  // The first report occupies the writer inside the held store.
  store.Hold();
  ASSERT_EQ(writer.Submit(Named("r0"), record("r0")),
            ReportWriter::SubmitResult::kQueued);
  store.WaitUntilEntered();
  // Three more fit in the queue, the fourth is refused.
  EXPECT_EQ(writer.Submit(Named("r1"), record("r1")),
            ReportWriter::SubmitResult::kQueued);
  EXPECT_EQ(writer.Submit(Named("bad"), record("bad")),
            ReportWriter::SubmitResult::kQueued);
  EXPECT_EQ(writer.Submit(Named("r3"), record("r3")),
            ReportWriter::SubmitResult::kQueued);
  EXPECT_EQ(writer.Submit(Named("r4"), record("r4")),
            ReportWriter::SubmitResult::kFull);
  EXPECT_EQ(writer.queued(), 3u);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(done.empty()) << "nothing is acknowledged before its commit";
  }
  store.Release();
  writer.Stop();
  EXPECT_EQ(writer.Submit(Named("late"), record("late")),
            ReportWriter::SubmitResult::kClosed);

  EXPECT_EQ(store.batches(), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(done, (std::vector<std::string>{"r0:ok", "r1:ok",
                                            "bad:wrong node key", "r3:ok"}));
  // Grading is told about each stored report's organisation, not the refused.
  std::lock_guard<std::mutex> lock(stored_mu);
  EXPECT_EQ(stored_orgs, (std::vector<int64_t>{7, 7, 7}));
}

// The byte bound covers the reports being stored as well as those waiting:
// a report still in the store's hands keeps its memory until answered.
TEST(ReportWriterTest, ByteBoundCountsTheBatchBeingStored) {
  HeldStore store;
  auto sized = [](const std::string& id) {
    store::ReportInput r = Named(id);
    r.wire_bytes = 400u << 10;
    r.held_bytes = 100u << 10;
    return r;
  };
  const size_t one = ReportBytes(sized("rN"));  // ids of the same length
  ReportWriter writer(store, {.max_queued_reports = 100,
                              .max_queued_bytes = 2 * one,
                              .max_batch = 10,
                              .on_stored = nullptr});
  writer.Start();
  std::atomic<int> answered{0};
  auto count = [&](Result<store::ReportResult>) { ++answered; };
  store.Hold();
  ASSERT_EQ(writer.Submit(sized("r0"), count),
            ReportWriter::SubmitResult::kQueued);
  store.WaitUntilEntered();
  EXPECT_EQ(writer.queued(), 0u);  // r0 left the queue for the store
  EXPECT_EQ(writer.Submit(sized("r1"), count),
            ReportWriter::SubmitResult::kQueued);
  EXPECT_EQ(writer.Submit(sized("r2"), count),
            ReportWriter::SubmitResult::kFull);
  store.Release();
  writer.Stop();
  EXPECT_EQ(answered.load(), 2);
  // Everything answered: the whole bound is free again.
  writer.Start();
  EXPECT_EQ(writer.Submit(sized("r3"), count),
            ReportWriter::SubmitResult::kQueued);
  EXPECT_EQ(writer.Submit(sized("r4"), count),
            ReportWriter::SubmitResult::kQueued);
  writer.Stop();
  EXPECT_EQ(answered.load(), 4);
}

}  // namespace
}  // namespace mamori::service
