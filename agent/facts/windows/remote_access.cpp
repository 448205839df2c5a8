// The `remote_access` family on Windows: RDP from Terminal Server settings
// (policy fDenyTSConnections wins over the local one), NLA and port; the
// OpenSSH server service (sshd) from the service manager; listening sockets
// with their owning process from GetExtendedTcpTable/GetExtendedUdpTable.
#include "agent/facts/remote_access.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include "agent/facts/windows/listening_sockets.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

constexpr char kTerminalServer[] =
    "SYSTEM\\CurrentControlSet\\Control\\Terminal Server";
constexpr char kTerminalPolicy[] =
    "SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services";

CollectionStatus ReadRdp(RemoteAccessFacts* facts) {
  win::RegKey server;
  win::RegKey policy;
  win::RegKey rdp_tcp;
  CollectionStatus s = win::RegKey::Open(HKEY_LOCAL_MACHINE, kTerminalServer,
                                         win::RegView::k64, &server);
  if (s.ok()) {
    s = win::RegKey::Open(HKEY_LOCAL_MACHINE, kTerminalPolicy,
                          win::RegView::k64, &policy);
  }
  if (s.ok()) s = server.OpenSubkey("WinStations\\RDP-Tcp", &rdp_tcp);
  if (!s.ok()) return s;
  std::optional<uint32_t> deny_policy;
  std::optional<uint32_t> deny_local;
  std::optional<uint32_t> nla_policy;
  std::optional<uint32_t> nla_local;
  std::optional<uint32_t> port;
  s = policy.GetDword("fDenyTSConnections", &deny_policy);
  if (s.ok()) s = server.GetDword("fDenyTSConnections", &deny_local);
  if (s.ok()) s = policy.GetDword("UserAuthentication", &nla_policy);
  if (s.ok()) s = rdp_tcp.GetDword("UserAuthentication", &nla_local);
  if (s.ok()) s = rdp_tcp.GetDword("PortNumber", &port);
  if (!s.ok()) return s;
  const auto deny = deny_policy ? deny_policy : deny_local;
  if (deny) {
    facts->rdp_enabled = *deny == 0;
    facts->evidence.push_back(std::string(deny_policy ? "policy " : "") +
                              "fDenyTSConnections=" + std::to_string(*deny));
  }
  const auto nla = nla_policy ? nla_policy : nla_local;
  if (nla) {
    facts->rdp_nla_required = *nla != 0;
    facts->evidence.push_back(std::string(nla_policy ? "policy " : "") +
                              "UserAuthentication=" + std::to_string(*nla));
  }
  if (port) facts->rdp_port = *port;
  return OkStatus();
}

void ReadSshService(RemoteAccessFacts* facts) {
  SC_HANDLE manager = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (manager == nullptr) return;
  SC_HANDLE service = OpenServiceW(manager, L"sshd", SERVICE_QUERY_STATUS);
  if (service != nullptr) {
    facts->ssh_installed = true;
    SERVICE_STATUS status{};
    if (QueryServiceStatus(service, &status)) {
      facts->ssh_running = status.dwCurrentState == SERVICE_RUNNING;
    }
    facts->evidence.push_back("service sshd");
    CloseServiceHandle(service);
  } else if (GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST) {
    facts->ssh_installed = false;
  }
  CloseServiceHandle(manager);
}

}  // namespace

RemoteAccessFacts GatherRemoteAccess(const GatherContext& /*ctx*/) {
  RemoteAccessFacts facts;
  CollectionStatus s = ReadRdp(&facts);
  if (s.ok()) s = win::ReadListeningSockets(true, &facts.listening);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  ReadSshService(&facts);
  if (facts.ssh_installed) {
    for (const ListeningSocket& l : facts.listening) {
      if (l.process == "sshd.exe" && l.protocol.rfind("tcp", 0) == 0) {
        facts.ssh_port = l.port;
      }
    }
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
