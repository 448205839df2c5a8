#include "collector/alerts/alert_service.h"

#include "collector/alerts/conditions.h"
#include "collector/software/dictionary.h"
#include "collector/store/open_store.h"
#include "common/log.h"

namespace mamori::alerts {

Result<std::unique_ptr<AlertService>> AlertService::Open(
    const std::string& store_url, DeliveryOptions options, const Clock& clock) {
  auto port = store::OpenAlertStore(store_url);
  if (!port.ok()) return port.status();
  auto devices = store::OpenDeviceStore(store_url);
  if (!devices.ok()) return devices.status();
  return std::unique_ptr<AlertService>(new AlertService(
      std::move(*port), std::move(*devices), std::move(options), clock));
}

// The grading's window for unmanaged PCs (answers setting
// unmanaged_pc_days, 30 days by default, 0 turns the check off) decides
// which devices alert: the same devices the no_unmanaged_pcs check counts.
Status AlertService::ReconcileUnmanaged(int64_t org_id,
                                        store::GradingPort& results,
                                        TimePoint now) {
  auto answers = results.LoadAnswers(org_id);
  if (!answers.ok()) return answers.status();
  int64_t days = 30;
  if (auto it = answers->settings.find("unmanaged_pc_days");
      it != answers->settings.end()) {
    days = it->second;
  }
  std::vector<UnmanagedDevice> unmanaged;
  if (days > 0) {
    store::DeviceQuery query;
    query.pcs_only = true;
    query.seen_since = now - std::chrono::hours(24 * days);
    auto devices = devices_->ListDevices(org_id, query);
    if (!devices.ok()) return devices.status();
    for (const auto& d : *devices) {
      if (d.enrolled || !d.looks_like_pc) continue;
      unmanaged.push_back({d.mac, d.ips, d.vendor,
                           d.witnesses.empty() ? "" : d.witnesses[0].hostname});
    }
  }
  auto outcome = store_->Reconcile(org_id, {store::kAlertUnmanagedDevice},
                                   UnmanagedDeviceConditions(unmanaged), now);
  return outcome.status();
}

Status AlertService::AfterGrading(int64_t org_id,
                                  policy::GradingService& grading) {
  store::GradingPort& results_store = grading.store();
  auto hosts = results_store.Hosts(org_id);
  if (!hosts.ok()) return hosts.status();
  auto results = results_store.LoadResults(org_id);
  if (!results.ok()) return results.status();
  const policy::PolicySet& policies = grading.policies();
  const NameLookup check_names = [&policies](const std::string& id) {
    const policy::Check* c = policies.Find(id);
    return c == nullptr ? LocalName{id, id}
                        : LocalName{c->title.ja, c->title.en};
  };
  auto dictionary = software::BuiltinDictionary();
  const NameLookup title_names = [&dictionary](const std::string& id) {
    const software::Title* t =
        dictionary.ok() ? (*dictionary)->FindTitle(id) : nullptr;
    return t == nullptr ? LocalName{id, id} : LocalName{t->name.ja, t->name.en};
  };
  auto failing = FailingConditions(*hosts, *results, check_names, title_names);
  const TimePoint now = clock_.Now();
  auto outcome = store_->Reconcile(
      org_id, {store::kAlertCheckFailing, store::kAlertBannedSoftware}, failing,
      now);
  if (!outcome.ok()) return outcome.status();
  MAMORI_RETURN_IF_ERROR(ReconcileUnmanaged(org_id, results_store, now));

  // Grade changes against the grades the alerts saw last.
  auto snapshots = results_store.GradeHistory(org_id, 1);
  if (!snapshots.ok()) return snapshots.status();
  if (snapshots->empty()) return Status::Ok();
  const std::string& current = snapshots->front().rules_json;
  auto seen = store_->SeenGrades(org_id);
  if (!seen.ok()) return seen.status();
  if (seen->has_value() && **seen != current) {
    const auto& second = grading.questionnaires().second;
    const NameLookup rule_names = [&second](const std::string& id) {
      const policy::SecondDiagnosisRule* r = second.Find(id);
      return r == nullptr ? LocalName{id, id}
                          : LocalName{r->name.ja, r->name.en};
    };
    for (const auto& change : GradeChanges(**seen, current, rule_names)) {
      auto raised = store_->RaiseOnce(org_id, change, now);
      if (!raised.ok()) return raised.status();
    }
  }
  if (!seen->has_value() || **seen != current) {
    MAMORI_RETURN_IF_ERROR(store_->SetSeenGrades(org_id, current));
  }
  if (!outcome->raised.empty() || outcome->cleared > 0) {
    MAMORI_LOG(kInfo) << "alerts: organisation " << org_id << ": "
                      << outcome->raised.size() << " raised, "
                      << outcome->cleared << " cleared";
  }
  return Status::Ok();
}

Status AlertService::Sweep() {
  const TimePoint now = clock_.Now();
  auto orgs = store_->Orgs();
  if (!orgs.ok()) return orgs.status();
  for (int64_t org_id : *orgs) {
    auto settings = store_->Settings(org_id);
    if (!settings.ok()) return settings.status();
    auto hosts = store_->Hosts(org_id);
    if (!hosts.ok()) return hosts.status();
    auto outcome = store_->Reconcile(
        org_id, {store::kAlertHostSilent},
        SilentConditions(*hosts, now, settings->silent_days), now);
    if (!outcome.ok()) return outcome.status();
  }
  auto digests = store_->QueueDigests(now);
  return digests.status();
}

Result<DeliveryRound> AlertService::DeliverDue(int limit) {
  const TimePoint claimed_at = clock_.Now();
  auto due = store_->DueDeliveries(claimed_at, limit);
  if (!due.ok()) return due.status();
  DeliveryRound round;
  for (const auto& work : *due) {
    // Past half the claim no new send starts: one send is bounded by its
    // timeouts, so what this round sends is settled before the lease ends
    // and another collector may take the rest (alert_port.h).
    if (clock_.Now() - claimed_at >= store::kDeliveryLease / 2) {
      MAMORI_LOG(kWarning) << "alert delivery round stopped after "
                           << round.sent + round.failed
                           << " sends; the rest are sent after their claim "
                              "runs out";
      break;
    }
    const Status sent = Deliver(work, options_, clock_.Now());
    if (sent.ok()) {
      MAMORI_RETURN_IF_ERROR(store_->MarkSent(work.delivery.id, clock_.Now()));
      ++round.sent;
      continue;
    }
    ++round.failed;
    auto next =
        store_->MarkFailed(work.delivery.id, sent.message(), clock_.Now());
    if (!next.ok()) return next.status();
    // The error names the server, never the secret or the message.
    MAMORI_LOG(kWarning) << "alert delivery #" << work.delivery.id << " ("
                         << work.delivery.channel_kind
                         << ") failed: " << sent.message()
                         << (next->has_value() ? "; will retry"
                                               : "; giving up");
  }
  return round;
}

Status AlertService::QueueTest(int64_t org_id, int64_t channel_id) {
  const store::AlertCondition test{store::kAlertTest, 0, "", "", "", "", ""};
  if (channel_id != 0) {
    return store_->RaiseOnce(org_id, test, clock_.Now(), channel_id).status();
  }
  auto channels = store_->Channels(org_id);
  if (!channels.ok()) return channels.status();
  if (channels->empty()) {
    return NotFoundError("the organisation has no alert channel");
  }
  for (const auto& c : *channels) {
    if (!c.enabled) continue;
    auto raised = store_->RaiseOnce(org_id, test, clock_.Now(), c.id);
    if (!raised.ok()) return raised.status();
  }
  return Status::Ok();
}

void AlertWorker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AlertWorker::Kick() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    kicked_ = true;
  }
  wake_.notify_one();
}

void AlertWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void AlertWorker::Run() {
  auto next_sweep = std::chrono::steady_clock::now();
  while (true) {
    if (std::chrono::steady_clock::now() >= next_sweep) {
      if (Status s = service_->Sweep(); !s.ok()) {
        MAMORI_LOG(kWarning) << "alert sweep failed: " << s.ToString();
      }
      next_sweep = std::chrono::steady_clock::now() + sweep_every_;
    }
    auto round = service_->DeliverDue();
    if (!round.ok()) {
      MAMORI_LOG(kWarning) << "alert delivery round failed: "
                           << round.status().ToString();
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, deliver_every_,
                   [this] { return stopping_ || kicked_; });
    if (stopping_) return;
    kicked_ = false;
  }
}

}  // namespace mamori::alerts
