#include "collector/web/software_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "collector/policy/policy.h"
#include "collector/policy/questionnaire.h"

namespace mamori::web {
namespace {

using namespace std::chrono_literals;

SoftwareViewCache::Rows OneRow(const std::string& name) {
  SoftwareViewRow row;
  row.summary.name = name;
  return {row};
}

// Waits (bounded) until `done` holds; the builds run on the cache's thread.
template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 2000 && !done(); ++i) {
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

TEST(SoftwareViewCache, BuildsOnceWhileFreshAndInTheBackgroundWhenOld) {
  SoftwareViewCache cache(60s);
  const TimePoint t0 = FromUnixSeconds(1'800'000'000);
  std::atomic<int> builds{0};
  std::atomic<bool> on_caller_thread{false};
  const std::thread::id caller = std::this_thread::get_id();
  auto build = [&]() -> Result<SoftwareViewCache::Rows> {
    if (std::this_thread::get_id() == caller) on_caller_thread = true;
    return OneRow("build " + std::to_string(++builds));
  };
  // No copy yet: the request waits for the first build.
  auto a = cache.Get(1, t0, build);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->rows->front().summary.name, "build 1");
  auto b = cache.Get(1, t0 + 59s, build);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(b->rows->front().summary.name, "build 1");
  EXPECT_EQ(b->computed_at, t0);
  // Old: the request gets the old copy and a rebuild is queued.
  auto c = cache.Get(1, t0 + 61s, build);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->rows->front().summary.name, "build 1");
  ASSERT_TRUE(Eventually([&] { return builds == 2; }));
  auto d = cache.Get(1, t0 + 62s, build);
  ASSERT_TRUE(Eventually([&] {
    d = cache.Get(1, t0 + 62s, build);
    return d.ok() && d->rows->front().summary.name == "build 2";
  }));
  EXPECT_EQ(d->computed_at, t0 + 61s);
  EXPECT_EQ(builds, 2);
  // Another organisation has its own copy.
  auto other = cache.Get(2, t0 + 61s, build);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(builds, 3);
  EXPECT_EQ(other->rows->front().summary.name, "build 3");
  EXPECT_FALSE(on_caller_thread);
}

TEST(SoftwareViewCache, AFailedBuildIsReturnedAndNotKept) {
  SoftwareViewCache cache(60s);
  const TimePoint t0 = FromUnixSeconds(1'800'000'000);
  auto failing = []() -> Result<SoftwareViewCache::Rows> {
    return InternalError("disk on fire");
  };
  auto a = cache.Get(1, t0, failing);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "disk on fire");
  auto b = cache.Get(
      1, t0, [] { return Result<SoftwareViewCache::Rows>(OneRow("ok")); });
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->rows->front().summary.name, "ok");
}

TEST(SoftwareViewCache, OldCopyWhileTheBackgroundRebuildsOnce) {
  SoftwareViewCache cache(60s);
  const TimePoint t0 = FromUnixSeconds(1'800'000'000);
  ASSERT_TRUE(
      cache
          .Get(1, t0,
               [] { return Result<SoftwareViewCache::Rows>(OneRow("old")); })
          .ok());
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> builds{0};
  auto slow = [&]() -> Result<SoftwareViewCache::Rows> {
    ++builds;
    started = true;
    while (!release) std::this_thread::sleep_for(1ms);
    return OneRow("new");
  };
  auto first = cache.Get(1, t0 + 120s, slow);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->rows->front().summary.name, "old");
  ASSERT_TRUE(Eventually([&] { return started.load(); }));
  // While it runs, every request answers at once from the old copy and
  // queues nothing more.
  for (int i = 0; i < 5; ++i) {
    auto meanwhile = cache.Get(1, t0 + 120s, slow);
    ASSERT_TRUE(meanwhile.ok());
    EXPECT_EQ(meanwhile->rows->front().summary.name, "old");
  }
  release = true;
  Result<SoftwareViewCache::Snapshot> after = first;
  ASSERT_TRUE(Eventually([&] {
    after = cache.Get(1, t0 + 121s, slow);
    return after.ok() && after->rows->front().summary.name == "new";
  }));
  EXPECT_EQ(builds, 1);
}

