#pragma once

// Handlers of the console API kept out of console_api.cpp, one struct per
// area, each deriving from ApiBase (api_base.h) and answering one request.
// ConsoleApi::Route dispatches to them. Private to collector/web.
//
// Thread safety: as ApiBase (one request, one thread).

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "collector/store/alert_port.h"
#include "collector/store/device_store.h"
#include "collector/web/api_base.h"

namespace mamori::web {

// An endpoint's history, pending updates and revocation
// (console_api_hosts.cpp).
struct HostHandlers : ApiBase {
  // GET orgs/{org}/endpoints/{host}/history: fact-family and package
  // changes from the history tables, newest first, bounded.
  HttpResponse History(int64_t org_id, int64_t host_id);
  // GET orgs/{org}/endpoints/{host}/updates: the pending updates the host
  // last reported; counts are null when the family was not collected.
  HttpResponse Updates(int64_t org_id, int64_t host_id);
  // POST orgs/{org}/endpoints/{host}/revoke: org admins and operators;
  // the node key and client certificate are refused from the next report
  // on; audited.
  HttpResponse Revoke(int64_t org_id, int64_t host_id);
  // Whether the host is revoked (false when it cannot be read).
  bool Revoked(int64_t host_id);
};

// The caller's own API tokens (console_api_tokens.cpp): list and revoke.
// Creating one stays in console_api.cpp (POST api-tokens).
struct ApiTokenHandlers : ApiBase {
  // GET api-tokens: the calling account's tokens, newest first.
  HttpResponse List();
  // DELETE api-tokens/{id}: revokes one of the caller's tokens; 404 for
  // another account's; audited.
  HttpResponse Revoke(int64_t token_id);
};

// Per-organisation check parameter overrides (console_api_parameters.cpp).
struct ParameterHandlers : ApiBase {
  // PUT orgs/{org}/parameters {"check_id", "name", "value"}: org admins and
  // operators; the value is validated against the check's parameter (type
  // and bounds), stored, audited (before → after) and the organisation
  // re-graded; answers the rules page's document.
  HttpResponse Save(int64_t org_id);
};

// The information-asset register of one organisation
// (console_api_register.cpp): assets, devices and links; add or edit an
// asset, link it; export as XLSX or CSV; import a file with a dry run first.
struct RegisterHandlers : ApiBase {
  // GET orgs/{org}/register: assets in service (`assets`), retired ones
  // (`retired_assets`), their counts, devices, links (a device link with
  // its device's status, "missing" when no device has that name), media.
  HttpResponse Get(int64_t org_id);
  // PUT orgs/{org}/register/assets: creates or replaces one asset by name.
  HttpResponse PutAsset(int64_t org_id);
  // POST orgs/{org}/register/links {asset_name, kind, target}
  HttpResponse AddLink(int64_t org_id);
  // POST orgs/{org}/register/assets/retire {name, retired_on?, reason} and
  // POST orgs/{org}/register/assets/restore {name}: org admins and
  // operators (viewers 403); the date defaults to today (UTC) and may not
  // be in the future; audited before → after; an unknown asset or another
  // organisation's is 404; retiring a retired asset (or restoring one in
  // service) is 409. Nothing is deleted.
  HttpResponse Retire(int64_t org_id, bool retire);
  // PATCH orgs/{org}/register/devices/{host} {owner?, location?, retired?}:
  // edits a device asset's fields people keep (absent = unchanged); org
  // admins and operators; audited before → after; another organisation's
  // host is 404.
  HttpResponse PatchDevice(int64_t org_id, int64_t host_id);
  // GET orgs/{org}/register.xlsx and register.csv
  HttpResponse Export(int64_t org_id, bool xlsx);
  // POST orgs/{org}/register/import?dry_run=true|false, the file as body.
  HttpResponse Import(int64_t org_id);
};

// The devices the organisation's agents saw on their LANs without the agent
// (issue #20; console_api_devices.cpp).
struct DeviceHandlers : ApiBase {
  // GET orgs/{org}/devices?filter=all|unmanaged_pc|known|needs_agent&q=…
  // &cursor=…&limit=N: unmanaged devices, most recently seen first, with
  // vendor, witnesses and mark; `q` matches the vendor, MAC or address;
  // total counts the filtered list, next_cursor pages it.
  HttpResponse List(int64_t org_id);
  // GET orgs/{org}/devices.csv and devices.xlsx: the filtered list, every
  // page (UTF-8 with BOM; formula cells neutralised).
  HttpResponse Export(int64_t org_id, bool xlsx);
  // PUT orgs/{org}/devices/{mac}/mark {"verdict": "not_pc"|"needs_agent",
  // "kind", "note"}: org admins and operators; audited by the store.
  HttpResponse Mark(int64_t org_id, const std::string& mac);
  // DELETE orgs/{org}/devices/{mac}/mark: the same, removes the mark.
  HttpResponse ClearMark(int64_t org_id, const std::string& mac);

