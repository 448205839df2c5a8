#include "collector/cli/cmd_backup.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "collector/cli/cli_common.h"
#include "collector/cli/cmd_init.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::collector_cli {
namespace {

namespace fs = std::filesystem;

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "mamori_cmd_backup_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return dir;
}

struct Outcome {
  int code;
  std::string out, err;
};

Outcome Call(int (*command)(const std::vector<std::string>&, std::ostream&,
                            std::ostream&),
             std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = command(args, out, err);
  return {code, out.str(), err.str()};
}

// path → content of every file under `dir` (to prove it was not touched).
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    files[fs::relative(e.path(), dir).string()] = s.str();
  }
  return files;
}

class CmdBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = TempDir();
    data_ = root_ + "/data";
    Outcome init = Call(&RunInit, {"--data", data_, "--org", "acme"});
    ASSERT_EQ(init.code, 0) << init.err;
    std::ofstream(data_ + "/pki/signing.key") << "signing-secret";
    chmod((data_ + "/pki/signing.key").c_str(), 0600);
    backup_ = root_ + "/b.mamori";
    Outcome b = Call(&RunBackup, {"--data", data_, "--out", backup_});
    ASSERT_EQ(b.code, 0) << b.err;
  }
  std::string root_, data_, backup_;
};

TEST_F(CmdBackupTest, RestoresIntoAnEmptyDirectoryWithKeysAndModes) {
  struct stat st {};
  ASSERT_EQ(stat(backup_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string target = root_ + "/restored";
  Outcome r = Call(&RunRestore, {"--from", backup_, "--data", target});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("integrity_check: ok"), std::string::npos) << r.out;
  for (const char* key :
       {"/pki/ca.key", "/pki/server.key", "/pki/signing.key"}) {
    ASSERT_EQ(stat((target + key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::map<std::string, std::string> before = Snapshot(data_);
  std::map<std::string, std::string> after = Snapshot(target);
  for (const char* f : {"pki/ca.key", "pki/ca.crt", "pki/server.key",
                        "pki/server.crt", "pki/signing.key"}) {
    EXPECT_EQ(before[f], after[f]) << f;
  }
  // The restored directory opens as a store with the organisation in it.
  Result<std::unique_ptr<store::Store>> opened =
      OpenStore(DataPaths::For(target), SystemClock::Instance());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_FALSE(fs::exists(target + "/collector.db.partial"));
  for (const auto& e : fs::directory_iterator(target)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".restore-"));
  }
}

TEST_F(CmdBackupTest, NonEmptyTargetNeedsForce) {
  const auto before = Snapshot(data_);
  Outcome r = Call(&RunRestore, {"--from", backup_, "--data", data_});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_EQ(Snapshot(data_), before);
  std::ofstream(data_ + "/stray.txt") << "old";
  Outcome forced =
      Call(&RunRestore, {"--from", backup_, "--data", data_, "--force"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_FALSE(fs::exists(data_ + "/stray.txt"));
  EXPECT_TRUE(fs::exists(data_ + "/pki/signing.key"));
}

TEST_F(CmdBackupTest, CorruptBackupLeavesTheTargetUntouched) {
  std::fstream f(backup_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(4096);
  f << std::string(8192, '\xA5');
  f.close();
  std::ofstream(data_ + "/stray.txt") << "old";
  const auto before = Snapshot(data_);
  Outcome r =
      Call(&RunRestore, {"--from", backup_, "--data", data_, "--force"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nothing changed"), std::string::npos) << r.err;
  EXPECT_EQ(Snapshot(data_), before);
}

TEST_F(CmdBackupTest, UsageAndMissingData) {
  EXPECT_EQ(Call(&RunBackup, {"--data", data_}).code, 2);
  EXPECT_EQ(Call(&RunRestore, {"--data", data_}).code, 2);
  Outcome b =
      Call(&RunBackup, {"--data", root_ + "/none", "--out", root_ + "/x"});
  EXPECT_EQ(b.code, 1);
  EXPECT_NE(b.err.find("not an initialised"), std::string::npos) << b.err;
  // An existing output file is never overwritten.
  Outcome again = Call(&RunBackup, {"--data", data_, "--out", backup_});
  EXPECT_EQ(again.code, 1);
}

TEST_F(CmdBackupTest, PostgresDatabasesAreLeftToPgDump) {
  const std::string out = root_ + "/pg.mbk";
  Outcome b = Call(&RunBackup, {"--data", data_, "--store",
                                "postgresql://mamori:secret@db.example/mamori",
                                "--out", out});
  EXPECT_EQ(b.code, 1);
  EXPECT_NE(b.err.find("pg_dump"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("docs/scale.md"), std::string::npos) << b.err;
  EXPECT_EQ(b.err.find("secret"), std::string::npos) << b.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(CmdBackupTest, DataWrittenByANewerCollectorIsRefused) {
  {
    Result<store::Database> db = store::Database::Open(data_ + "/collector.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("INSERT INTO schema_migrations VALUES "
                         "('from-a-newer-collector', 1, 0)")
                    .ok());
  }
  Result<std::unique_ptr<store::Store>> opened =
      OpenStore(DataPaths::For(data_), SystemClock::Instance());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("newer"), std::string::npos);
}

}  // namespace
}  // namespace mamori::collector_cli