TEST(SoftwareViewCache, KeepsAtMostMaxOrgsCopies) {
  SoftwareViewCache cache(60s, 2);
  const TimePoint t0 = FromUnixSeconds(1'800'000'000);
  std::atomic<int> builds{0};
  auto build = [&]() -> Result<SoftwareViewCache::Rows> {
    return OneRow("build " + std::to_string(++builds));
  };
  ASSERT_TRUE(cache.Get(1, t0, build).ok());
  ASSERT_TRUE(cache.Get(2, t0, build).ok());
  ASSERT_TRUE(cache.Get(1, t0, build).ok());  // 2 is now the least recent
  ASSERT_TRUE(cache.Get(3, t0, build).ok());  // drops 2's copy
  EXPECT_EQ(builds, 3);
  ASSERT_TRUE(cache.Get(1, t0, build).ok());
  EXPECT_EQ(builds, 3);
  auto two = cache.Get(2, t0, build);  // built again
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(builds, 4);
  EXPECT_EQ(two->rows->front().summary.name, "build 4");
}

TEST(SoftwareCursor, RoundTripsAndRefusesOtherText) {
  auto decoded =
      DecodeSoftwareCursor(EncodeSoftwareCursor("<b>Zoom</b>", "6.0-\x01"));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->first, "<b>Zoom</b>");
  EXPECT_EQ(decoded->second, "6.0-\x01");
  for (const char* bad : {"", "zz-00", "00", "0-00", "4142-0g", "41-42-43"}) {
    EXPECT_EQ(DecodeSoftwareCursor(bad).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(SoftwareRowBefore("apt", "2", "Bash", "1"));
  EXPECT_TRUE(SoftwareRowBefore("bash", "1", "bash", "2"));
  EXPECT_TRUE(SoftwareRowBefore("Zoom", "6", "zoom", "6"));
  EXPECT_FALSE(SoftwareRowBefore("zoom", "6", "Zoom", "6"));
  EXPECT_FALSE(SoftwareRowBefore("zoom", "6", "zoom", "6"));
}

const store::EndOfSupportTable& Table() {
  static const store::EndOfSupportTable table =
      policy::ParseEndOfSupport(policy::BuiltinEndOfSupportSource()).value();
  return table;
}

TEST(EndOfSupportFor, OfficeByYearProgramsByNameBrowsersByMajor) {
  auto office =
      EndOfSupportFor(Table(), "Microsoft Office Professional Plus 2016",
                      "16.0.4266.1001", "2026-12-07");
  ASSERT_TRUE(office);
  EXPECT_EQ(office->label, "Office 2016");
  EXPECT_EQ(office->ends_on, "2025-10-14");
  EXPECT_TRUE(office->ended);
  EXPECT_EQ(
      office->source,
      "https://learn.microsoft.com/lifecycle/products/microsoft-office-2016");
  // Still supported on a day before its date; supported through the date.
  auto before = EndOfSupportFor(Table(), "Microsoft Office Standard 2024",
                                "16.0", "2026-12-07");
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->ended);
  auto on_the_day = EndOfSupportFor(Table(), "Microsoft Office Standard 2016",
                                    "16.0", "2025-10-14");
  ASSERT_TRUE(on_the_day);
  EXPECT_FALSE(on_the_day->ended);
  // "2016" in another vendor's name is not Office.
  EXPECT_FALSE(
      EndOfSupportFor(Table(), "Visual Studio 2016 Tools", "1", "2026-12-07"));
  auto flash = EndOfSupportFor(Table(), "adobe flash player 32 NPAPI", "32.0",
                               "2026-12-07");
  ASSERT_TRUE(flash);
  EXPECT_EQ(flash->ends_on, "2020-12-31");
  EXPECT_TRUE(flash->ended);
  EXPECT_TRUE(EndOfSupportFor(Table(), "Adobe Flash Player Uninstaller", "1",
                              "2026-12-07")
                  .has_value());
  auto old_firefox =
      EndOfSupportFor(Table(), "firefox-esr", "102.15.0esr-1", "2026-12-07");
  ASSERT_TRUE(old_firefox);
  EXPECT_TRUE(old_firefox->ended);
  EXPECT_EQ(old_firefox->min_major, 115);
  EXPECT_FALSE(
      EndOfSupportFor(Table(), "firefox-esr", "1:128.11.0esr-1", "2026-12-07"));
  EXPECT_FALSE(
      EndOfSupportFor(Table(), "libreoffice-core", "4:7.4.7-1", "2026-12-07"));
  // Hostile names are data: no pattern syntax leaks through.
  EXPECT_FALSE(
      EndOfSupportFor(Table(), "<script>alert(1)</script>", "%", "2026-12-07"));
}

TEST(SoftwareMatches, EveryWordInTheNameOrTheLabel) {
  EXPECT_TRUE(SoftwareMatches("office 2016",
                              "Microsoft Office Professional Plus 2016", ""));
  EXPECT_TRUE(SoftwareMatches(
      "Office 2016", "Microsoft Office Professional Plus 2016", "Office 2016"));
  EXPECT_TRUE(SoftwareMatches("  ", "anything", ""));
  EXPECT_FALSE(SoftwareMatches(
      "office 2019", "Microsoft Office Professional Plus 2016", "Office 2016"));
  EXPECT_TRUE(SoftwareMatches("flash", "Shockwave", "Adobe Flash Player"));
  EXPECT_TRUE(
      SoftwareMatches("ＯＦＦＩＣＥ", "ＯＦＦＩＣＥ", ""));  // bytes, exactly
}

TEST(LikeMatches, PercentAndUnderscoreCaseInsensitive) {
  EXPECT_TRUE(LikeMatches("Mozilla Firefox (%", "mozilla firefox (x64 ja)"));
  EXPECT_FALSE(LikeMatches("Mozilla Firefox (%", "Mozilla Firefox ESR (x64)"));
  EXPECT_TRUE(LikeMatches("google-chrome-stable", "Google-Chrome-Stable"));
  EXPECT_FALSE(LikeMatches("google-chrome-stable", "google-chrome-stable2"));
  EXPECT_TRUE(LikeMatches("a_c%", "abcdef"));
  EXPECT_TRUE(LikeMatches("%b%d%", "abcdef"));
  EXPECT_FALSE(LikeMatches("%x%", "abcdef"));
}

}  // namespace
}  // namespace mamori::web
