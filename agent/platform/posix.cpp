// POSIX implementations of the platform seam (Linux; nothing Linux-only).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "agent/platform/files.h"
#include "agent/platform/paths.h"
#include "agent/platform/process.h"
#include "agent/platform/stop.h"

namespace mamori::platform {
namespace {

Status OsError(const std::string& what, const std::string& path, int err) {
  return InternalError(what + " " + path + ": " + std::strerror(err));
}

Status FsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return OsError("cannot open", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return OsError("cannot fsync", path, err);
  return Status::Ok();
}

// Writes all of `content` to `fd`, retrying on EINTR and short writes.
bool WriteAll(int fd, std::string_view content) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Status EnsurePrivateDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return InternalError("cannot create directory " + dir + ": " +
                         ec.message());
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return OsError("cannot chmod", dir, errno);
  }
  return Status::Ok();
}

Status WritePrivateFileAtomically(const std::string& path,
                                  std::string_view content) {
  const std::string tmp = path + ".tmp";
  // A stale temporary file (a crash) is removed, and the new one must be
  // created by this call: O_EXCL fails on anything in its place, and
  // O_NOFOLLOW on a symbolic link, so whoever could plant a link there
  // cannot make us write (or chmod) another file.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    return OsError("cannot remove the stale", tmp, errno);
  }
  int fd = ::open(tmp.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return OsError("cannot create", tmp, errno);
  auto fail = [&](const std::string& what) {
    Status s = OsError(what, tmp, errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  };
  // open() applies the umask to 0600; make the mode exact.
  if (::fchmod(fd, 0600) != 0) return fail("cannot chmod");
  if (!WriteAll(fd, content)) return fail("cannot write");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    Status s = OsError("cannot close", tmp, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = OsError("cannot rename " + tmp + " to", path, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return FsyncPath(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
}

Status CreatePrivateFileIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return OsError("cannot open", path, errno);
  ::close(fd);
  return Status::Ok();
}

Status CheckPrivate(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFoundError(path + " does not exist");
    return OsError("cannot stat", path, errno);
  }
  const uid_t me = ::geteuid();
  if (st.st_uid != me && st.st_uid != 0) {
    return FailedPreconditionError(
        path + " is owned by uid " + std::to_string(st.st_uid) +
        ", not by this user (uid " + std::to_string(me) + ") or root");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return FailedPreconditionError(path +
                                   " can be accessed by group or "
                                   "others (mode " +
                                   mode + "); chmod go-rwx it");
  }
  return Status::Ok();
}

const std::string& DefaultConfigPath() {
  static const std::string kPath = "/etc/mamori/agent.conf";
  return kPath;
}

const std::string& DefaultStateDir() {
  static const std::string kPath = "/var/lib/mamori";
  return kPath;
}

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

void PrepareConsole() {}

Status RedirectStderrToFile(const std::string& path) {
  if (std::freopen(path.c_str(), "a", stderr) == nullptr) {
    return OsError("cannot open", path, errno);
  }
  return Status::Ok();
}

// --- stop events: SIGTERM / SIGINT through one sigwait thread ---
namespace {

std::mutex route_mu;
StopRequest* route_target = nullptr;  // guarded by route_mu
int pending_signal = 0;               // guarded by route_mu
bool waiter_started = false;          // guarded by route_mu

std::string SignalName(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "signal " + std::to_string(sig);
  }
}

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void WaitForSignals() {
  const sigset_t set = StopSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    std::lock_guard<std::mutex> lock(route_mu);
    if (route_target != nullptr) {
      route_target->Request(SignalName(sig));
    } else {
      pending_signal = sig;
    }
  }
}

}  // namespace

Result<std::unique_ptr<StopEventRoute>> StopEventRoute::Install(
    StopRequest* stop) {
  std::lock_guard<std::mutex> lock(route_mu);
  if (route_target != nullptr) {
    return FailedPreconditionError("a stop-event route is already installed");
  }
  const sigset_t set = StopSignals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return InternalError(std::string("cannot block SIGTERM/SIGINT: ") +
                         std::strerror(rc));
  }
  if (!waiter_started) {
    // Started after the mask is set, so it inherits it; it lives as long as
    // the process and only ever waits in sigwait.
    try {
      std::thread(WaitForSignals).detach();
    } catch (const std::system_error& e) {
      return InternalError(std::string("cannot start the signal thread: ") +
                           e.what());
    }
    waiter_started = true;
  }
  route_target = stop;
  if (pending_signal != 0) {
    stop->Request(SignalName(pending_signal));
    pending_signal = 0;
  }
  return std::unique_ptr<StopEventRoute>(new StopEventRoute());
}

StopEventRoute::~StopEventRoute() {
  std::lock_guard<std::mutex> lock(route_mu);
  route_target = nullptr;
}

Result<int> RunAsService(const std::string& /*name*/,
                         const std::function<int(StopRequest&)>& /*body*/) {
  return UnimplementedError(
      "--service is for Windows only; on Linux run `mamori-agent run` under "
      "systemd, which stops it with SIGTERM");
}

}  // namespace mamori::platform
