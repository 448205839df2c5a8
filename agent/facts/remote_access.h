#pragma once

// The `remote_access` family: the SSH server and its effective settings,
// RDP (xrdp) and VNC servers, other remote-control tools, and every listening
// socket with its owning process.
//
// sshd_config is resolved as sshd does: Include (several patterns, globs in
// lexical order, relative paths under /etc/ssh) is read in place; for each
// keyword the first value wins; lines after a Match apply only to matching
// connections, so the reported value is the global one and each Match
// override is listed in `evidence`. Unset keywords take OpenSSH's defaults
// (PasswordAuthentication yes, PermitRootLogin prohibit-password, Port 22),
// marked "(default)" in the evidence.
//
// Listening sockets come from NETLINK_SOCK_DIAG (TCP in LISTEN, UDP bound and
// unconnected) with owners from /proc/<pid>/fd, only on the live system:
// under --root `listening` stays empty, the running flags unset, and the
// evidence says so; file settings are still read (STATUS_OK). Parsers are
// pure and thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/facts/ini_sections.h"
#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.ListeningSocket.
struct ListeningSocket {
  std::string protocol;
  std::string address;
  uint32_t port = 0;
  bool loopback_only = false;
  uint32_t pid = 0;
  std::string process;
};

template <typename V>
void VisitFields(const ListeningSocket& f, V& v) {
  v("protocol", f.protocol);
  v("address", f.address);
  v("port", f.port);
  v("loopback_only", f.loopback_only);
  v("pid", f.pid);
  v("process", f.process);
}

// Mirrors mamori.v1.RemoteAccessFacts.
struct RemoteAccessFacts {
  CollectionStatus status;
  bool ssh_installed = false;
  std::optional<bool> ssh_running;
  std::optional<bool> ssh_password_authentication;
  std::string ssh_permit_root_login;
  uint32_t ssh_port = 0;
  std::optional<bool> rdp_enabled;
  std::optional<bool> rdp_nla_required;
  uint32_t rdp_port = 0;
  std::vector<std::string> vnc_servers;
  std::vector<std::string> remote_tools;
  std::vector<ListeningSocket> listening;
  std::vector<std::string> evidence;
};

template <typename V>
void VisitFields(const RemoteAccessFacts& f, V& v) {
  v("status", f.status);
  v("ssh_installed", f.ssh_installed);
  v("ssh_running", f.ssh_running);
  v("ssh_password_authentication", f.ssh_password_authentication);
  v("ssh_permit_root_login", f.ssh_permit_root_login);
  v("ssh_port", f.ssh_port);
  v("rdp_enabled", f.rdp_enabled);
  v("rdp_nla_required", f.rdp_nla_required);
  v("rdp_port", f.rdp_port);
  v("vnc_servers", f.vnc_servers);
  v("remote_tools", f.remote_tools);
  v("listening", f.listening);
  v("evidence", f.evidence);
}

// Collects the family. Never throws; failures are in `status`.
RemoteAccessFacts GatherRemoteAccess(const GatherContext& ctx);

// Effective sshd settings.
struct SshdSettings {
  bool password_authentication = true;
  std::string permit_root_login = "prohibit-password";
  uint32_t port = 22;
  std::vector<std::string> evidence;
};

// Returns the files an Include pattern names, as (path, text) in the order
// sshd reads them; an unmatched pattern yields none.
using SshdIncludeLoader =
    std::function<std::vector<std::pair<std::string, std::string>>(
        const std::string& pattern)>;

// Resolves sshd_config text (from `source`) following Include through
// `loader` (relative patterns are made absolute under /etc/ssh before the
// call) up to 16 levels deep.
SshdSettings ResolveSshdConfig(std::string_view text, std::string_view source,
                               const SshdIncludeLoader& loader);

// Returns the port of xrdp.ini's [Globals] port ("3389", "tcp://:3389",
// "tcp://.:3389"), or 3389 when unset or unreadable as a number.
uint32_t XrdpPort(const IniSections& xrdp_ini);

// True when `address` (textual IPv4 or IPv6) is a loopback address,
// including IPv4-mapped ::ffff:127.x.y.z.
bool IsLoopbackAddress(std::string_view address);

}  // namespace mamori::facts
