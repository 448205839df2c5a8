#pragma once

// Handlers of the console API kept out of console_api.cpp, one struct per
// area, each deriving from ApiBase (api_base.h) and answering one request.
// ConsoleApi::Route dispatches to them. Private to collector/web.
//
// Thread safety: as ApiBase (one request, one thread).

#include <cstdint>

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
  // GET orgs/{org}/register
  HttpResponse Get(int64_t org_id);
  // PUT orgs/{org}/register/assets: creates or replaces one asset by name.
  HttpResponse PutAsset(int64_t org_id);
  // POST orgs/{org}/register/links {asset_name, kind, target}
  HttpResponse AddLink(int64_t org_id);
  // GET orgs/{org}/register.xlsx and register.csv
  HttpResponse Export(int64_t org_id, bool xlsx);
  // POST orgs/{org}/register/import?dry_run=true|false, the file as body.
  HttpResponse Import(int64_t org_id);
};

// The devices the organisation's agents saw on their LANs without the agent
// (issue #20; console_api_devices.cpp).
struct DeviceHandlers : ApiBase {
  // GET orgs/{org}/devices: unmanaged devices, most recently seen first,
  // with vendor, witnesses and mark; at most 2,000 (total says how many).
  HttpResponse List(int64_t org_id);
  // PUT orgs/{org}/devices/{mac}/mark {"verdict": "not_pc"|"needs_agent",
  // "kind", "note"}: org admins and operators; audited by the store.
  HttpResponse Mark(int64_t org_id, const std::string& mac);
  // DELETE orgs/{org}/devices/{mac}/mark: the same, removes the mark.
  HttpResponse ClearMark(int64_t org_id, const std::string& mac);

 private:
  store::DeviceActor Actor();
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

}  // namespace mamori::web
