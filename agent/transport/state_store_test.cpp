#include "agent/transport/state_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace mamori::transport {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mamori-state-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/a/b/state";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
  std::string dir_;
};

int ModeOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

TEST_F(StateStoreTest, RoundTripWithPrivateModes) {
  ASSERT_TRUE(EnsureStateDir(dir_).ok());
  EXPECT_EQ(ModeOf(dir_), 0700);
  AgentIdentity id{.host_id = "h-1",
                   .node_key = "secret",
                   .server = "localhost:50443",
                   .organization = "株式会社テスト"};
  ASSERT_TRUE(SaveIdentity(dir_, id).ok());
  EXPECT_EQ(ModeOf(IdentityPath(dir_)), 0600);
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
  ::chmod(CaPath(dir_).c_str(), 0644);
  ASSERT_TRUE(WriteFileAtomically(CaPath(dir_), "new").ok());
  EXPECT_EQ(ModeOf(CaPath(dir_)), 0600);
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
