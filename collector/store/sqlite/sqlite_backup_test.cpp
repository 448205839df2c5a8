#include "collector/store/sqlite/sqlite_backup.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "collector/store/sqlite/migrations.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {
namespace {

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "mamori_backup_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return dir;
}

const FakeClock& TestClock() {
  static const FakeClock clock(FromUnixSeconds(1'700'000'000));
  return clock;
}

// A collector database with the whole schema and `orgs` organisations.
std::string MakeDatabase(const std::string& dir, int orgs) {
  const std::string path = dir + "/collector.db";
  Result<Database> db = Database::Open(path);
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE(ApplyMigrations(*db, AllMigrationModules(), TestClock()).ok());
  for (int i = 0; i < orgs; ++i) {
    EXPECT_TRUE(db->Exec("INSERT INTO organizations (name, created_at) VALUES "
                         "('org" +
                         std::to_string(i) + "', 0)")
                    .ok());
  }
  return path;
}

int64_t CountOrgs(const std::string& path) {
  Result<Database> db = Database::Open(path, /*create=*/false);
  EXPECT_TRUE(db.ok());
  Result<Statement> q = db->Prepare("SELECT count(*) FROM organizations");
  EXPECT_TRUE(q.ok());
  EXPECT_TRUE(*q->Step());
  return q->ColumnInt(0);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const BackupFile kKey{"pki/ca.key", 0600, "-----BEGIN PRIVATE KEY-----secret"};
const BackupFile kCert{"pki/ca.crt", 0644, "-----BEGIN CERTIFICATE-----"};

TEST(SqliteBackupTest, RoundTripKeepsRowsFilesAndModes) {
  const std::string dir = TempDir();
  const std::string db = MakeDatabase(dir, 3);
  auto engine = NewSqliteBackupEngine();
  const BackupFile files[] = {kCert, kKey};
  const std::string out = dir + "/backup.mamori";
  Status created = engine->Create(db, files, out, TestClock().Now());
  ASSERT_TRUE(created.ok()) << created.ToString();
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Result<BackupContents> contents = engine->Verify(out);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(contents->collector_version, MAMORI_VERSION);
  EXPECT_EQ(contents->created_at, 1'700'000'000);
  ASSERT_EQ(contents->files.size(), 2u);
  EXPECT_EQ(contents->files[1].path, "pki/ca.key");
  EXPECT_EQ(contents->files[1].mode, 0600u);
  EXPECT_EQ(contents->files[1].content, kKey.content);
  EXPECT_EQ(contents->files[0].mode, 0644u);
  EXPECT_FALSE(contents->schema.empty());

  const std::string restored = dir + "/restored.db";
  Status r = engine->RestoreDatabase(out, restored);
  ASSERT_TRUE(r.ok()) << r.ToString();
  EXPECT_EQ(CountOrgs(restored), 3);
  // The backup's own tables are gone, and the key is not left in free pages.
  {
    Result<Database> rdb = Database::Open(restored, false);
    ASSERT_TRUE(rdb.ok());
    EXPECT_FALSE(rdb->Exec("SELECT * FROM mamori_backup_file").ok());
  }
  EXPECT_EQ(ReadAll(restored).find("secret"), std::string::npos);
  // And it opens with the current schema, as serve would.
  Result<Database> again = Database::Open(restored, false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(ApplyMigrations(*again, AllMigrationModules(), TestClock()).ok());
}

TEST(SqliteBackupTest, SnapshotWhileAnotherConnectionWrites) {
  const std::string dir = TempDir();
  const std::string db = MakeDatabase(dir, 1);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{1};
  std::thread writer([&] {
    Result<Database> w = Database::Open(db, false);
    ASSERT_TRUE(w.ok());
    for (int i = 0; !stop; ++i) {
      ASSERT_TRUE(w->Exec("INSERT INTO organizations (name, created_at) "
                          "VALUES ('w" +
                          std::to_string(i) + "', 0)")
                      .ok());
      committed = committed + 1;
    }
  });
  while (committed < 200) std::this_thread::yield();
  const int64_t before = committed;
  auto engine = NewSqliteBackupEngine();
  const std::string out = dir + "/live.mamori";
  Status created = engine->Create(db, {}, out, TestClock().Now());
  const int64_t after = committed;
  stop = true;
  writer.join();
  ASSERT_TRUE(created.ok()) << created.ToString();
  const std::string restored = dir + "/live.db";
  ASSERT_TRUE(engine->RestoreDatabase(out, restored).ok());
  // Everything committed before the backup started is in it; nothing from
  // after it ended can be.
  const int64_t rows = CountOrgs(restored);
  EXPECT_GE(rows, before);
  EXPECT_LE(rows, after);
}

TEST(SqliteBackupTest, RefusesExistingOutputAndUnsafePaths) {
  const std::string dir = TempDir();
  const std::string db = MakeDatabase(dir, 1);
  auto engine = NewSqliteBackupEngine();
  const std::string out = dir + "/exists";
  std::ofstream(out) << "keep me";
  EXPECT_EQ(engine->Create(db, {}, out, TestClock().Now()).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadAll(out), "keep me");
  const BackupFile escape[] = {{"../../etc/cron.d/x", 0644, "boom"}};
  EXPECT_EQ(engine->Create(db, escape, dir + "/b", TestClock().Now()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      engine->Create(dir + "/missing.db", {}, dir + "/c", TestClock().Now())
          .code(),
      StatusCode::kNotFound);
}

TEST(SqliteBackupTest, CheckBackupPath) {
  EXPECT_TRUE(CheckBackupPath("pki/ca.key").ok());
  EXPECT_TRUE(CheckBackupPath("signing/鍵.pem").ok());
  for (const std::string& bad : std::vector<std::string>{
           "", "/etc/passwd", "../x", "pki/../../x", "pki//x", "./x", "pki/",
           "a\nb", std::string("a\0b", 3), "x\x1b[31m",
           std::string(300, 'a')}) {
    EXPECT_EQ(CheckBackupPath(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

class CorruptBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    const std::string db = MakeDatabase(dir_, 50);
    out_ = dir_ + "/b.mamori";
    const BackupFile files[] = {kKey};
    ASSERT_TRUE(engine_->Create(db, files, out_, TestClock().Now()).ok());
  }
  Status Edit(const std::string& sql) {
    Result<Database> db = Database::Open(out_, false);
    if (!db.ok()) return db.status();
    return db->Exec("PRAGMA journal_mode=DELETE; " + sql);
  }
  std::string dir_, out_;
  std::unique_ptr<BackupEngine> engine_ = NewSqliteBackupEngine();
};

TEST_F(CorruptBackupTest, DamagedPagesAreRefused) {
  std::string bytes = ReadAll(out_);
  ASSERT_GT(bytes.size(), 16384u);
  // Overwrite the second and third pages (b-tree pages of the schema).
  for (size_t i = 4096; i < 12288; ++i) bytes[i] = static_cast<char>(i * 7);
  std::ofstream(out_, std::ios::binary | std::ios::trunc) << bytes;
  Result<BackupContents> c = engine_->Verify(out_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss) << c.status().ToString();
}

TEST_F(CorruptBackupTest, TruncatedAndForeignFilesAreRefused) {
  std::string bytes = ReadAll(out_);
  std::ofstream(out_, std::ios::binary | std::ios::trunc)
      << bytes.substr(0, bytes.size() / 2);
  EXPECT_FALSE(engine_->Verify(out_).ok());

  std::ofstream(out_, std::ios::binary | std::ios::trunc) << "not a database";
  EXPECT_EQ(engine_->Verify(out_).status().code(), StatusCode::kDataLoss);

  // A valid SQLite file that is not a backup (the live database itself).
  Result<BackupContents> live = engine_->Verify(dir_ + "/collector.db");
  EXPECT_EQ(live.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(live.status().message().find("not a mamori collector backup"),
            std::string::npos);
  EXPECT_EQ(engine_->Verify(dir_ + "/none").status().code(),
            StatusCode::kNotFound);
}

TEST_F(CorruptBackupTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(
      Edit("INSERT INTO schema_migrations VALUES ('core', 9999, 0)").ok());
  Result<BackupContents> c = engine_->Verify(out_);
  EXPECT_EQ(c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("newer collector"), std::string::npos);
}

TEST_F(CorruptBackupTest, UnknownModuleIsRefused) {
  ASSERT_TRUE(
      Edit("INSERT INTO schema_migrations VALUES ('from-the-future', 1, 0)")
          .ok());
  EXPECT_EQ(engine_->Verify(out_).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(CorruptBackupTest, HostileFilePathIsRefused) {
  ASSERT_TRUE(Edit("UPDATE mamori_backup_file SET path = "
                   "'../../../etc/cron.d/evil'")
                  .ok());
  EXPECT_EQ(engine_->Verify(out_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mamori::store
