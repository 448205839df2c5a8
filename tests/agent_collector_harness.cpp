#include "tests/agent_collector_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/text.h"

namespace mamori::agent_collector {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int err = err_path == out_path
                  ? out
                  : open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(out, 1);
    dup2(err, 2);
    // A fresh process group, so a test can never signal its own runner.
    setpgid(0, 0);
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (std::string& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout_s`; SIGKILLs it on timeout.
int WaitFor(pid_t pid, int timeout_s) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1000;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/mamori-agent-collector-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ProcessResult RunProcess(const std::vector<std::string>& argv, int timeout_s) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  const std::string err = dir.path() + "/err";
  pid_t pid = Spawn(argv, out, err);
  ProcessResult r;
  r.exit_code = WaitFor(pid, timeout_s);
  r.out = ReadFile(out).value_or("");
  r.err = ReadFile(err).value_or("");
  return r;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::string& log_path)
    : pid_(Spawn(argv, log_path, log_path)) {}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void BackgroundProcess::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

int BackgroundProcess::Wait(int timeout_s) {
  if (pid_ <= 0) return -1;
  int code = WaitFor(pid_, timeout_s);
  pid_ = -1;
  return code;
}

Collector::Collector(const std::string& dir)
    : dir_(dir), data_(dir + "/data"), port_file_(dir + "/port") {
  ProcessResult init = Cli({"init", "--org", kOrg});
  EXPECT_EQ(init.exit_code, 0) << init.out << init.err;
}

Collector::~Collector() {
  if (serve_) {
    serve_->Signal(SIGCONT);
    serve_->Signal(SIGKILL);
    serve_->Wait(10);
  }
}

void Collector::Start(int port, const std::vector<std::string>& extra) {
  std::filesystem::remove(port_file_);
  std::vector<std::string> argv = {MAMORI_COLLECTOR_BIN,
                                   "serve",
                                   "--data",
                                   data_,
                                   "--grpc",
                                   "127.0.0.1:" + std::to_string(port),
                                   "--port-file",
                                   port_file_};
  argv.insert(argv.end(), extra.begin(), extra.end());
  serve_ = std::make_unique<BackgroundProcess>(argv, dir_ + "/serve.log");
  port_ = 0;
  for (int i = 0; i < 600 && port_ == 0; ++i) {
    Result<std::string> text = ReadFile(port_file_);
    if (text.ok()) {
      port_ = static_cast<int>(ParseInt64(Trim(*text)).value_or(0));
    }
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port_, 0) << "serve did not report its port; log:\n" << log();
  ASSERT_LT(port_, 65536) << "serve wrote an impossible port; log:\n" << log();
}

int Collector::Stop(int sig) {
  if (!serve_) return -1;
  serve_->Signal(SIGCONT);
  serve_->Signal(sig);
  int code = serve_->Wait(60);
  serve_.reset();
  return code;
}

void Collector::Pause() {
  if (serve_) serve_->Signal(SIGSTOP);
}
void Collector::Resume() {
  if (serve_) serve_->Signal(SIGCONT);
}

std::string Collector::log() const {
  return ReadFile(dir_ + "/serve.log").value_or("");
}

std::string Collector::ca_sha256() const {
  ProcessResult r = RunProcess({"/usr/bin/openssl", "x509", "-in", ca_path(),
                                "-noout", "-fingerprint", "-sha256"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::string(Trim(r.out));
}

ProcessResult Collector::Cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {MAMORI_COLLECTOR_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--data");
  argv.push_back(data_);
  return RunProcess(argv);
}

std::string Collector::Token(const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {"token", "create", "--org", kOrg, "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = Cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::string(Trim(r.out));
}

nlohmann::json Collector::Hosts() const {
  ProcessResult r = Cli({"hosts", "--org", kOrg, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "hosts output is not JSON: " << e.what() << "\n" << r.out;
    return nlohmann::json::array();
  }
}

int64_t Collector::Scalar(const std::string& sql) const {
  sqlite3* db = nullptr;
  const std::string path = data_ + "/collector.db";
  int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << "query failed: " << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

ProcessResult Agent(const std::vector<std::string>& args, int timeout_s) {
  std::vector<std::string> argv = {MAMORI_AGENT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, timeout_s);
}

std::string FixtureRoot(const std::string& name) {
  return std::string(MAMORI_SOURCE_DIR) + "/tests/fixtures/linux/" + name;
}

std::vector<std::string> SpoolIds(const std::string& state_dir) {
  std::vector<std::string> ids;
  const std::string path = state_dir + "/spool.db";
  if (!std::filesystem::exists(path)) return ids;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT report_id FROM reports ORDER BY seq", -1,
                           &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        ids.emplace_back(
            reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return ids;
}

int64_t SpoolCount(const std::string& state_dir) {
  return static_cast<int64_t>(SpoolIds(state_dir).size());
}

}  // namespace mamori::agent_collector
