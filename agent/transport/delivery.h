#pragma once

// Delivery: moves spooled reports to the collector, oldest first, and
// removes each from the spool only after the collector acknowledged it
// (stored, or already stored under the same report id).
//
// Each report goes out with the spool's count of dropped reports and, for
// families unchanged since the last acknowledged report, only their digests;
// when the collector answers NEED_PARTS (or FAILED_PRECONDITION) the same
// report id is sent again with every family in full.
//
// Not thread-safe: one delivery loop per spool.

#include <chrono>
#include <cstdint>

#include "agent/spool/spool.h"
#include "agent/transport/collector_client.h"
#include "agent/transport/state_store.h"

namespace mamori::transport {

// How a delivery pass ended.
enum class DeliveryState {
  // Nothing left in the spool.
  kAllDelivered,
  // The collector is unreachable or busy: reports stay queued for later.
  kQueued,
  // The collector refused us (bad node key: re-enroll) or a local error.
  kFailed,
};

struct DeliveryResult {
  DeliveryState state = DeliveryState::kAllDelivered;
  // Reports acknowledged in this pass (stored or duplicate).
  int acknowledged = 0;
  // Reports the collector refused for good (INVALID_ARGUMENT, OUT_OF_RANGE,
  // or larger than its message size limit); discarded and counted as
  // dropped, so the next report tells the collector, and one bad report
  // cannot block the queue.
  int rejected = 0;
  // Still queued after the pass.
  int64_t remaining = 0;
  // Why the pass stopped early (OK when everything was delivered).
  Status last_error;
  // The collector's retry-after hint when it was busy.
  std::chrono::milliseconds retry_after{0};
  // The collector's suggested interval (0 = agent default).
  std::chrono::seconds next_report_in{0};
};

// Sends every queued report, reading `batch_size` at a time from the spool.
// Stops at the first transient error (state kQueued) or authentication or
// local error (kFailed; DATA_LOSS when the spool is damaged). A report
// refused for good is discarded and the pass goes on.
DeliveryResult DeliverPending(agent::Spool& spool, CollectorClient& client,
                              const AgentIdentity& identity,
                              int batch_size = 16);

// Exponential backoff state shared by retry loops: true for statuses worth
// retrying later (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
// ABORTED, CANCELLED, UNKNOWN transport errors).
bool IsTransient(const Status& status);

}  // namespace mamori::transport
