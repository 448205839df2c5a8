#pragma once

// ConsoleApi: the REST API under /api/v1 that the console's pages use (the
// console is a client of its own API). Each handler is thin: parse and
// validate, authenticate and authorise, call a store or the grading
// service, render JSON. Errors are application/problem+json with a message
// in the request's language (Accept-Language) naming the bad field.
//
// Authentication: a session cookie (set by POST /api/v1/session) with a
// CSRF token required on every state-changing request, or an API token in
// "Authorization: Bearer". An account that must change its password may
// only read its session, change the password and log out.
//
// Tenancy: the caller's organisations (every one for operators) go to each
// store query as an OrgScope; another organisation's id answers 404.
//
// Thread safety: Handle() may be called from several threads at once.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/store/account_store.h"
#include "collector/store/console_store.h"
#include "collector/store/device_store.h"
#include "collector/store/report_store.h"
#include "collector/store/software_port.h"
#include "collector/store/store.h"
#include "collector/web/graded_pages.h"
#include "collector/web/http.h"
#include "collector/web/sessions.h"
#include "collector/web/software_view.h"
#include "common/clock.h"

namespace mamori::asset_register {
class RegisterPort;
}  // namespace mamori::asset_register

namespace mamori::web {

// How long the software ledger answers from an organisation's matched
// installs as last read (ConsoleApi::ledger_inventory_).
inline constexpr std::chrono::seconds kLedgerInventoryMaxAge{5};

struct ConsoleApiOptions {
  SessionSettings sessions;
  ThrottleSettings throttle;
  // Name of the session cookie: "__Host-mamori_session" over TLS.
  std::string cookie_name = "__Host-mamori_session";
  // For the enrollment page: the agents' address and the CA fingerprint.
  std::string grpc_address;
  std::string ca_sha256;
  // Hosts not seen for this long are "silent".
  std::chrono::seconds silent_after{7 * 24 * 3600};
  // The collector's evidence signing key (created on first use, as
  // `evidence export` does) and the custom policy files the packs copy.
  std::string signing_key_path;
  std::string custom_policy_dir;
  // The store behind the software ledger (store/software_port.h); empty:
  // the ledger answers 404.
  std::string software_store_url;
  // The store behind the alerts (store/alert_port.h); empty: 404.
  std::string alerts_store_url;
  // The SMTP relay alerts are mailed through ("host:port", empty: none)
  // and its sender address, shown on the alerts page.
  std::string smtp_server;
  std::string smtp_from;
};

class ConsoleApi {
 public:
  // Every reference must outlive the API. `grading` and `reports` are used
  // under the API's own lock (each owns one connection).
  ConsoleApi(store::AccountStore& accounts, store::ConsoleStore& console,
             store::Store& store, policy::GradingService& grading,
             store::ReportStore& reports, const Clock& clock,
             ConsoleApiOptions options);
  // Stops the background page rebuilds (waits for one under way).
  ~ConsoleApi();
  ConsoleApi(const ConsoleApi&) = delete;
  ConsoleApi& operator=(const ConsoleApi&) = delete;

  // Answers one request whose path starts with /api/v1/.
  HttpResponse Handle(const HttpRequest& request);

  SessionManager& sessions() { return sessions_; }
  // Returns when no background rebuild of graded pages is queued or under
  // way (tests, and a clean stop): what a request answered as the previous
  // copy has then been replaced, or its rebuild failed (logged).
  void WaitForRebuilds();
  // While held, queued background rebuilds wait (one under way finishes):
  // a test looks at the previous copies without racing the rebuild.
  void HoldRebuilds(bool hold);
  // The information-asset register the register page uses, on a connection
  // of its own (the core store's is the ingest path's); unset = the page
  // answers 503. Call before serving; `port` must outlive the API.
  void SetRegister(asset_register::RegisterPort* port) { register_ = port; }
  // The store's backend keeps no register yet (PostgreSQL, issue #17): the
  // register page answers 501 saying so instead of 503.
  void SetRegisterNotOnBackend() { register_not_on_backend_ = true; }
  // The devices the agents saw on their LANs (issue #20) for the devices
  // page; unset = the page answers 503. Call before serving; `devices`
  // must outlive the API (it locks itself).
  void SetDevices(store::DeviceStore* devices) { devices_ = devices; }

 private:
  struct Call;
  HttpResponse Route(Call& call);

  store::AccountStore& accounts_;
  store::ConsoleStore& console_;
  store::Store& store_;
  policy::GradingService& grading_;
  store::ReportStore& reports_;
  std::mutex grading_mu_;  // guards grading_ and reports_
  // The checks' rule, topic, titles and remediation as they were when the
  // API was made (the console never reloads policies), read without
  // grading_mu_: the endpoint detail needs only these, and a page rebuild
  // holds grading_mu_ for seconds at 10,000 hosts (docs/performance.md).
  const policy::PolicySet check_texts_;
  // The software ledger's store connections, opened on first use from
  // options_.software_store_url, at most kLedgerConnections, each used by
  // one request at a time (a SoftwarePort owns its connection): requests
  // run side by side instead of queueing on one connection
  // (docs/performance.md, "Fourth pass").
  static constexpr size_t kLedgerConnections = 3;
  Result<std::unique_ptr<store::SoftwarePort>> AcquireSoftware();
  void ReleaseSoftware(std::unique_ptr<store::SoftwarePort> port);
  std::mutex software_mu_;  // guards the three below
  std::condition_variable software_cv_;
  std::vector<std::unique_ptr<store::SoftwarePort>> software_idle_;
  size_t software_opened_ = 0;
  // Each organisation's matched installs as last read, for
  // kLedgerInventoryMaxAge: the read takes tens of ms of CPU at 10,000
  // hosts, and package lists change with installs (hours). The rules and
  // licences, which people change through the console, are read per
  // request. Guarded by software_mu_; entries older than the limit are
  // dropped when another is added, so it holds at most the organisations
  // viewed in the last few seconds.
  struct LedgerInventory {
    std::shared_ptr<const store::SoftwareInventory> inventory;
    TimePoint read_at;
  };
  std::map<int64_t, LedgerInventory> ledger_inventory_;
  asset_register::RegisterPort* register_ = nullptr;
  bool register_not_on_backend_ = false;
  store::DeviceStore* devices_ = nullptr;
  SoftwareViewCache software_view_;  // the organisation-wide software view
  GradedPages graded_pages_;         // dashboard, rules, trend (graded_pages.h)
  // Rebuilds of graded pages that requests answered from the previous copy
  // (GradedPages::Find's claim): organisation ids, built one at a time by
  // rebuild_thread_ (started on first use) under grading_mu_.
  void RebuildInBackground(int64_t org_id);
  void RebuildLoop();
  Status RebuildGradedPages(int64_t org_id);
  std::mutex rebuild_mu_;
  std::condition_variable rebuild_cv_;
  std::set<int64_t> rebuild_queue_;  // guarded by rebuild_mu_
  bool rebuilding_ = false;          // guarded by rebuild_mu_
  bool rebuilds_held_ = false;       // guarded by rebuild_mu_
  bool rebuild_stop_ = false;        // guarded by rebuild_mu_
  std::thread rebuild_thread_;
  std::mutex register_mu_;  // guards register_ (one thread at a time)
  const Clock& clock_;
  const ConsoleApiOptions options_;
  SessionManager sessions_;
  LoginThrottle throttle_;
  // The shape of a password hash check for unknown accounts, so a login
  // for a name that does not exist takes as long as one that does.
  std::string dummy_hash_;

  friend struct ApiBase;
  friend struct ApiHandlers;
};

}  // namespace mamori::web
