#pragma once

// EvaluationWorker: re-grades organisations in the background after their
// facts change. Callers MarkDirty(org_id) (e.g. from the report writer after
// a commit); a worker thread evaluates each organisation once it has been
// quiet for the debounce interval, so a burst of reports costs one
// evaluation. Stop() evaluates what is still pending, then joins.
//
// Thread safety: MarkDirty() from any thread; Start()/Stop() from the owner.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "collector/policy/grading_service.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::policy {

class EvaluationWorker {
 public:
  using Evaluate = std::function<Status(int64_t org_id)>;

  EvaluationWorker(Evaluate evaluate, const Clock& clock,
                   std::chrono::milliseconds debounce,
                   std::chrono::milliseconds poll)
      : evaluate_(std::move(evaluate)),
        clock_(clock),
        scheduler_(debounce),
        poll_(poll) {}
  EvaluationWorker(const EvaluationWorker&) = delete;
  EvaluationWorker& operator=(const EvaluationWorker&) = delete;
  ~EvaluationWorker() { Stop(); }

  void Start();
  void MarkDirty(int64_t org_id);
  // Evaluates every pending organisation now, then joins the thread.
  void Stop();

  // Evaluations run so far, and how many failed (for logs and tests).
  int64_t evaluations() const;
  int64_t failures() const;

 private:
  void Run();
  void EvaluateAll(const std::vector<int64_t>& orgs);

  Evaluate evaluate_;
  const Clock& clock_;
  EvaluationScheduler scheduler_;
  const std::chrono::milliseconds poll_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int64_t evaluations_ = 0;
  int64_t failures_ = 0;
  std::thread thread_;
};

}  // namespace mamori::policy
