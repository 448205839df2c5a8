#include "collector/policy/evaluation_worker.h"

#include <vector>

#include "common/log.h"

namespace mamori::policy {

void EvaluationWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void EvaluationWorker::MarkDirty(int64_t org_id) {
  scheduler_.MarkDirty(org_id, clock_.Now());
}

void EvaluationWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int64_t EvaluationWorker::evaluations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evaluations_;
}

int64_t EvaluationWorker::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void EvaluationWorker::EvaluateAll(const std::vector<int64_t>& orgs) {
  for (int64_t org_id : orgs) {
    const Status status = evaluate_(org_id);
    std::lock_guard<std::mutex> lock(mu_);
    ++evaluations_;
    if (!status.ok()) {
      ++failures_;
      MAMORI_LOG(kWarning) << "re-grading organisation " << org_id
                           << " failed: " << status.ToString();
    }
  }
}

void EvaluationWorker::Run() {
  while (true) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, poll_, [this] { return stopping_; });
      stopping = stopping_;
    }
    if (stopping) {
      // Whatever changed before the stop is graded now, not lost: take
      // everything regardless of the debounce.
      EvaluateAll(scheduler_.TakeDue(TimePoint::max()));
      return;
    }
    EvaluateAll(scheduler_.TakeDue(clock_.Now()));
  }
}

}  // namespace mamori::policy