 private:
  store::DeviceActor Actor();
  // The organisation's devices after the filter and search of the query,
  // in page order. nullopt when fine; the problem otherwise.
  std::optional<HttpResponse> Filtered(int64_t org_id,
                                       std::vector<store::NetworkDevice>* out,
                                       int64_t* unmanaged_pcs,
                                       int64_t* unfiltered);
};

// The first-diagnosis checklist and the IPA self-check as forms
// (console_api_forms.cpp). Saving answers returns the form again with the
// scores the grading engine computes from them.
struct FormHandlers : ApiBase {
  // GET / PUT orgs/{org}/questionnaire/first {"answers": {id: 0..5}}
  HttpResponse First(int64_t org_id);
  HttpResponse SaveFirst(int64_t org_id);
  // GET / PUT orgs/{org}/questionnaire/ipa {"answers": {"1": "done", …}}
  HttpResponse Ipa(int64_t org_id);
  HttpResponse SaveIpa(int64_t org_id);
};

// An organisation's alerts (console_api_alerts.cpp): org admins and
// operators only, reads included (recipients and delivery errors).
struct AlertHandlers : ApiBase {
  // GET orgs/{org}/alerts: channels (secrets never), settings, the newest
  // events and deliveries.
  HttpResponse Get(int64_t org_id);
  // POST orgs/{org}/alerts/channels {"kind", "target", "language",
  // "schedule"}: 201 with the channel, and a webhook's signing secret in
  // this answer only; audited.
  HttpResponse AddChannel(int64_t org_id);
  // DELETE orgs/{org}/alerts/channels/{id}: audited.
  HttpResponse RemoveChannel(int64_t org_id, int64_t channel_id);
  // PUT orgs/{org}/alerts/settings {"silent_days", "max_per_hour"}: audited.
  HttpResponse SaveSettings(int64_t org_id);
  // GET orgs/{org}/alerts/deliveries?cursor=ID&limit=N: newest first, each
  // with its first event (host, subject); next_cursor while more remain.
  HttpResponse DeliveryList(int64_t org_id);

 private:
  // The alert port, after checking the organisation is in scope (NOT_FOUND
  // otherwise, as for every other tenant's data).
  Result<std::unique_ptr<store::AlertPort>> Port(int64_t org_id);
};

// An organisation's report schedule (console_api_schedule.cpp; the CLI's
// `report schedule`): one per organisation, org admins and operators only
// (recipients are people's addresses); changes audited.
struct ScheduleHandlers : ApiBase {
  // GET orgs/{org}/report-schedule: {"schedule": … | null, "runs": […]}.
  HttpResponse Get(int64_t org_id);
  // PUT orgs/{org}/report-schedule {"interval_days", "recipients", "lang"}:
  // creates or replaces it; a new schedule's first report is due at once.
  HttpResponse Put(int64_t org_id);
  // DELETE orgs/{org}/report-schedule: 404 when there is none.
  HttpResponse Delete(int64_t org_id);
};

// The organisation-wide software view (console_api_software.cpp,
// software_view.h).
struct SoftwareHandlers : ApiBase {
  // GET orgs/{org}/software?q=…&eos=true: name and version with the number
  // of hosts and some of them, end-of-support items flagged; `q` matches
  // every word in the name or the end-of-support label; eos=true keeps
  // the items whose support has ended. Answers from a copy at most
  // kSoftwareViewMaxAge old (computed_at).
  HttpResponse Org(int64_t org_id);
};

}  // namespace mamori::web
