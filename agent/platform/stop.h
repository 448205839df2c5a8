#pragma once

// How `mamori-agent run` is asked to stop, one interface over:
//   POSIX    SIGTERM and SIGINT (systemd, kill, Ctrl+C)
//   Windows  console control events (Ctrl+C, Ctrl+Break, closing the
//            console, system shutdown) and, for `run --service`, the service
//            control manager's SERVICE_CONTROL_STOP and _SHUTDOWN.
// Every source ends in the same StopRequest, which the run loop waits on.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace mamori::platform {

// A one-shot stop flag with a reason. Thread-safe.
class StopRequest {
 public:
  // Sets the flag and wakes WaitFor. The first reason is kept.
  void Request(const std::string& reason);
  bool requested() const;
  // Empty until requested.
  std::string reason() const;
  // Waits until a stop is requested or `timeout` passes (a negative timeout
  // is zero). Returns requested().
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  std::string reason_;
};

// Routes the process's stop events to a StopRequest while it exists. One at a
// time per process.
//   POSIX: blocks SIGTERM and SIGINT in the calling thread, so create it
//   before starting other threads (they inherit the mask and never see the
//   signals); a helper thread takes them with sigwait. The mask stays after
//   destruction, and a signal that arrives with no route is handed to the
//   next one.
//   Windows: SetConsoleCtrlHandler. For closing the console and for system
//   shutdown Windows ends the process when the handler returns, so the
//   handler waits (up to 4 s) for the route to be destroyed, i.e. for the
//   run loop to finish.
class StopEventRoute {
 public:
  // FAILED_PRECONDITION when another route exists; INTERNAL when the
  // operating system refuses.
  static Result<std::unique_ptr<StopEventRoute>> Install(StopRequest* stop);
  ~StopEventRoute();
  StopEventRoute(const StopEventRoute&) = delete;
  StopEventRoute& operator=(const StopEventRoute&) = delete;

 private:
  StopEventRoute() = default;
};

// Windows: runs `body` as the service `name` (this process was started by
// the service control manager, e.g. `sc start mamori-agent`). The service
// reports RUNNING, then calls `body` with a StopRequest that
// SERVICE_CONTROL_STOP and SERVICE_CONTROL_SHUTDOWN trigger; when `body`
// returns the service reports STOPPED with `body`'s result as its exit code
// (service-specific when non-zero). Returns that result, or
// FAILED_PRECONDITION when the process was not started as a service.
// POSIX: UNIMPLEMENTED (use the systemd unit, which sends SIGTERM).
Result<int> RunAsService(const std::string& name,
                         const std::function<int(StopRequest&)>& body);

}  // namespace mamori::platform
