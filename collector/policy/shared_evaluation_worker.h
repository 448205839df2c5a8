#pragma once

// SharedEvaluationWorker: EvaluationWorker's counterpart for several
// collectors on one database (PostgreSQL, issue #17). Changes are recorded
// in the shared re-grade queue (store/regrade_queue.h) instead of this
// process's memory, and each organisation is graded by whichever collector
// claims it once its burst of changes has gone quiet, so a burst spread over
// N collectors costs one re-grade, not N. Callers MarkDirty(org_id) from any
// thread (the report writer after a commit): the id is kept in memory until
// the worker thread writes it to the queue, a poll later, so the writer
// never waits on a round trip. Stop() writes what is pending, grades what
// this collector can claim at once (no debounce), then joins.
//
// A collector that dies between marking and grading loses nothing: the
// mark is in the database and another collector grades it; one that dies
// holding a claim gives it up when the lease expires.
//
// Thread safety: MarkDirty() from any thread; Start()/Stop() from the owner.
// The queue is used only on the worker thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "collector/store/regrade_queue.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::policy {

class SharedEvaluationWorker {
 public:
  using Evaluate = std::function<Status(int64_t org_id)>;

  // `owner` names this collector in the queue's leases (unique among the
  // collectors of the database). `clock` must outlive the worker.
  SharedEvaluationWorker(Evaluate evaluate,
                         std::unique_ptr<store::RegradeQueue> queue,
                         std::string owner, const Clock& clock,
                         store::RegradeTiming timing,
                         std::chrono::milliseconds poll);
  SharedEvaluationWorker(const SharedEvaluationWorker&) = delete;
  SharedEvaluationWorker& operator=(const SharedEvaluationWorker&) = delete;
  ~SharedEvaluationWorker() { Stop(); }

  void Start();
  void MarkDirty(int64_t org_id);
  void Stop();

  // Evaluations this collector ran, and how many failed.
  int64_t evaluations() const;
  int64_t failures() const;

 private:
  void Run();
  // Writes the marks taken so far to the queue; a failed write keeps them
  // for the next pass.
  void FlushMarks();
  // Claims what is due under `timing` and grades it.
  void GradeDue(const store::RegradeTiming& timing);

  Evaluate evaluate_;
  std::unique_ptr<store::RegradeQueue> queue_;
  const std::string owner_;
  const Clock& clock_;
  const store::RegradeTiming timing_;
  const std::chrono::milliseconds poll_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::set<int64_t> marked_;  // changed since the last flush
  bool stopping_ = false;
  int64_t evaluations_ = 0;
  int64_t failures_ = 0;
  std::thread thread_;
};

}  // namespace mamori::policy
