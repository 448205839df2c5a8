// The `wifi` family on Windows through the WLAN API: interfaces, the current
// connection's SSID/BSSID/auth/cipher (WlanQueryInterface), and each saved
// profile's XML (WlanGetProfile) read with XmlLite. No interface → the family
// does not apply (STATUS_NOT_APPLICABLE) but saved profiles are still listed
// when there are any. Mapping of the values: decode/wlan.h.
#include "agent/facts/wifi.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <objbase.h>
#include <shlwapi.h>
#include <wlanapi.h>
#include <xmllite.h>
// clang-format on

#include <cstdio>

#include "agent/facts/decode/wlan.h"
#include "agent/facts/windows/wifi_profile_xml.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "agent/facts/windows/wmi.h"

// objbase.h defines `interface` as `struct`; WifiNetwork has a field of
// that name.
#undef interface

namespace mamori::facts {

namespace {

std::string Ssid(const DOT11_SSID& ssid) {
  const size_t length = ssid.uSSIDLength <= 32 ? ssid.uSSIDLength : 32;
  return SanitizeUtf8(
      std::string_view(reinterpret_cast<const char*>(ssid.ucSSID), length));
}

std::string Mac(const unsigned char* bytes) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
  return text;
}

std::string StateName(WLAN_INTERFACE_STATE state) {
  switch (state) {
    case wlan_interface_state_connected:
      return "connected";
    case wlan_interface_state_disconnected:
      return "disconnected";
    case wlan_interface_state_not_ready:
      return "disabled";
    case wlan_interface_state_associating:
    case wlan_interface_state_discovering:
    case wlan_interface_state_authenticating:
      return "connecting";
    default:
      return "unknown";
  }
}

// RAII for WlanOpenHandle.
class WlanClient {
 public:
  ~WlanClient() {
    if (handle_ != nullptr) WlanCloseHandle(handle_, nullptr);
  }
  DWORD Open() {
    DWORD negotiated = 0;
    return WlanOpenHandle(2, nullptr, &negotiated, &handle_);
  }
  HANDLE handle() const { return handle_; }

 private:
  HANDLE handle_ = nullptr;
};

void ReadProfiles(HANDLE client, const GUID& interface_guid,
                  std::vector<WifiNetwork>* out) {
  WLAN_PROFILE_INFO_LIST* list = nullptr;
  if (WlanGetProfileList(client, &interface_guid, nullptr, &list) !=
      ERROR_SUCCESS) {
    return;
  }
  for (DWORD i = 0; i < list->dwNumberOfItems; ++i) {
    wchar_t* xml = nullptr;
    DWORD flags = 0;
    if (WlanGetProfile(client, &interface_guid,
                       list->ProfileInfo[i].strProfileName, nullptr, &xml,
                       &flags, nullptr) != ERROR_SUCCESS) {
      continue;
    }
    win::WlanProfileValues values;
    if (win::ParseWlanProfileXml(xml, &values).ok()) {
      out->push_back(win::FromProfile(values));
    }
    WlanFreeMemory(xml);
  }
  WlanFreeMemory(list);
}

}  // namespace

WifiFacts GatherWifi(const GatherContext& /*ctx*/) {
  WifiFacts facts;
  win::ComScope com;  // XmlLite needs COM
  WlanClient client;
  DWORD rc = client.Open();
  if (rc != ERROR_SUCCESS) {
    // No WLAN AutoConfig service (servers without the Wireless LAN feature).
    facts.status =
        rc == ERROR_SERVICE_NOT_ACTIVE
            ? NotApplicableStatus("WLAN AutoConfig service is not running")
            : win::Win32Status("WlanOpenHandle", rc);
    facts.status.error_code = rc;
    return facts;
  }
  WLAN_INTERFACE_INFO_LIST* interfaces = nullptr;
  rc = WlanEnumInterfaces(client.handle(), nullptr, &interfaces);
  if (rc != ERROR_SUCCESS) {
    facts.status = win::Win32Status("WlanEnumInterfaces", rc);
    return facts;
  }
  bool connected_read = true;
  for (DWORD i = 0; i < interfaces->dwNumberOfItems; ++i) {
    const WLAN_INTERFACE_INFO& info = interfaces->InterfaceInfo[i];
    WifiAdapter adapter;
    adapter.description = win::WideToUtf8(info.strInterfaceDescription);
    adapter.name = adapter.description;
    adapter.state = StateName(info.isState);
    if (info.isState == wlan_interface_state_connected) {
      WLAN_CONNECTION_ATTRIBUTES* attributes = nullptr;
      DWORD size = 0;
      if (WlanQueryInterface(client.handle(), &info.InterfaceGuid,
                             wlan_intf_opcode_current_connection, nullptr,
                             &size, reinterpret_cast<void**>(&attributes),
                             nullptr) == ERROR_SUCCESS) {
        const auto& assoc = attributes->wlanAssociationAttributes;
        const auto& sec = attributes->wlanSecurityAttributes;
        const win::WifiSecurityInfo security =
            win::FromDot11(sec.dot11AuthAlgorithm, sec.dot11CipherAlgorithm);
        WifiNetwork current;
        current.ssid = Ssid(assoc.dot11Ssid);
        current.bssid = Mac(assoc.dot11Bssid);
        current.security = security.security;
        current.enterprise = security.enterprise;
        current.cipher = security.cipher;
        current.interface = adapter.name;
        current.source =
            "wlan-current:" + win::WideToUtf8(attributes->strProfileName);
        facts.current = std::move(current);
        WlanFreeMemory(attributes);
      } else {
        connected_read = false;
      }
    }
    facts.adapters.push_back(std::move(adapter));
    ReadProfiles(client.handle(), info.InterfaceGuid, &facts.profiles);
  }
  WlanFreeMemory(interfaces);
  facts.current_unknown = !connected_read;
  facts.status = facts.adapters.empty()
                     ? NotApplicableStatus("no wireless LAN interface")
                     : OkStatus();
  return facts;
}

}  // namespace mamori::facts
