#include "collector/web/graded_pages.h"

#include <gtest/gtest.h>

namespace mamori::web {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = FromUnixSeconds(1'800'000'000);

std::string Body(const GradedPages::Lookup& found) {
  return found.copy ? *found.copy->body : "";
}

TEST(GradedPagesTest, CurrentOnlyUnderTheSameGradeAndAge) {
  GradedPages pages(seconds(30));
  EXPECT_FALSE(pages.Current(1, "rules", "g1", kT0));
  ASSERT_TRUE(
      pages.Keep(1, "rules", "g1", kT0, R"({"n":1})", pages.Generation()));
  ASSERT_TRUE(pages.Current(1, "rules", "g1", kT0 + seconds(29)));
  EXPECT_EQ(*pages.Current(1, "rules", "g1", kT0)->body, R"({"n":1})");
  EXPECT_FALSE(pages.Current(1, "rules", "g2", kT0));  // graded again
  EXPECT_FALSE(pages.Current(1, "rules", "g1", kT0 + seconds(30)));
  EXPECT_FALSE(pages.Current(1, "rules", "g1", kT0 - seconds(1)));
  EXPECT_FALSE(pages.Current(2, "rules", "g1", kT0));  // another organisation
  EXPECT_FALSE(pages.Current(1, "trend", "g1", kT0));
}

TEST(GradedPagesTest, FirstViewBuildsThenEveryViewGetsACopy) {
  GradedPages pages(seconds(30));
  // Nothing kept: the caller builds, nobody is told to rebuild.
  GradedPages::Lookup first = pages.Find(1, "dashboard", "g1", kT0);
  EXPECT_FALSE(first.copy);
  EXPECT_FALSE(first.rebuild);
  ASSERT_TRUE(pages.Keep(1, "dashboard", "g1", kT0, R"({"grade":"B"})",
                         pages.Generation()));
  GradedPages::Lookup current = pages.Find(1, "dashboard", "g1", kT0);
  EXPECT_EQ(Body(current), R"({"grade":"B"})");
  EXPECT_FALSE(current.previous);
  EXPECT_FALSE(current.rebuild);

  // Graded again: the previous copy at once, and exactly one caller
  // claims the rebuild until it is kept or abandoned.
  GradedPages::Lookup stale = pages.Find(1, "dashboard", "g2", kT0);
  EXPECT_EQ(Body(stale), R"({"grade":"B"})");
  EXPECT_TRUE(stale.previous);
  EXPECT_TRUE(stale.rebuild);
  GradedPages::Lookup again = pages.Find(1, "rules", "g2", kT0);
  EXPECT_FALSE(again.copy);  // rules never built: built by its caller
  again = pages.Find(1, "dashboard", "g2", kT0 + seconds(1));
  EXPECT_TRUE(again.previous);
  EXPECT_FALSE(again.rebuild);  // claimed already

  // The rebuild keeps the new copy: current again.
  ASSERT_TRUE(pages.Keep(1, "dashboard", "g2", kT0 + seconds(2),
                         R"({"grade":"A"})", pages.Generation()));
  GradedPages::Lookup fresh =
      pages.Find(1, "dashboard", "g2", kT0 + seconds(2));
  EXPECT_EQ(Body(fresh), R"({"grade":"A"})");
  EXPECT_FALSE(fresh.previous);

  // Too old under the same grading run: previous, rebuilt in the background.
  GradedPages::Lookup old = pages.Find(1, "dashboard", "g2", kT0 + seconds(40));
  EXPECT_TRUE(old.previous);
  EXPECT_TRUE(old.rebuild);
  // A failed rebuild ends its claim; the next view claims again.
  pages.Abandon(1);
  EXPECT_TRUE(pages.Find(1, "dashboard", "g2", kT0 + seconds(41)).rebuild);
  // A claim that never ends is taken back after the timeout.
  EXPECT_FALSE(pages.Find(1, "dashboard", "g2", kT0 + seconds(42)).rebuild);
  EXPECT_TRUE(pages
                  .Find(1, "dashboard", "g2",
                        kT0 + seconds(41) + kGradedPagesRebuildTimeout)
                  .rebuild);
  // Past the stale limit no copy is given: the caller builds.
  EXPECT_FALSE(
      pages
          .Find(1, "dashboard", "g3", kT0 + seconds(2) + kGradedPagesStaleLimit)
          .copy);
  // Nor when the clock went back.
  EXPECT_FALSE(pages.Find(1, "dashboard", "g2", kT0).copy);
}

TEST(GradedPagesTest, AChangeDropsCopiesAndRefusesBuildsStartedBeforeIt) {
  GradedPages pages(seconds(30));
  ASSERT_TRUE(pages.Keep(1, "rules", "g1", kT0, "{}", pages.Generation()));
  const uint64_t before = pages.Generation();
  pages.Clear();
  // No copy, not even a previous one: the next view builds.
  EXPECT_FALSE(pages.Find(1, "rules", "g1", kT0).copy);
  EXPECT_FALSE(pages.Find(1, "rules", "g2", kT0).copy);
  // A build that read the store before the change keeps nothing.
  EXPECT_FALSE(pages.Keep(1, "rules", "g1", kT0, R"({"old":1})", before));
  EXPECT_FALSE(pages.Current(1, "rules", "g1", kT0));
  ASSERT_TRUE(
      pages.Keep(1, "rules", "g1", kT0, R"({"new":1})", pages.Generation()));
  EXPECT_EQ(*pages.Current(1, "rules", "g1", kT0)->body, R"({"new":1})");
}

TEST(GradedPagesTest, EtagsFollowTheBytes) {
  GradedPages pages(seconds(30));
  auto a = pages.Keep(1, "rules", "g1", kT0, R"({"n":1})", pages.Generation());
  auto b = pages.Keep(1, "trend", "g1", kT0, R"({"n":2})", pages.Generation());
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->etag, b->etag);
  EXPECT_EQ(a->etag, BodyEtag(R"({"n":1})"));
  EXPECT_EQ(a->etag.front(), '"');
  EXPECT_TRUE(EtagMatches(a->etag, a->etag));
  EXPECT_TRUE(EtagMatches("\"x\", W/" + a->etag, a->etag));
  EXPECT_TRUE(EtagMatches("*", a->etag));
  EXPECT_FALSE(EtagMatches(b->etag, a->etag));
  EXPECT_FALSE(EtagMatches("", a->etag));
  EXPECT_FALSE(EtagMatches(a->etag.substr(1), a->etag));
}

}  // namespace
}  // namespace mamori::web
