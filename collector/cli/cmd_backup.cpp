#include "collector/cli/cmd_backup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "collector/cli/cli_common.h"
#include "collector/store/open_store.h"

namespace mamori::collector_cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

constexpr std::string_view kRestoreStaging = ".restore-";

// The database and SQLite's files beside it are copied through the backup
// API, never as files.
bool IsDatabaseFile(const std::string& name) {
  return name == "collector.db" || name == "collector.db-wal" ||
         name == "collector.db-shm" || name == "collector.db-journal";
}

// Every regular file under `root` except the database, relative paths
// sorted. Anything else (symlink, socket) is an error naming it: a backup
// that silently lacks a file is not a backup.
Result<std::vector<store::BackupFile>> CollectFiles(const std::string& root) {
  std::vector<store::BackupFile> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  if (ec) return InternalError("cannot read " + root + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return InternalError("cannot read " + root + ": " + ec.message());
    const fs::path& path = it->path();
    const std::string relative = fs::relative(path, root).generic_string();
    if (it.depth() == 0 &&
        (IsDatabaseFile(relative) || relative.starts_with(kRestoreStaging))) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    const fs::file_status status = it->symlink_status();
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) {
      return FailedPreconditionError(path.string() +
                                     " is not a regular file; move it out of "
                                     "the data directory");
    }
    if (it->file_size() > store::kMaxBackupFileBytes) {
      return FailedPreconditionError(
          path.string() + " is larger than " +
          std::to_string(store::kMaxBackupFileBytes >> 20) + " MiB");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) return InternalError("cannot read " + path.string());
    files.push_back({relative,
                     static_cast<uint32_t>(status.permissions()) & 0777,
                     content.str()});
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

// Entries of `dir` other than restore staging directories.
Result<std::vector<fs::path>> Entries(const std::string& dir) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename().string().starts_with(kRestoreStaging)) continue;
    entries.push_back(it->path());
  }
  if (ec) return InternalError("cannot read " + dir + ": " + ec.message());
  return entries;
}

Status WriteRestoredFile(const std::string& root, const store::BackupFile& f) {
  const fs::path path = fs::path(root) / f.path;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return InternalError("cannot create " + path.parent_path().string());
  for (fs::path dir = path.parent_path(); dir != fs::path(root);
       dir = dir.parent_path()) {
    chmod(dir.c_str(), 0700);
  }
  // Keys stay 0600; nothing restored is wider than 0644.
  const mode_t mode = static_cast<mode_t>(f.mode & 0644);
  return WriteFileAtomic(path.string(), f.content, static_cast<int>(mode));
}

// Gives `path` and everything under it to `uid`:`gid`.
void ChownTree(const fs::path& path, uid_t uid, gid_t gid) {
  if (lchown(path.c_str(), uid, gid) != 0) return;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(path, ec))) return;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (lchown(it->path().c_str(), uid, gid) != 0) return;
  }
}

}  // namespace

int RunBackup(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  constexpr std::string_view kCommand = "backup";
  po::options_description options("Options");
  std::string data_dir;
  std::string out_file;
  std::string store_url;
  options.add_options()("data",
                        po::value(&data_dir)->default_value(kDefaultDataDir),
                        "data directory")("out", po::value(&out_file),
                                          "backup file to create (mode 0600)");
  AddStoreFlag(options, &store_url);
  po::variables_map vm;
  if (std::optional<int> exit = ParseFlags(kCommand, "--data DIR --out FILE",
                                           options, {}, args, vm, out, err)) {
    return *exit;
  }
  // A PostgreSQL database several collectors share is backed up with
  // PostgreSQL's own tools, which an operator of such a service runs
  // anyway (pg_dump, or base backups with WAL archiving for
  // point-in-time recovery); a backup file of this command would hold
  // only part of it and `restore` could not put it back.
  if (store::IsPostgresUrl(store_url)) {
    return Failure(
        kCommand,
        FailedPreconditionError(
            "the database is PostgreSQL: back it up with pg_dump (pg_dump "
            "--format=custom --file FILE '" +
            store::RedactedUrl(store_url) + "') and copy the keys in " +
            data_dir +
            "/pki separately, as docs/scale.md \"Backup\" says / "
            "PostgreSQL のデータベースは pg_dump でバックアップし、鍵 (" +
            data_dir + "/pki) は別に保管してください (docs/scale.md)"),
        err);
  }
  if (out_file.empty()) return UsageError(kCommand, "--out is required", err);
  const DataPaths paths = DataPaths::For(data_dir, store_url);
  if (!fs::exists(paths.database)) {
    return Failure(
        kCommand,
        FailedPreconditionError(
            paths.root + " is not an initialised data directory (no "
                         "collector.db) / 初期化されたデータディレクトリでは"
                         "ありません"),
        err);
  }
  Result<std::vector<store::BackupFile>> files = CollectFiles(paths.root);
  if (!files.ok()) return Failure(kCommand, files.status(), err);
  Result<std::unique_ptr<store::BackupEngine>> opened =
      store::OpenBackupEngine(store::SqliteUrl(paths.database));
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  store::BackupEngine* engine = opened->get();
  if (Status s = engine->Create(paths.database, *files, out_file,
                                SystemClock::Instance().Now());
      !s.ok()) {
    return Failure(kCommand, s, err);
  }
  Result<store::BackupContents> contents = engine->Verify(out_file);
  if (!contents.ok()) return Failure(kCommand, contents.status(), err);
  out << "Backup written / バックアップを作成しました: " << out_file
      << " (0600)\n"
      << "  hosts: " << contents->hosts << ", reports: " << contents->reports
      << ", files: " << contents->files.size() << "\n";
  for (const store::BackupFile& f : contents->files) {
    out << "    " << f.path << "\n";
  }
  out << "It holds the CA and server private keys: keep it as secret as "
         "the server. / 秘密鍵を含むため厳重に保管してください。\n";
  return kExitOk;
}

