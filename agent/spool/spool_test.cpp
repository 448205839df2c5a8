#include "agent/spool/spool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "agent/platform/files.h"

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace mamori::agent {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = (std::filesystem::temp_directory_path() /
            ("mamori-spool-test-" + std::to_string(rd()) + "-" +
             std::to_string(rd())))
               .string();
    ASSERT_TRUE(std::filesystem::create_directory(dir_));
    path_ = dir_ + "/spool.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Spool> OpenSpool(SpoolLimits limits = {}) {
    auto spool = Spool::Open(path_, limits, clock_);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return spool.ok() ? std::move(spool).value() : nullptr;
  }

  std::string dir_;
  std::string path_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
};

TEST_F(SpoolTest, KeepsOrderAndSurvivesReopen) {
  {
    auto spool = OpenSpool();
    ASSERT_TRUE(spool->Enqueue("id-1", "first").ok());
    ASSERT_TRUE(spool->Enqueue("id-2", std::string("se\0cond", 7)).ok());
  }
  auto spool = OpenSpool();
  auto pending = spool->Pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].report_id, "id-1");
  EXPECT_EQ((*pending)[0].payload, "first");
  EXPECT_EQ((*pending)[1].payload, std::string("se\0cond", 7));
  EXPECT_LT((*pending)[0].seq, (*pending)[1].seq);
  EXPECT_EQ((*pending)[0].enqueued_at, clock_.Now());
}

TEST_F(SpoolTest, FileIsPrivate) {
  auto spool = OpenSpool();
  Status check = platform::CheckPrivate(path_);
  EXPECT_TRUE(check.ok()) << check.ToString();
#ifndef _WIN32
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
#endif
}

TEST_F(SpoolTest, AckRemovesOnlyThatReport) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Enqueue("a", "1").ok());
  ASSERT_TRUE(spool->Enqueue("b", "2").ok());
  ASSERT_TRUE(spool->Ack("a", 0, {}).ok());
  auto pending = spool->Pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].report_id, "b");
}

TEST_F(SpoolTest, RejectsDuplicateAndEmptyIds) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Enqueue("a", "1").ok());
  EXPECT_EQ(spool->Enqueue("a", "2").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(spool->Enqueue("", "2").status().code(),
            StatusCode::kInvalidArgument);
  auto stats = spool->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->reports, 1);
}

TEST_F(SpoolTest, SizeBoundDropsOldestAndCounts) {
  auto spool = OpenSpool({.max_bytes = 25, .max_age = std::chrono::hours(1)});
  ASSERT_TRUE(spool->Enqueue("r1", std::string(10, 'a')).ok());
  ASSERT_TRUE(spool->Enqueue("r2", std::string(10, 'b')).ok());
  ASSERT_TRUE(spool->Enqueue("r3", std::string(10, 'c')).ok());
  auto pending = spool->Pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].report_id, "r2");
  EXPECT_EQ((*pending)[1].report_id, "r3");
  auto stats = spool->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->dropped_unreported, 1u);
  EXPECT_EQ(stats->bytes, 20u);
}

TEST_F(SpoolTest, OversizedReportIsRefusedWithoutDropping) {
  auto spool = OpenSpool({.max_bytes = 25, .max_age = std::chrono::hours(1)});
  ASSERT_TRUE(spool->Enqueue("r1", std::string(10, 'a')).ok());
  EXPECT_EQ(spool->Enqueue("big", std::string(26, 'x')).status().code(),
            StatusCode::kResourceExhausted);
  auto stats = spool->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->reports, 1);
  EXPECT_EQ(stats->dropped_unreported, 0u);
}

TEST_F(SpoolTest, AgeBoundDropsExpiredReports) {
  auto spool =
      OpenSpool({.max_bytes = 1 << 20, .max_age = std::chrono::hours(24)});
  ASSERT_TRUE(spool->Enqueue("old", "x").ok());
  clock_.Advance(std::chrono::hours(12));
  ASSERT_TRUE(spool->Enqueue("newer", "y").ok());
  clock_.Advance(std::chrono::hours(13));
  auto pending = spool->Pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].report_id, "newer");
  EXPECT_EQ(spool->Stats()->dropped_unreported, 1u);
}

TEST_F(SpoolTest, AckSubtractsOnlyTheReportedDrops) {
  auto spool = OpenSpool({.max_bytes = 10, .max_age = std::chrono::hours(1)});
  ASSERT_TRUE(spool->Enqueue("r1", std::string(6, 'a')).ok());
  ASSERT_TRUE(spool->Enqueue("r2", std::string(6, 'b')).ok());  // drops r1
  ASSERT_EQ(spool->Stats()->dropped_unreported, 1u);
  // r3 is sent carrying dropped=1 while a second drop (r2) is still
  // unreported: only the count it carried may be subtracted on its ack.
  ASSERT_TRUE(spool->Enqueue("r3", std::string(6, 'c')).ok());  // drops r2
  ASSERT_EQ(spool->Stats()->dropped_unreported, 2u);
  ASSERT_TRUE(spool->Ack("r3", 1, {}).ok());
  EXPECT_EQ(spool->Stats()->dropped_unreported, 1u);
  ASSERT_TRUE(spool->Ack("gone", 5, {}).ok());
  EXPECT_EQ(spool->Stats()->dropped_unreported, 0u);
}

