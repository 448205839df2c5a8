#include "collector/web/graded_pages.h"

#include <gtest/gtest.h>

namespace mamori::web {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kT0 = FromUnixSeconds(1'800'000'000);

TEST(GradedPagesTest, FreshOnlyUnderTheSameGradeAndAge) {
  GradedPages pages(seconds(30));
  EXPECT_FALSE(pages.Fresh(1, "rules", "g1", kT0));
  pages.Keep(1, "rules", "g1", kT0, {{"n", 1}});
  ASSERT_TRUE(pages.Fresh(1, "rules", "g1", kT0 + seconds(29)));
  EXPECT_EQ((*pages.Fresh(1, "rules", "g1", kT0))["n"], 1);
  EXPECT_FALSE(pages.Fresh(1, "rules", "g2", kT0));  // graded again
  EXPECT_FALSE(pages.Fresh(1, "rules", "g1", kT0 + seconds(30)));
  EXPECT_FALSE(pages.Fresh(1, "rules", "g1", kT0 - seconds(1)));
  EXPECT_FALSE(pages.Fresh(2, "rules", "g1", kT0));  // another organisation
  EXPECT_FALSE(pages.Fresh(1, "trend", "g1", kT0));
}

TEST(GradedPagesTest, PreviousCopyOnlyForSlowOrganisations) {
  GradedPages pages(seconds(30));
  pages.Keep(1, "dashboard", "g1", kT0, {{"grade", "B"}});
  pages.Keep(2, "dashboard", "g1", kT0, {{"grade", "C"}});
  // Regraded: Find claims the rebuild and gives no copy.
  EXPECT_FALSE(pages.Find(1, "dashboard", "g2", kT0 + seconds(1)).doc);
  // No build time known yet: the request builds it itself.
  EXPECT_FALSE(pages.Previous(1, "dashboard", kT0 + seconds(1)));
  pages.NoteBuildTime(1, kGradedPagesBackgroundAfter);
  pages.NoteBuildTime(2, kGradedPagesBackgroundAfter - milliseconds(1));
  auto previous = pages.Previous(1, "dashboard", kT0 + seconds(1));
  ASSERT_TRUE(previous);
  EXPECT_EQ((*previous)["grade"], "B");
  // A fast organisation is rebuilt by the request, as before.
  EXPECT_FALSE(pages.Previous(2, "dashboard", kT0 + seconds(1)));
  // Never older than the stale limit, never a page not built yet.
  EXPECT_FALSE(pages.Previous(1, "dashboard", kT0 + kGradedPagesStaleLimit));
  EXPECT_FALSE(pages.Previous(1, "rules", kT0 + seconds(1)));
  // A change through the console drops the copies: nothing stale is shown.
  pages.Clear();
  EXPECT_FALSE(pages.Previous(1, "dashboard", kT0 + seconds(1)));
}

}  // namespace
}  // namespace mamori::web
