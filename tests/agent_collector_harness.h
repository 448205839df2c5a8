#pragma once

// Harness for the agent ↔ collector integration tests: runs the real
// mamori-collector and mamori-agent binaries as processes in temporary
// directories, the collector serving real TLS on a loopback port chosen by
// the kernel (`serve --port-file`).
//
// Thread safety: one harness object per test, used from the test's thread.

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mamori::agent_collector {

// A fresh directory under /tmp, removed by the caller's TempDir.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ProcessResult {
  // Exit code, or -signal when killed by a signal, or -1000 on timeout.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (killed after `timeout_s`), capturing output.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         int timeout_s = 120);

// A process running in the background with output in files.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv,
                    const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits up to `timeout_s`; returns as ProcessResult::exit_code.
  int Wait(int timeout_s = 60);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

inline constexpr char kOrg[] = "Test KK";

// A collector data directory made by `init`, and its `serve` process.
class Collector {
 public:
  // Runs `init --data <dir>/data --org kOrg`; fails the test on error.
  explicit Collector(const std::string& dir);
  ~Collector();

  // Starts `serve` on `port` (0 = any free port) with `extra` flags and
  // waits for it to listen.
  void Start(int port = 0, const std::vector<std::string>& extra = {});
  // Sends `sig` and waits; returns the exit code (-sig when killed by it).
  int Stop(int sig);
  void Pause();   // SIGSTOP
  void Resume();  // SIGCONT

  int port() const { return port_; }
  // The serve process's id (-1 when not running).
  pid_t pid() const { return serve_ ? serve_->pid() : -1; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string ca_path() const { return data_ + "/pki/ca.crt"; }
  std::string ca_sha256() const;
  const std::string& data() const { return data_; }
  std::string log() const;

  // Runs `mamori-collector <args> --data <data>`.
  ProcessResult Cli(std::vector<std::string> args) const;
  // A new enrollment token for kOrg with extra `token create` flags.
  std::string Token(const std::vector<std::string>& extra = {}) const;
  // `hosts --org kOrg --format json`.
  nlohmann::json Hosts() const;
  // One integer from the collector's database (read-only connection).
  int64_t Scalar(const std::string& sql) const;

 private:
  std::string dir_;
  std::string data_;
  std::string port_file_;
  std::unique_ptr<BackgroundProcess> serve_;
  int port_ = 0;
};

// Runs `mamori-agent <args>`.
ProcessResult Agent(const std::vector<std::string>& args, int timeout_s = 120);

// Path of a fixture tree (tests/fixtures/linux/<name>).
std::string FixtureRoot(const std::string& name);

// Spool rows of an agent state directory (0 when there is no spool yet).
int64_t SpoolCount(const std::string& state_dir);
// Report ids queued in an agent's spool, oldest first.
std::vector<std::string> SpoolIds(const std::string& state_dir);

}  // namespace mamori::agent_collector