TEST_F(SpoolTest, AckReplacesAckedParts) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Enqueue("r1", "x").ok());
  ASSERT_TRUE(spool->Ack("r1", 0, {{"packages", "aa"}, {"system", "bb"}}).ok());
  auto parts = spool->AckedParts();
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 2u);
  EXPECT_EQ(parts->at("packages"), "aa");
  ASSERT_TRUE(spool->Ack("r2", 0, {{"packages", "cc"}}).ok());
  parts = spool->AckedParts();
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ(parts->at("packages"), "cc");
  ASSERT_TRUE(spool->ClearAckedParts().ok());
  EXPECT_TRUE(spool->AckedParts()->empty());
}

TEST_F(SpoolTest, DiscardCountsAsDropped) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Enqueue("bad", "x").ok());
  ASSERT_TRUE(spool->Discard("bad").ok());
  ASSERT_TRUE(spool->Discard("unknown").ok());
  auto stats = spool->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->reports, 0);
  EXPECT_EQ(stats->dropped_unreported, 1u);
}

TEST_F(SpoolTest, AttemptsAreCounted) {
  auto spool = OpenSpool();
  ASSERT_TRUE(spool->Enqueue("r1", "x").ok());
  ASSERT_TRUE(spool->MarkAttempt("r1").ok());
  ASSERT_TRUE(spool->MarkAttempt("r1").ok());
  EXPECT_EQ((*spool->Pending(1))[0].attempts, 2);
}

TEST_F(SpoolTest, GarbageFileIsAClearError) {
  {
    std::ofstream out(path_);
    out << std::string(4096, 'z');
  }
  auto spool = Spool::Open(path_, {}, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_NE(spool.status().message().find(path_), std::string::npos)
      << spool.status().ToString();
}

TEST_F(SpoolTest, GarbageFileIsMovedAsideAndANewSpoolCountsTheLoss) {
  {
    std::ofstream out(path_);
    out << std::string(4096, 'z');
  }
  EXPECT_EQ(Spool::Open(path_, {}, clock_).status().code(),
            StatusCode::kDataLoss);
  std::string moved_to;
  auto spool = Spool::OpenOrRecover(path_, {}, clock_, &moved_to);
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  EXPECT_EQ(moved_to, path_ + ".corrupt-1800000000");
  std::ifstream aside(moved_to);
  std::string kept((std::istreambuf_iterator<char>(aside)),
                   std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, std::string(4096, 'z'));
  auto stats = (*spool)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->dropped_unreported, 1u);  // at least one report lost
  ASSERT_TRUE((*spool)->Enqueue("after", "x").ok());
  spool->reset();

  // The new spool is healthy: opened again, nothing is moved or counted.
  std::string again;
  auto reopened = Spool::OpenOrRecover(path_, {}, clock_, &again);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(again, "");
  EXPECT_EQ((*reopened)->Stats()->dropped_unreported, 1u);
  EXPECT_EQ((*reopened)->Stats()->reports, 1);
}

TEST_F(SpoolTest, DamagedPageIsFoundWhenOpening) {
  {
    auto spool = OpenSpool();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(
          spool->Enqueue("r" + std::to_string(i), std::string(3000, 'p')).ok());
    }
  }
  const auto size = std::filesystem::file_size(path_);
  ASSERT_GT(size, 16384u);
  {
    // The header stays readable; pages in the middle do not.
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8192);
    f << std::string(8192, '\xA5');
  }
  auto damaged = Spool::Open(path_, {}, clock_);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kDataLoss)
      << damaged.status().ToString();
  std::string moved_to;
  auto spool = Spool::OpenOrRecover(path_, {}, clock_, &moved_to);
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  EXPECT_FALSE(moved_to.empty());
  EXPECT_EQ((*spool)->Stats()->reports, 0);
  EXPECT_EQ((*spool)->Stats()->dropped_unreported, 1u);
}

TEST_F(SpoolTest, MissingDirectoryIsAClearError) {
  auto spool = Spool::Open(dir_ + "/no/such/dir/spool.db", {}, clock_);
  ASSERT_FALSE(spool.ok());
  EXPECT_NE(spool.status().message().find("no/such/dir"), std::string::npos);
}

TEST_F(SpoolTest, SecondProcessSeesCommittedReports) {
  auto writer = OpenSpool();
  ASSERT_TRUE(writer->Enqueue("r1", "x").ok());
  auto reader = OpenSpool();
  auto pending = reader->Pending(10);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 1u);
}

}  // namespace
}  // namespace mamori::agent
