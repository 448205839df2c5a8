#include "common/lru_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace mamori {
namespace {

TEST(LruCacheTest, ForgetsTheLeastRecentlyUsedWhenFull) {
  LruCache<std::string, int> cache(2);
  cache.Put("a", 1);
  cache.Put("b", 2);
  ASSERT_NE(cache.Find("a"), nullptr);  // "b" is now the oldest
  cache.Put("c", 3);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find("b"), nullptr);
  ASSERT_NE(cache.Find("a"), nullptr);
  EXPECT_EQ(*cache.Find("a"), 1);
  EXPECT_EQ(*cache.Find("c"), 3);
}

TEST(LruCacheTest, PutReplacesAndEraseForgets) {
  LruCache<int, std::string> cache(3);
  cache.Put(1, "one");
  cache.Put(1, "uno");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(*cache.Find(1), "uno");
  cache.Erase(1);
  cache.Erase(2);  // absent: no effect
  EXPECT_EQ(cache.Find(1), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(LruCacheTest, StaysWithinCapacityUnderManyKeys) {
  LruCache<int, int> cache(100);
  for (int i = 0; i < 10'000; ++i) cache.Put(i, i);
  EXPECT_EQ(cache.size(), 100u);
  EXPECT_NE(cache.Find(9'999), nullptr);
  EXPECT_EQ(cache.Find(0), nullptr);
}

}  // namespace
}  // namespace mamori
