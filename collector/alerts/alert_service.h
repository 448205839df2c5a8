#pragma once

// AlertService: the alerts' work over the store (store/alert_port.h).
//   AfterGrading  after a grading run, the organisation's current results,
//                 newest grade snapshot and unmanaged PCs (devices that
//                 look like PCs, seen by its hosts within the
//                 unmanaged_pc_days window, not enrolled) become conditions
//                 and grade changes; the store raises, clears and queues
//                 (one event per host or device and subject until it
//                 clears).
//   Sweep         the silent-host conditions of every organisation, and the
//                 daily/weekly digests that are due.
//   DeliverDue    claims what is due and sends it; a failure is kept on the
//                 delivery with its retry time (exponential backoff), never
//                 lost. Several collectors on one database each send what
//                 they claimed (store/alert_port.h, kDeliveryLease).
// AlertWorker runs Sweep and DeliverDue on a thread of its own in `serve`.
//
// Thread safety: an AlertService is used from one thread at a time (it owns
// one store connection); AlertWorker's Kick() may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "collector/alerts/delivery.h"
#include "collector/policy/grading_service.h"
#include "collector/store/alert_port.h"
#include "collector/store/device_store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::alerts {

struct DeliveryRound {
  int sent = 0;
  int failed = 0;
};

class AlertService {
 public:
  // Opens the alert store of `store_url` (it must exist and be migrated).
  static Result<std::unique_ptr<AlertService>> Open(
      const std::string& store_url, DeliveryOptions options,
      const Clock& clock);

  Status AfterGrading(int64_t org_id, policy::GradingService& grading);
  Status Sweep();
  // Sends at most `limit` due deliveries.
  Result<DeliveryRound> DeliverDue(int limit = 50);
  // Queues a test message to `channel_id` (every enabled channel when 0).
  // NOT_FOUND for a channel the organisation does not have.
  Status QueueTest(int64_t org_id, int64_t channel_id);

  store::AlertPort& store() { return *store_; }
  const DeliveryOptions& options() const { return options_; }

 private:
  AlertService(std::unique_ptr<store::AlertPort> store,
               std::unique_ptr<store::DeviceStore> devices,
               DeliveryOptions options, const Clock& clock)
      : store_(std::move(store)),
        devices_(std::move(devices)),
        options_(std::move(options)),
        clock_(clock) {}

  Status ReconcileUnmanaged(int64_t org_id, store::GradingPort& results,
                            TimePoint now);

  std::unique_ptr<store::AlertPort> store_;
  std::unique_ptr<store::DeviceStore> devices_;
  DeliveryOptions options_;
  const Clock& clock_;
};

// serve's background alert thread: Sweep every `sweep_every`, DeliverDue
// every `deliver_every` and soon after Kick().
class AlertWorker {
 public:
  AlertWorker(std::unique_ptr<AlertService> service,
              std::chrono::milliseconds deliver_every,
              std::chrono::milliseconds sweep_every)
      : service_(std::move(service)),
        deliver_every_(deliver_every),
        sweep_every_(sweep_every) {}
  AlertWorker(const AlertWorker&) = delete;
  AlertWorker& operator=(const AlertWorker&) = delete;
  ~AlertWorker() { Stop(); }

  void Start();
  // Asks for a delivery round now (after a grading run queued alerts).
  void Kick();
  // Finishes the round in progress, then joins.
  void Stop();

 private:
  void Run();

  std::unique_ptr<AlertService> service_;
  const std::chrono::milliseconds deliver_every_;
  const std::chrono::milliseconds sweep_every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;
  std::thread thread_;
};

}  // namespace mamori::alerts
