#pragma once

// SharedEvaluationWorker: EvaluationWorker's counterpart for several
// collectors on one database (PostgreSQL, issue #17). Changes are recorded
// in the shared re-grade queue (store/regrade_queue.h) instead of this
// process's memory, and each organisation is graded by whichever collector
// claims it once its burst of changes has gone quiet, so a burst spread over
// N collectors costs one re-grade, not N. Callers MarkDirty(org_id) from any
// thread (the report writer after a commit): the id is kept in memory until
// the worker thread writes it to the queue, a poll later, so the writer
// never waits on a round trip.
//
// While an organisation is being graded, a heartbeat thread renews its lease
// (every quarter of the lease, on a queue session of its own, so a single
// slow check query does not hold the renewal up): a pass longer than the
// lease is never claimed by a second collector. When a renewal finds the
// lease gone to another collector, the pass gives up at its next check.
//
// Stop() hands grading back instead of running it: the marks taken so far
// are written to the queue, the check query in progress is interrupted, the
// pass stops there (`go_on` returns CANCELLED, before that check's results
// are stored) and every claim this collector holds is released, so the
// organisations stay pending for the other collectors (or this one's next
// start); then both threads join.
//
// A collector that dies between marking and grading loses nothing: the
// mark is in the database and another collector grades it; one that dies
// holding a claim stops renewing it, and the claim passes on when the lease
// expires.
//
// Thread safety: MarkDirty() from any thread; Start()/Stop() from the owner.
// Each queue is used only on its own thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "collector/store/regrade_queue.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::policy {

class SharedEvaluationWorker {
 public:
  // Asked by a grading pass between its checks: OK to go on; CANCELLED when
  // the collector is stopping, ABORTED when the lease passed to another
  // collector. A pass that gets an error stops and returns it.
  using GoOn = std::function<Status()>;
  using Evaluate = std::function<Status(int64_t org_id, const GoOn& go_on)>;

  // `owner` names this collector in the queue's leases (unique among the
  // collectors of the database). `queue` is used by the grading thread,
  // `heartbeat` (a second session on the same database) by the lease
  // renewals. `clock` must outlive the worker.
  // `interrupt`, when given, stops the check query the pass is waiting on
  // (GradingService::InterruptCheck); RequestStop calls it, so a stop does
  // not wait for a slow check.
  SharedEvaluationWorker(Evaluate evaluate,
                         std::unique_ptr<store::RegradeQueue> queue,
                         std::unique_ptr<store::RegradeQueue> heartbeat,
                         std::string owner, const Clock& clock,
                         store::RegradeTiming timing,
                         std::chrono::milliseconds poll,
                         std::function<void()> interrupt = nullptr);
  SharedEvaluationWorker(const SharedEvaluationWorker&) = delete;
  SharedEvaluationWorker& operator=(const SharedEvaluationWorker&) = delete;
  ~SharedEvaluationWorker() { Stop(); }

  void Start();
  void MarkDirty(int64_t org_id);
  // Asks the pass in progress to stop at its next check and no new one to
  // start; returns at once. Marks taken later still reach the queue (Stop).
  void RequestStop();
  // RequestStop, then waits for the pass to stop and hand its claims back,
  // writes the marks taken meanwhile to the queue and joins both threads.
  void Stop();

  // Evaluations this collector ran to the end, how many failed, how many
  // were stopped part-way (a stop, or a lost lease) and how many claims it
  // handed back; lease renewals made.
  int64_t evaluations() const;
  int64_t failures() const;
  int64_t interrupted() const;
  int64_t released() const;
  int64_t renewals() const;

 private:
  void Run();
  void Heartbeat();
  // Writes the marks taken so far to the queue; a failed write keeps them
  // for the next pass.
  void FlushMarks();
  // Claims what is due and grades it; claims it cannot grade (a stop) are
  // released.
  void GradeDue();
  void Release(const store::RegradeClaim& claim);
  Status GoOnWith(const store::RegradeClaim& claim) const;

  Evaluate evaluate_;
  const std::function<void()> interrupt_;
  std::unique_ptr<store::RegradeQueue> queue_;
  std::unique_ptr<store::RegradeQueue> heartbeat_queue_;
  const std::string owner_;
  const Clock& clock_;
  const store::RegradeTiming timing_;
  const std::chrono::milliseconds poll_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::set<int64_t> marked_;  // changed since the last flush
  bool stopping_ = false;
  bool heartbeat_stop_ = false;  // set once the grading thread has ended
  // The claim being graded (guarded by mu_), when it was last renewed and
  // whether a renewal found it gone.
  std::optional<store::RegradeClaim> grading_;
  TimePoint renewed_at_{};
  bool lease_lost_ = false;
  int64_t evaluations_ = 0;
  int64_t failures_ = 0;
  int64_t interrupted_ = 0;
  int64_t released_ = 0;
  int64_t renewals_ = 0;
  std::thread thread_;
  std::thread heartbeat_thread_;
};

}  // namespace mamori::policy
