#include "agent/transport/delivery.h"

#include "agent/transport/part_digest.h"
#include "common/log.h"

namespace mamori::transport {
namespace {

using mamori::v1::ReportRequest;
using mamori::v1::ReportResponse;

// A refusal of the report itself, which no retry can change: malformed or
// out of range, or larger than the collector accepts.
bool RefusedForGood(const ReportCall& call) {
  return call.too_large || call.status.code() == StatusCode::kInvalidArgument ||
         call.status.code() == StatusCode::kOutOfRange;
}

}  // namespace

bool IsTransient(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kAborted:
    case StatusCode::kCancelled:
    case StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

DeliveryResult DeliverPending(agent::Spool& spool, CollectorClient& client,
                              const AgentIdentity& identity, int batch_size) {
  DeliveryResult result;
  auto fail = [&result](Status s) {
    result.state = DeliveryState::kFailed;
    result.last_error = std::move(s);
  };
  bool stop = false;
  while (!stop) {
    Result<std::vector<agent::SpoolEntry>> pending = spool.Pending(batch_size);
    if (!pending.ok()) {
      fail(pending.status());
      break;
    }
    if (pending->empty()) break;
    for (const agent::SpoolEntry& entry : *pending) {
      stop = true;
      mamori::v1::EndpointFacts facts;
      if (!facts.ParseFromString(entry.payload)) {
        MAMORI_LOG(kError) << "spooled report " << entry.report_id
                           << " is unreadable; discarding it";
        Status s = spool.Discard(entry.report_id);
        if (!s.ok()) {
          fail(s);
          break;
        }
        stop = false;
        continue;
      }
      Result<agent::SpoolStats> stats = spool.Stats();
      Result<std::map<std::string, std::string>> acked = spool.AckedParts();
      if (!stats.ok() || !acked.ok()) {
        fail(stats.ok() ? acked.status() : stats.status());
        break;
      }
      ReportRequest request;
      request.set_host_id(identity.host_id);
      request.set_node_key(identity.node_key);
      request.set_report_id(entry.report_id);
      *request.mutable_collected_at() = facts.collected_at();
      request.set_dropped_reports(stats->dropped_unreported);
      *request.mutable_facts() = facts;
      std::vector<std::string> digested = ReplaceUnchangedParts(
          *acked, request.mutable_facts(), request.mutable_unchanged_parts());

      (void)spool.MarkAttempt(entry.report_id);
      ReportCall call = client.Report(request);
      const bool need_parts =
          (call.status.ok() &&
           call.response.outcome() == ReportResponse::OUTCOME_NEED_PARTS) ||
          call.status.code() == StatusCode::kFailedPrecondition;
      if (need_parts) {
        MAMORI_LOG(kInfo) << "collector asked for full parts of report "
                          << entry.report_id << "; resending in full";
        (void)spool.ClearAckedParts();
        request.clear_unchanged_parts();
        *request.mutable_facts() = facts;
        call = client.Report(request);
        if (call.status.ok() &&
            call.response.outcome() == ReportResponse::OUTCOME_NEED_PARTS) {
          fail(InternalError(
              "collector asked for parts of a report sent in full"));
          break;
        }
      }
      if (!call.status.ok()) {
        // Before IsTransient: a report over the size limit comes back as
        // RESOURCE_EXHAUSTED, which is otherwise "busy, retry later", and
        // would block the queue for ever.
        if (RefusedForGood(call)) {
          MAMORI_LOG(kError) << "collector refused report " << entry.report_id
                             << " (" << entry.payload.size()
                             << " bytes) for good: " << call.status.message()
                             << "; discarding it and counting it as dropped / "
                                "コレクタが受け付けない報告を破棄しました";
          ++result.rejected;
          Status s = spool.Discard(entry.report_id);
          if (!s.ok()) {
            fail(s);
            break;
          }
          result.last_error = call.status;
          stop = false;
          continue;
        }
        if (IsTransient(call.status)) {
          result.state = DeliveryState::kQueued;
          result.last_error = call.status;
          result.retry_after = call.retry_after;
          break;
        }
        fail(call.status);
        break;
      }
      if (call.response.outcome() != ReportResponse::OUTCOME_STORED &&
          call.response.outcome() != ReportResponse::OUTCOME_DUPLICATE) {
        fail(InternalError("collector answered with outcome " +
                           std::to_string(call.response.outcome())));
        break;
      }
      Status acked_status = spool.Ack(
          entry.report_id, request.dropped_reports(), FamilyDigests(facts));
      if (!acked_status.ok()) {
        fail(acked_status);
        break;
      }
      ++result.acknowledged;
      result.next_report_in =
          std::chrono::seconds(call.response.next_report_in_seconds());
      MAMORI_LOG(kInfo) << "report " << entry.report_id << " "
                        << (call.response.outcome() ==
                                    ReportResponse::OUTCOME_STORED
                                ? "stored"
                                : "already stored")
                        << (digested.empty() ? ""
                                             : " (unchanged parts sent as "
                                               "digests)");
      stop = false;
    }
  }
  Result<agent::SpoolStats> after = spool.Stats();
  if (after.ok()) result.remaining = after->reports;
  return result;
}

}  // namespace mamori::transport
