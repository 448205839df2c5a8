#pragma once

// ReportWriter: the single store writer. gRPC handlers Submit() converted
// reports into a bounded queue; one thread takes up to `max_batch` of them,
// stores them in one transaction and only then calls each report's
// completion, so an agent is acknowledged only for what is committed.
//
// When the queue is full Submit() refuses at once, and the handler answers
// RESOURCE_EXHAUSTED with a retry hint. Stop() refuses new work, drains what
// is queued and joins the thread: nothing accepted is dropped or half-stored.
//
// Thread safety: Submit() may be called from any thread; Start()/Stop() from
// one owner thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "collector/store/store.h"

namespace mamori::service {

class ReportWriter {
 public:
  using Done = std::function<void(Result<store::ReportResult>)>;

  struct Options {
    size_t max_queued_reports = 2048;
    // Converted reports plus the parsed requests they keep (ReportBytes).
    size_t max_queued_bytes = 64u << 20;
    size_t max_batch = 64;
    // Called on the writer thread after each commit with the organisation
    // of every report stored by it (not for duplicates or refusals), so
    // grading can be scheduled. Must be cheap and must not throw.
    std::function<void(int64_t org_id)> on_stored;
    // Testing only: waits this long before each store transaction, as a
    // slow disk would, so tests can kill the collector mid-stream.
    std::chrono::milliseconds delay_before_store{0};
  };

  enum class SubmitResult { kQueued, kFull, kClosed };

  // Whether a report of about `bytes` (ReportBytes) would be let in now: a
  // cheap look before parsing a request, so a busy collector refuses at
  // once instead of parsing and converting what Submit would refuse.
  bool HasRoomFor(size_t bytes) const;

  ReportWriter(store::Store& store, Options options)
      : store_(store), options_(options) {}
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;
  ~ReportWriter() { Stop(); }

  void Start();
  // Queues `report`; `done` runs on the writer thread after the commit (or
  // with the error). Returns kFull or kClosed without calling `done`.
  SubmitResult Submit(store::ReportInput report, Done done);
  // Refuses new submissions, stores everything queued, joins the thread.
  void Stop();

  size_t queued() const;

 private:
  struct Item {
    store::ReportInput report;
    Done done;
    size_t bytes;
  };
  void Run();

  store::Store& store_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  size_t queued_bytes_ = 0;
  bool closed_ = false;
  std::thread thread_;
};

// Approximate memory a converted report holds while queued.
size_t ReportBytes(const store::ReportInput& report);

}  // namespace mamori::service
