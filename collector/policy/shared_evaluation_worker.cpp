#include "collector/policy/shared_evaluation_worker.h"

#include <vector>

#include "common/log.h"

namespace mamori::policy {

namespace {
// Organisations claimed at a time: one, the one being graded, so that the
// heartbeat's renewal covers every claim this collector holds (a second
// claim waiting behind a long pass would lapse and be graded twice) and the
// rest stay free for the other collectors.
constexpr int kClaimsPerPass = 1;
}  // namespace

SharedEvaluationWorker::SharedEvaluationWorker(
    Evaluate evaluate, std::unique_ptr<store::RegradeQueue> queue,
    std::unique_ptr<store::RegradeQueue> heartbeat, std::string owner,
    const Clock& clock, store::RegradeTiming timing,
    std::chrono::milliseconds poll, std::function<void()> interrupt)
    : evaluate_(std::move(evaluate)),
      interrupt_(std::move(interrupt)),
      queue_(std::move(queue)),
      heartbeat_queue_(std::move(heartbeat)),
      owner_(std::move(owner)),
      clock_(clock),
      timing_(timing),
      poll_(poll) {}

void SharedEvaluationWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  heartbeat_stop_ = false;
  thread_ = std::thread([this] { Run(); });
  heartbeat_thread_ = std::thread([this] { Heartbeat(); });
}

void SharedEvaluationWorker::MarkDirty(int64_t org_id) {
  std::lock_guard<std::mutex> lock(mu_);
  marked_.insert(org_id);
}

void SharedEvaluationWorker::RequestStop() {
  bool grading = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    grading = grading_.has_value();
  }
  wake_.notify_all();
  // After stopping_ is set: the pass sees it when the interrupted query
  // returns.
  if (grading && interrupt_) interrupt_();
}

void SharedEvaluationWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
  }
  RequestStop();
  // The grading thread first: until its pass has stopped and released its
  // claims, the heartbeat keeps the lease.
  thread_.join();
  // Marks taken after the thread's last flush (reports committed while it
  // stopped); the queue is this thread's now.
  FlushMarks();
  {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeat_stop_ = true;
  }
  wake_.notify_all();
  heartbeat_thread_.join();
}

int64_t SharedEvaluationWorker::evaluations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evaluations_;
}

int64_t SharedEvaluationWorker::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

int64_t SharedEvaluationWorker::interrupted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return interrupted_;
}

int64_t SharedEvaluationWorker::released() const {
  std::lock_guard<std::mutex> lock(mu_);
  return released_;
}

int64_t SharedEvaluationWorker::renewals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return renewals_;
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

void SharedEvaluationWorker::Release(const store::RegradeClaim& claim) {
  if (Status s = queue_->Release(claim, owner_); !s.ok()) {
    // Then the lease runs out and another collector grades it.
    MAMORI_LOG(kWarning) << "re-grade queue: organisation " << claim.org_id
                         << " not handed back: " << s.ToString();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++released_;
}

Status SharedEvaluationWorker::GoOnWith(
    const store::RegradeClaim& claim) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) {
    return Status(StatusCode::kCancelled, "collector stopping: organisation " +
                                              std::to_string(claim.org_id) +
                                              " handed back");
  }
  if (lease_lost_) {
    return AbortedError("the lease of organisation " +
                        std::to_string(claim.org_id) +
                        " passed to another collector");
  }
  return Status::Ok();
}

void SharedEvaluationWorker::GradeDue() {
  // Bounded, so a stream of other collectors' changes cannot keep this
  // pass going for ever.
  for (int pass = 0; pass < 256; ++pass) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const TimePoint claimed_at = clock_.Now();
    Result<std::vector<store::RegradeClaim>> claims =
        queue_->ClaimDue(owner_, claimed_at, timing_, kClaimsPerPass);
    if (!claims.ok()) {
      MAMORI_LOG(kWarning) << "re-grade queue: claim failed: "
                           << claims.status().ToString();
      return;
    }
    if (claims->empty()) return;
    for (const store::RegradeClaim& claim : *claims) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stopping_) {
          grading_ = claim;
          renewed_at_ = claimed_at;
          lease_lost_ = false;
        }
      }
      if (GoOnWith(claim).code() == StatusCode::kCancelled) {
        Release(claim);
        continue;
      }
      const Status status =
          evaluate_(claim.org_id, [this, claim] { return GoOnWith(claim); });
      bool stopped = false;
      bool lost = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        grading_.reset();
        stopped = stopping_ && status.code() == StatusCode::kCancelled;
        lost = lease_lost_ && status.code() == StatusCode::kAborted;
        if (stopped || lost) {
          ++interrupted_;
        } else {
          ++evaluations_;
          if (!status.ok()) ++failures_;
        }
      }
      if (stopped) {
        // Part-way: the checks run so far stored their results, but no
        // grade snapshot was taken; the next collector grades it whole.
        Release(claim);
        continue;
      }
      if (lost) {
        MAMORI_LOG(kWarning) << status.message() << "; it grades it now";
        continue;
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
    // What changed before a stop reaches the queue, where the other
    // collectors (or this one's next start) grade it.
    FlushMarks();
    if (stopping) return;
    GradeDue();
  }
}

void SharedEvaluationWorker::Heartbeat() {
  // Renewed every quarter of the lease: three renewals may fail (the
  // database restarting) before another collector could claim it.
  const auto every = timing_.lease / 4;
  while (true) {
    std::optional<store::RegradeClaim> claim;
    TimePoint now;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, poll_, [this] { return heartbeat_stop_; });
      if (heartbeat_stop_) return;
      now = clock_.Now();
      if (grading_ && now - renewed_at_ >= every) claim = grading_;
    }
    if (!claim) continue;
    Result<bool> renewed =
        heartbeat_queue_->Renew(*claim, owner_, now, timing_.lease);
    if (!renewed.ok()) {
      MAMORI_LOG(kWarning) << "re-grade queue: lease of organisation "
                           << claim->org_id
                           << " not renewed (tried again at the next beat): "
                           << renewed.status().ToString();
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!grading_ || grading_->org_id != claim->org_id) continue;
    if (*renewed) {
      renewed_at_ = now;
      ++renewals_;
    } else {
      lease_lost_ = true;
    }
  }
}

}  // namespace mamori::policy
