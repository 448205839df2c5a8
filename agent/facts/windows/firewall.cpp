// The `firewall` family on Windows: INetFwPolicy2 per profile (domain,
// private, public): enabled and default inbound/outbound action. The
// firewall is active when every current profile is enabled with inbound
// blocked by default.
#include "agent/facts/firewall.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <netfw.h>
// clang-format on

#include "agent/facts/decode/bitlocker.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/wmi.h"

namespace mamori::facts {

FirewallFacts GatherFirewall(const GatherContext& /*ctx*/) {
  FirewallFacts facts;
  win::ComScope com;
  if (!com.status().ok()) {
    facts.status = com.status();
    return facts;
  }
  win::ComPtr<INetFwPolicy2> policy;
  HRESULT hr =
      CoCreateInstance(__uuidof(NetFwPolicy2), nullptr, CLSCTX_INPROC_SERVER,
                       __uuidof(INetFwPolicy2), policy.ReceiveVoid());
  if (FAILED(hr)) {
    facts.status = win::HresultStatus("CoCreateInstance(NetFwPolicy2)", hr);
    return facts;
  }
  long current = 0;
  hr = policy->get_CurrentProfileTypes(&current);
  if (FAILED(hr)) {
    facts.status =
        win::HresultStatus("INetFwPolicy2::get_CurrentProfileTypes", hr);
    return facts;
  }
  const std::pair<NET_FW_PROFILE_TYPE2, const char*> profiles[] = {
      {NET_FW_PROFILE2_DOMAIN, "domain"},
      {NET_FW_PROFILE2_PRIVATE, "private"},
      {NET_FW_PROFILE2_PUBLIC, "public"}};
  // Every current profile (one per kind of network the PC is on) must be
  // on and block by default: one open profile exposes its networks.
  bool all_current_filtering = true;
  bool all_current_read = true;
  for (const auto& [type, name] : profiles) {
    VARIANT_BOOL enabled = VARIANT_FALSE;
    NET_FW_ACTION inbound = NET_FW_ACTION_MAX;
    NET_FW_ACTION outbound = NET_FW_ACTION_MAX;
    hr = policy->get_FirewallEnabled(type, &enabled);
    if (SUCCEEDED(hr)) hr = policy->get_DefaultInboundAction(type, &inbound);
    if (SUCCEEDED(hr)) hr = policy->get_DefaultOutboundAction(type, &outbound);
    if (FAILED(hr)) {
      facts.status =
          win::HresultStatus(std::string("INetFwPolicy2 profile ") + name, hr);
      return facts;
    }
    FirewallProfile p;
    p.name = name;
    p.enabled = enabled != VARIANT_FALSE;
    p.default_inbound = win::FirewallActionFromNetFw(inbound);
    p.default_outbound = win::FirewallActionFromNetFw(outbound);
    if ((current & type) != 0) {
      if (p.default_inbound == FirewallAction::kUnspecified)
        all_current_read = false;
      if (p.enabled && p.default_inbound == FirewallAction::kDrop) {
        if (facts.default_inbound == FirewallAction::kUnspecified) {
          facts.default_inbound = p.default_inbound;
        }
      } else {
        all_current_filtering = false;
        // A profile that is off admits whatever its default says.
        facts.default_inbound =
            p.enabled ? p.default_inbound : FirewallAction::kAccept;
      }
    }
    facts.profiles.push_back(std::move(p));
  }
  facts.product = "windows";
  if (current == 0 || !all_current_read) {
    facts.status =
        ErrorStatus("Windows Firewall reported no readable current profile");
    return facts;
  }
  facts.active = all_current_filtering;
  if (!all_current_filtering) facts.product = "none";
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
