#include "collector/policy/shared_evaluation_worker.h"

#include <vector>

#include "common/log.h"

namespace mamori::policy {

namespace {
// Organisations claimed per pass: a pass grades them one after another, so
// a small number leaves the rest to the other collectors.
constexpr int kClaimsPerPass = 4;
}  // namespace

SharedEvaluationWorker::SharedEvaluationWorker(
    Evaluate evaluate, std::unique_ptr<store::RegradeQueue> queue,
    std::string owner, const Clock& clock, store::RegradeTiming timing,
    std::chrono::milliseconds poll)
    : evaluate_(std::move(evaluate)),
      queue_(std::move(queue)),
      owner_(std::move(owner)),
      clock_(clock),
      timing_(timing),
      poll_(poll) {}

void SharedEvaluationWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void SharedEvaluationWorker::MarkDirty(int64_t org_id) {
  std::lock_guard<std::mutex> lock(mu_);
  marked_.insert(org_id);
}

void SharedEvaluationWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int64_t SharedEvaluationWorker::evaluations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evaluations_;
}

int64_t SharedEvaluationWorker::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void SharedEvaluationWorker::FlushMarks() {
  std::set<int64_t> marks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    marks.swap(marked_);
  }
  const TimePoint now = clock_.Now();
  for (auto it = marks.begin(); it != marks.end();) {
    if (Status s = queue_->MarkDirty(*it, now); !s.ok()) {
      MAMORI_LOG(kWarning) << "re-grade queue: organisation " << *it
                           << " not marked (kept for the next pass): "
                           << s.ToString();
      break;
    }
    it = marks.erase(it);
  }
  if (!marks.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    marked_.insert(marks.begin(), marks.end());
  }
}

void SharedEvaluationWorker::GradeDue(const store::RegradeTiming& timing) {
  // Bounded, so a stream of other collectors' changes cannot keep this
  // pass (or a stop) going for ever.
  for (int pass = 0; pass < 64; ++pass) {
    Result<std::vector<store::RegradeClaim>> claims =
        queue_->ClaimDue(owner_, clock_.Now(), timing, kClaimsPerPass);
    if (!claims.ok()) {
      MAMORI_LOG(kWarning) << "re-grade queue: claim failed: "
                           << claims.status().ToString();
      return;
    }
    if (claims->empty()) return;
    for (const store::RegradeClaim& claim : *claims) {
      const Status status = evaluate_(claim.org_id);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++evaluations_;
        if (!status.ok()) ++failures_;
      }
      if (!status.ok()) {
        // The claim stays until its lease ends; then a collector tries again.
        MAMORI_LOG(kWarning) << "re-grading organisation " << claim.org_id
                             << " failed: " << status.ToString();
        continue;
      }
      if (Result<bool> done = queue_->Complete(claim, owner_); !done.ok()) {
        MAMORI_LOG(kWarning)
            << "re-grade queue: organisation " << claim.org_id
            << " graded but not completed: " << done.status().ToString();
      }
    }
  }
}

void SharedEvaluationWorker::Run() {
  while (true) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, poll_, [this] { return stopping_; });
      stopping = stopping_;
    }
    FlushMarks();
    if (stopping) {
      // What changed before the stop is graded now when this collector can
      // claim it; what another collector holds stays with it.
      store::RegradeTiming now = timing_;
      now.debounce = std::chrono::milliseconds(0);
      now.max_delay = std::chrono::milliseconds(0);
      GradeDue(now);
      return;
    }
    GradeDue(timing_);
  }
}

}  // namespace mamori::policy