int RunRestore(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCommand = "restore";
  po::options_description options("Options");
  std::string data_dir;
  std::string from;
  options.add_options()("from", po::value(&from), "backup file")(
      "data", po::value(&data_dir)->default_value(kDefaultDataDir),
      "data directory to restore into")(
      "force", po::bool_switch(),
      "replace the content of a non-empty data directory (stop serve first)");
  po::variables_map vm;
  if (std::optional<int> exit =
          ParseFlags(kCommand, "--from FILE --data DIR [--force]", options, {},
                     args, vm, out, err)) {
    return *exit;
  }
  if (from.empty()) return UsageError(kCommand, "--from is required", err);
  const bool force = vm["force"].as<bool>();

  // Everything about the backup is checked before the target is touched.
  Result<std::unique_ptr<store::BackupEngine>> opened =
      store::OpenBackupEngine(store::SqliteUrl("collector.db"));
  if (!opened.ok()) return Failure(kCommand, opened.status(), err);
  store::BackupEngine* engine = opened->get();
  Result<store::BackupContents> contents = engine->Verify(from);
  if (!contents.ok()) {
    return Failure(kCommand,
                   contents.status().WithContext(
                       "backup refused, nothing changed / バックアップを"
                       "拒否しました (変更なし)"),
                   err);
  }

  const DataPaths paths = DataPaths::For(data_dir);
  std::error_code ec;
  if (fs::exists(paths.root, ec)) {
    Result<std::vector<fs::path>> existing = Entries(paths.root);
    if (!existing.ok()) return Failure(kCommand, existing.status(), err);
    if (!existing->empty() && !force) {
      return Failure(
          kCommand,
          FailedPreconditionError(
              paths.root + " is not empty; restore into an empty directory, or "
                           "stop serve and add --force to replace its content "
                           "/ 空でないディレクトリです (--force で置き換え)"),
          err);
    }
  } else {
    fs::create_directories(paths.root, ec);
    if (ec) {
      return Failure(
          kCommand,
          InternalError("cannot create " + paths.root + ": " + ec.message()),
          err);
    }
  }
  chmod(paths.root.c_str(), 0700);

  std::string staging_template =
      paths.root + "/" + std::string(kRestoreStaging) + "XXXXXX";
  if (mkdtemp(staging_template.data()) == nullptr) {
    return Failure(kCommand,
                   InternalError("cannot create a staging directory in " +
                                 paths.root + ": " + std::strerror(errno)),
                   err);
  }
  const std::string staging = staging_template;
  auto fail = [&](const Status& s) {
    fs::remove_all(staging, ec);
    return Failure(kCommand, s, err);
  };
  const DataPaths staged = DataPaths::For(staging);
  if (Status s = engine->RestoreDatabase(from, staged.database); !s.ok()) {
    return fail(s);
  }
  for (const store::BackupFile& f : contents->files) {
    if (Status s = WriteRestoredFile(staging, f); !s.ok()) return fail(s);
  }

  // The backup is complete in staging: only now does --force clear DIR.
  Result<std::vector<fs::path>> existing = Entries(paths.root);
  if (!existing.ok()) return fail(existing.status());
  for (const fs::path& p : *existing) {
    fs::remove_all(p, ec);
    if (ec) return fail(InternalError("cannot remove " + p.string()));
  }
  // The database last: its presence marks the directory initialised.
  Result<std::vector<fs::path>> restored = Entries(staging);
  if (!restored.ok()) return fail(restored.status());
  struct stat owner {};
  const bool give_away = geteuid() == 0 &&
                         stat(paths.root.c_str(), &owner) == 0 &&
                         owner.st_uid != 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const fs::path& p : *restored) {
      const bool is_db = p.filename() == "collector.db";
      if (is_db != (pass == 1)) continue;
      const fs::path target = fs::path(paths.root) / p.filename();
      if (give_away) ChownTree(p, owner.st_uid, owner.st_gid);
      fs::rename(p, target, ec);
      if (ec) {
        return fail(InternalError("cannot move " + p.string() + " to " +
                                  target.string() + ": " + ec.message()));
      }
    }
  }
  fs::remove_all(staging, ec);

  out << "Restored / 復元しました: " << from << " → " << paths.root << "\n"
      << "  written by mamori-collector " << contents->collector_version
      << " at " << FormatTime(FromUnixSeconds(contents->created_at)) << "\n"
      << "  hosts: " << contents->hosts << ", reports: " << contents->reports
      << ", files: " << contents->files.size() << "\n  schema:";
  for (const store::SchemaVersion& v : contents->schema) {
    out << " " << v.module << " v" << v.version;
  }
  out << "\n  PRAGMA integrity_check: ok\n"
      << "Next / 次に: mamori-collector serve --data " << paths.root << "\n";
  return kExitOk;
}

}  // namespace mamori::collector_cli
