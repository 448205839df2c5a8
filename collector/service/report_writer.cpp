#include "collector/service/report_writer.h"

#include <thread>
#include <vector>

#include "common/log.h"

namespace mamori::service {

size_t ReportBytes(const store::ReportInput& report) {
  size_t bytes = sizeof(report) + report.report_id.size() + report.wire_bytes +
                 report.held_bytes;
  for (const store::FamilyUpdate& f : report.families) {
    bytes += sizeof(f) + f.payload_json.size() + f.family.size() + 64;
  }
  for (const store::PackageRow& p : report.packages) {
    bytes += sizeof(p) + p.name.size() + p.version.size() +
             p.architecture.size() + p.source.size() + p.publisher.size() +
             p.scope.size();
  }
  return bytes;
}

void ReportWriter::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  closed_ = false;
  thread_ = std::thread([this] { Run(); });
}

ReportWriter::SubmitResult ReportWriter::Submit(store::ReportInput report,
                                                Done done) {
  const size_t bytes = ReportBytes(report);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || !thread_.joinable()) return SubmitResult::kClosed;
    // queued_bytes_ counts the reports waiting and those being stored, so
    // the bound is on all the memory held by reports not yet answered. One
    // oversized report may still enter when nothing is held, or a report
    // larger than the bound could never be stored.
    if (queue_.size() >= options_.max_queued_reports ||
        (queued_bytes_ > 0 &&
         queued_bytes_ + bytes > options_.max_queued_bytes)) {
      return SubmitResult::kFull;
    }
    queued_bytes_ += bytes;
    queue_.push_back({std::move(report), std::move(done), bytes});
  }
  ready_.notify_one();
  return SubmitResult::kQueued;
}

void ReportWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  ready_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ReportWriter::HasRoomFor(size_t bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() < options_.max_queued_reports &&
         (queued_bytes_ == 0 ||
          queued_bytes_ + bytes <= options_.max_queued_bytes);
}

size_t ReportWriter::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void ReportWriter::Run() {
  std::vector<Item> batch;
  std::vector<store::ReportInput> inputs;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closed and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    inputs.clear();
    inputs.reserve(batch.size());
    for (Item& item : batch) inputs.push_back(std::move(item.report));
    if (options_.delay_before_store.count() > 0) {
      std::this_thread::sleep_for(options_.delay_before_store);
    }
    std::vector<Result<store::ReportResult>> results =
        store_.StoreReports(inputs);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (options_.on_stored && results[i].ok() &&
          results[i]->outcome == store::ReportOutcome::kStored) {
        options_.on_stored(results[i]->org_id);
      }
      if (!results[i].ok() &&
          results[i].status().code() != StatusCode::kUnauthenticated) {
        MAMORI_LOG(kWarning)
            << "report " << inputs[i].report_id << " of host "
            << inputs[i].host_id
            << " not stored: " << results[i].status().ToString();
      }
      batch[i].done(std::move(results[i]));
    }
    // Free the batch's reports (and the requests they keep) now rather than
    // when the next batch starts, then let new reports in.
    size_t freed = 0;
    for (const Item& item : batch) freed += item.bytes;
    batch.clear();
    inputs.clear();
    std::lock_guard<std::mutex> lock(mu_);
    queued_bytes_ -= freed;
  }
}

}  // namespace mamori::service
