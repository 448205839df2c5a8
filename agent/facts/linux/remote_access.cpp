// Linux gatherer for the `remote_access` family: sshd_config (with Include and
// Match), xrdp and VNC servers, remote-control tools, and listening sockets.
#include "agent/facts/remote_access.h"

#include <glob.h>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/ini_file.h"
#include "agent/facts/linux/process_list.h"
#include "agent/facts/linux/sock_diag.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

struct ServerProbe {
  std::string_view name;
  std::vector<std::string_view> paths;
  std::vector<std::string_view> processes;
};

const std::vector<ServerProbe>& VncServers() {
  static const std::vector<ServerProbe> kServers = {
      {"x11vnc", {"/usr/bin/x11vnc"}, {"x11vnc"}},
      {"tigervnc",
       {"/usr/bin/Xtigervnc", "/usr/bin/tigervncserver",
        "/usr/sbin/tigervncserver", "/usr/bin/x0tigervncserver"},
       {"Xtigervnc", "x0tigervncserve", "Xvnc"}},
      {"vino",
       {"/usr/lib/vino/vino-server", "/usr/libexec/vino-server"},
       {"vino-server"}},
      {"gnome-remote-desktop",
       {"/usr/libexec/gnome-remote-desktop-daemon"},
       {"gnome-remote-de"}},
      {"tightvnc", {"/usr/bin/Xtightvnc"}, {"Xtightvnc"}},
      {"realvnc", {"/usr/bin/vncserver-x11"}, {"vncserver-x11-c"}},
  };
  return kServers;
}

const std::vector<ServerProbe>& RemoteTools() {
  static const std::vector<ServerProbe> kTools = {
      {"TeamViewer", {"/opt/teamviewer"}, {"teamviewerd"}},
      {"AnyDesk", {"/usr/bin/anydesk", "/opt/anydesk"}, {"anydesk"}},
      {"RustDesk", {"/usr/bin/rustdesk"}, {"rustdesk"}},
      {"Chrome Remote Desktop", {"/opt/google/chrome-remote-desktop"}, {}},
  };
  return kTools;
}

// Expands an Include pattern under the root (glob sorts lexically, as sshd).
std::vector<std::pair<std::string, std::string>> LoadIncludes(
    const GatherContext& ctx, const std::string& pattern) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string rooted = ctx.Path(pattern);
  glob_t g{};
  if (::glob(rooted.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      const std::string path = g.gl_pathv[i];
      Result<std::string> text = ReadFile(path, 1 << 20);
      if (!text.ok()) continue;
      std::string shown = path;
      if (!ctx.root.empty() && ctx.root != "/" && StartsWith(shown, ctx.root)) {
        shown = shown.substr(ctx.root.size());
      }
      out.emplace_back(shown, std::move(*text));
    }
  }
  ::globfree(&g);
  return out;
}

}  // namespace

RemoteAccessFacts GatherRemoteAccess(const GatherContext& ctx) {
  RemoteAccessFacts facts;
  facts.status = OkStatus();

  std::optional<std::vector<lu::ProcessInfo>> procs;
  if (ctx.live_kernel) {
    Result<std::vector<lu::ProcessInfo>> listed = lu::ListProcesses();
    if (listed.ok()) procs = std::move(*listed);
  }
  auto running =
      [&](const std::vector<std::string_view>& names) -> std::optional<bool> {
    if (!procs) return std::nullopt;
    for (std::string_view n : names) {
      if (lu::AnyProcessNamed(*procs, n)) return true;
    }
    return false;
  };

  // SSH.
  facts.ssh_installed = lu::Exists(ctx.Path("/usr/sbin/sshd"));
  facts.ssh_running = running({"sshd"});
  Result<std::string> sshd =
      ReadFile(ctx.Path("/etc/ssh/sshd_config"), 1 << 20);
  if (sshd.ok()) {
    const SshdSettings settings = ResolveSshdConfig(
        *sshd, "/etc/ssh/sshd_config",
        [&ctx](const std::string& p) { return LoadIncludes(ctx, p); });
    facts.ssh_password_authentication = settings.password_authentication;
    facts.ssh_permit_root_login = settings.permit_root_login;
    facts.ssh_port = settings.port;
    for (const std::string& e : settings.evidence) {
      facts.evidence.push_back("sshd: " + e);
    }
  } else if (facts.ssh_installed) {
    if (sshd.status().code() != StatusCode::kNotFound) {
      facts.status = StatusFromError(sshd.status());
    }
    facts.evidence.push_back("sshd: " + sshd.status().message());
  }

  // RDP through xrdp.
  const bool xrdp_installed = lu::Exists(ctx.Path("/usr/sbin/xrdp"));
  if (xrdp_installed) {
    if (procs) {
      facts.rdp_enabled = running({"xrdp"});
    } else {
      facts.rdp_enabled = lu::UnitEnabled(ctx, "xrdp.service");
    }
    facts.rdp_port = 3389;
    Result<std::string> ini = ReadFile(ctx.Path("/etc/xrdp/xrdp.ini"), 1 << 20);
    if (ini.ok()) {
      Result<IniSections> parsed = lu::ParseIni(*ini);
      if (parsed.ok()) facts.rdp_port = XrdpPort(*parsed);
    }
    facts.evidence.push_back(std::string("xrdp installed, ") +
                             (*facts.rdp_enabled ? "enabled" : "not enabled") +
                             (procs ? " (process)" : " (service link)"));
  } else {
    facts.rdp_enabled = false;
  }

  for (const ServerProbe& vnc : VncServers()) {
    bool present = false;
    for (std::string_view p : vnc.paths)
      present = present || lu::Exists(ctx.Path(p));
    const std::optional<bool> up = running(vnc.processes);
    if (!present && !up.value_or(false)) continue;
    facts.vnc_servers.emplace_back(vnc.name);
    facts.evidence.push_back(std::string(vnc.name) + ": " +
                             (up ? (*up ? "running" : "not running")
                                 : "running state unknown under --root"));
  }
  for (const ServerProbe& tool : RemoteTools()) {
    bool present = false;
    for (std::string_view p : tool.paths)
      present = present || lu::Exists(ctx.Path(p));
    if (present || running(tool.processes).value_or(false)) {
      facts.remote_tools.emplace_back(tool.name);
    }
  }

  if (!ctx.live_kernel) {
    facts.evidence.push_back(
        "listening sockets not read: --root shows files, not the running "
        "kernel");
    return facts;
  }
  Result<std::vector<ListeningSocket>> sockets =
      lu::ListListeningSocketsWithOwners();
  if (!sockets.ok()) {
    facts.status = StatusFromError(sockets.status());
    return facts;
  }
  facts.listening = std::move(*sockets);
  return facts;
}

}  // namespace mamori::facts
