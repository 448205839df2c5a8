#include "agent/facts/linux/run_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace mamori::facts::linux_util {

Result<std::string> RunCapture(const std::vector<std::string>& argv,
                               size_t max_bytes, int timeout_ms) {
  if (argv.empty()) return InvalidArgumentError("RunCapture: empty argv");
  const std::string& program = argv[0];
  if (::access(program.c_str(), X_OK) != 0) {
    return NotFoundError(program + ": " + std::strerror(errno));
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* env[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                 const_cast<char*>("LC_ALL=C"), nullptr};
  pid_t pid = 0;
  const int rc =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return InternalError(program + ": spawn failed: " + std::strerror(rc));
  }
  std::string out;
  Status failure;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[16384];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      failure = DeadlineExceededError(program + ": no result within " +
                                      std::to_string(timeout_ms) + " ms");
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends the loop
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      failure = OutOfRangeError(program + ": output larger than " +
                                std::to_string(max_bytes) + " bytes");
      break;
    }
  }
  ::close(pipe_fds[0]);
  if (!failure.ok()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.ok()) return failure;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return InternalError(
        program + ": exited with status " +
        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  return out;
}

}  // namespace mamori::facts::linux_util
