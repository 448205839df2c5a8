#include <utility>

#include "agent/platform/stop.h"

namespace mamori::platform {

void StopRequest::Request(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (requested_) return;
    requested_ = true;
    reason_ = reason;
  }
  cv_.notify_all();
}

bool StopRequest::requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requested_;
}

std::string StopRequest::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

bool StopRequest::WaitFor(std::chrono::milliseconds timeout) {
  if (timeout.count() < 0) timeout = std::chrono::milliseconds(0);
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return requested_; });
}

}  // namespace mamori::platform
