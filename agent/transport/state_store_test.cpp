#include "agent/transport/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "agent/platform/files.h"

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace mamori::transport {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = (std::filesystem::temp_directory_path() /
             ("mamori-state-test-" + std::to_string(rd()) + "-" +
              std::to_string(rd())))
                .string();
    ASSERT_TRUE(std::filesystem::create_directory(root_));
    dir_ = root_ + "/a/b/state";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
  std::string dir_;
};

// POSIX mode bits; on Windows the DACL is checked through CheckPrivate (see
// agent/platform/platform_test.cpp for the DACL itself).
void ExpectPrivate(const std::string& path, [[maybe_unused]] int mode) {
  Status check = platform::CheckPrivate(path);
  EXPECT_TRUE(check.ok()) << check.ToString();
#ifndef _WIN32
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<int>(st.st_mode & 0777), mode) << path;
#endif
}

TEST_F(StateStoreTest, RoundTripWithPrivateModes) {
  ASSERT_TRUE(EnsureStateDir(dir_).ok());
  ExpectPrivate(dir_, 0700);
  AgentIdentity id{.host_id = "h-1",
                   .node_key = "secret",
                   .server = "localhost:50443",
                   .organization = "株式会社テスト"};
  ASSERT_TRUE(SaveIdentity(dir_, id).ok());
  ExpectPrivate(IdentityPath(dir_), 0600);
  auto loaded = LoadIdentity(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->host_id, "h-1");
  EXPECT_EQ(loaded->node_key, "secret");
  EXPECT_EQ(loaded->server, "localhost:50443");
  EXPECT_EQ(loaded->organization, "株式会社テスト");
  EXPECT_FALSE(std::filesystem::exists(IdentityPath(dir_) + ".tmp"));
}

TEST_F(StateStoreTest, OverwriteKeepsModeEvenIfFileWasLoose) {
  ASSERT_TRUE(EnsureStateDir(dir_).ok());
  {
    std::ofstream out(CaPath(dir_));
    out << "old";
  }
#ifndef _WIN32
  ::chmod(CaPath(dir_).c_str(), 0644);
#endif
  ASSERT_TRUE(WriteFileAtomically(CaPath(dir_), "new").ok());
  ExpectPrivate(CaPath(dir_), 0600);
}

TEST_F(StateStoreTest, NotEnrolledAndDamagedAreDistinct) {
  ASSERT_TRUE(EnsureStateDir(dir_).ok());
  auto missing = LoadIdentity(dir_);
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("enroll"));
  ASSERT_TRUE(WriteFileAtomically(IdentityPath(dir_), "{not json").ok());
  EXPECT_EQ(LoadIdentity(dir_).status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(
      WriteFileAtomically(IdentityPath(dir_), "{\"host_id\":\"x\"}").ok());
  EXPECT_EQ(LoadIdentity(dir_).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace mamori::transport
