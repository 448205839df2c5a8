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

std::string ProcessName(DWORD pid) {
  if (pid == 0) return "System Idle Process";
  if (pid == 4) return "System";
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process == nullptr) return {};
  wchar_t path[MAX_PATH];
  DWORD size = MAX_PATH;
  std::string name;
  if (QueryFullProcessImageNameW(process, 0, path, &size)) {
    std::wstring_view full(path, size);
    const size_t slash = full.find_last_of(L'\\');
    name = win::WideToUtf8(
        slash == std::wstring_view::npos ? full : full.substr(slash + 1));
  }
  CloseHandle(process);
  return name;
}

std::string Ipv4(DWORD address) {
  in_addr a{};
  a.s_addr = address;
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

std::string Ipv6(const UCHAR* address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, address, text, sizeof text);
  return text;
}

// Calls GetExtendedTcpTable/UdpTable with a growing buffer.
template <typename Fn>
CollectionStatus Table(const char* what, Fn call, std::string* buffer) {
  DWORD size = 16 * 1024;
  for (int attempt = 0; attempt < 5; ++attempt) {
    buffer->assign(size, '\0');
    const DWORD rc = call(buffer->data(), &size);
    if (rc == NO_ERROR) return OkStatus();
    if (rc != ERROR_INSUFFICIENT_BUFFER) return win::Win32Status(what, rc);
  }
  return ErrorStatus(std::string(what) + ": table kept growing");
}

CollectionStatus ReadListeners(RemoteAccessFacts* facts) {
  std::string buffer;
  CollectionStatus s = Table(
      "GetExtendedTcpTable(IPv4)",
      [](void* b, DWORD* n) {
        return GetExtendedTcpTable(b, n, FALSE, AF_INET,
                                   TCP_TABLE_OWNER_PID_LISTENER, 0);
      },
      &buffer);
  if (!s.ok()) return s;
  const auto* tcp4 =
      reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(buffer.data());
  for (DWORD i = 0; i < tcp4->dwNumEntries; ++i) {
    const auto& row = tcp4->table[i];
    ListeningSocket l;
    l.protocol = "tcp";
    l.address = Ipv4(row.dwLocalAddr);
    l.port = ntohs(static_cast<u_short>(row.dwLocalPort));
    l.loopback_only = (ntohl(row.dwLocalAddr) >> 24) == 127;
    l.pid = row.dwOwningPid;
    l.process = ProcessName(row.dwOwningPid);
    facts->listening.push_back(std::move(l));
  }
  s = Table(
      "GetExtendedTcpTable(IPv6)",
      [](void* b, DWORD* n) {
        return GetExtendedTcpTable(b, n, FALSE, AF_INET6,
                                   TCP_TABLE_OWNER_PID_LISTENER, 0);
      },
      &buffer);
  if (!s.ok()) return s;
  const auto* tcp6 =
      reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(buffer.data());
  for (DWORD i = 0; i < tcp6->dwNumEntries; ++i) {
    const auto& row = tcp6->table[i];
    ListeningSocket l;
    l.protocol = "tcp6";
    l.address = Ipv6(row.ucLocalAddr);
    l.port = ntohs(static_cast<u_short>(row.dwLocalPort));
    l.loopback_only = l.address == "::1";
    l.pid = row.dwOwningPid;
    l.process = ProcessName(row.dwOwningPid);
    facts->listening.push_back(std::move(l));
  }
  s = Table(
      "GetExtendedUdpTable(IPv4)",
      [](void* b, DWORD* n) {
        return GetExtendedUdpTable(b, n, FALSE, AF_INET, UDP_TABLE_OWNER_PID,
                                   0);
      },
      &buffer);
  if (!s.ok()) return s;
  const auto* udp4 =
      reinterpret_cast<const MIB_UDPTABLE_OWNER_PID*>(buffer.data());
  for (DWORD i = 0; i < udp4->dwNumEntries; ++i) {
    const auto& row = udp4->table[i];
    ListeningSocket l;
    l.protocol = "udp";
    l.address = Ipv4(row.dwLocalAddr);
    l.port = ntohs(static_cast<u_short>(row.dwLocalPort));
    l.loopback_only = (ntohl(row.dwLocalAddr) >> 24) == 127;
    l.pid = row.dwOwningPid;
    l.process = ProcessName(row.dwOwningPid);
    facts->listening.push_back(std::move(l));
  }
  return OkStatus();
}

}  // namespace

RemoteAccessFacts GatherRemoteAccess(const GatherContext& /*ctx*/) {
  RemoteAccessFacts facts;
  CollectionStatus s = ReadRdp(&facts);
  if (s.ok()) s = ReadListeners(&facts);
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
