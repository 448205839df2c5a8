// Listening sockets on Windows (see listening_sockets.h).
#include "agent/facts/windows/listening_sockets.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts::win {

namespace {

// PID 0 is an unknown owner, not the idle process: the idle process owns no
// sockets, and Wine 8 gives 0 for every listener (its own processes' and a
// Linux server's alike), so naming it would put "System Idle Process" on
// every remote_access and service_exposure row under Wine.
std::string ProcessName(DWORD pid) {
  if (pid == 0) return {};
  if (pid == 4) return "System";
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process == nullptr) return {};
  wchar_t path[MAX_PATH];
  DWORD size = MAX_PATH;
  std::string name;
  if (QueryFullProcessImageNameW(process, 0, path, &size)) {
    std::wstring_view full(path, size);
    const size_t slash = full.find_last_of(L'\\');
    name = WideToUtf8(
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
    if (rc != ERROR_INSUFFICIENT_BUFFER) return Win32Status(what, rc);
  }
  return ErrorStatus(std::string(what) + ": table kept growing");
}

// One table row as a ListeningSocket (port in network byte order).
void Append(const char* protocol, std::string address, DWORD port, DWORD pid,
            std::vector<ListeningSocket>* out) {
  ListeningSocket l;
  l.protocol = protocol;
  l.loopback_only = IsLoopbackAddress(address);
  l.address = std::move(address);
  l.port = ntohs(static_cast<u_short>(port));
  l.pid = pid;
  l.process = ProcessName(pid);
  out->push_back(std::move(l));
}

}  // namespace

CollectionStatus ReadListeningSockets(bool include_udp,
                                      std::vector<ListeningSocket>* out) {
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
    Append("tcp", Ipv4(row.dwLocalAddr), row.dwLocalPort, row.dwOwningPid, out);
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
    Append("tcp6", Ipv6(row.ucLocalAddr), row.dwLocalPort, row.dwOwningPid,
           out);
  }
  if (!include_udp) return OkStatus();
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
    Append("udp", Ipv4(row.dwLocalAddr), row.dwLocalPort, row.dwOwningPid, out);
  }
  return OkStatus();
}

}  // namespace mamori::facts::win
