// Sanity tests of the policy families on the real machine: listening sockets
// against `ss`, a real status from every family, and the statuses an empty
// root or an unprivileged user get. Label: integration (spawns processes,
// forks, binds a socket).
#include <arpa/inet.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>

#include "agent/facts/antivirus.h"
#include "agent/facts/disk_encryption.h"
#include "agent/facts/firewall.h"
#include "agent/facts/password_policy.h"
#include "agent/facts/remote_access.h"
#include "agent/facts/screen_lock.h"
#include "agent/facts/usb_storage.h"
#include "agent/facts/wifi.h"
#include "common/text.h"

namespace mamori::facts {
namespace {

std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// A listening TCP socket on 127.0.0.1, port chosen by the kernel.
class LoopbackListener {
 public:
  LoopbackListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~LoopbackListener() { ::close(fd_); }
  uint32_t port() const { return port_; }

 private:
  int fd_;
  uint32_t port_ = 0;
};

TEST(LivePolicy, ListeningSocketsCoverSs) {
  LoopbackListener own;
  ASSERT_NE(own.port(), 0u);
  const RemoteAccessFacts f = GatherRemoteAccess(LiveContext());
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  std::set<uint32_t> tcp_ports;
  bool found_own = false;
  for (const ListeningSocket& s : f.listening) {
    if (StartsWith(s.protocol, "tcp")) tcp_ports.insert(s.port);
    if (s.protocol == "tcp" && s.port == own.port()) {
      found_own = true;
      EXPECT_EQ(s.address, "127.0.0.1");
      EXPECT_TRUE(s.loopback_only);
      EXPECT_EQ(s.pid, static_cast<uint32_t>(::getpid()));
      EXPECT_FALSE(s.process.empty());
    }
  }
  EXPECT_TRUE(found_own);
  // Every port `ss -ltn` lists (last ':' field of the local address).
  const std::string ss = Shell("ss -ltnH 2>/dev/null");
  int compared = 0;
  for (std::string_view line : SplitLines(ss)) {
    const std::vector<std::string_view> cols = SplitWhitespace(line);
    if (cols.size() < 4) continue;
    const std::string_view local = cols[3];
    const std::optional<uint64_t> port =
        ParseUint64(local.substr(local.rfind(':') + 1));
    if (!port) continue;
    ++compared;
    EXPECT_EQ(tcp_ports.count(static_cast<uint32_t>(*port)), 1u)
        << "ss lists " << local;
  }
  EXPECT_GT(compared, 0) << "ss printed nothing: " << ss;
}

TEST(LivePolicy, EveryFamilyReturnsARealStatus) {
  const GatherContext ctx = LiveContext();
  const CollectionState states[] = {GatherAntivirus(ctx).status.state,
                                    GatherUsbStorage(ctx).status.state,
                                    GatherWifi(ctx).status.state,
                                    GatherPasswordPolicy(ctx).status.state,
                                    GatherScreenLock(ctx).status.state,
                                    GatherDiskEncryption(ctx).status.state,
                                    GatherFirewall(ctx).status.state,
                                    GatherRemoteAccess(ctx).status.state};
  for (CollectionState s : states) {
    EXPECT_NE(s, CollectionState::kUnspecified);
  }
  const FirewallFacts fw = GatherFirewall(ctx);
  if (fw.status.ok()) {
    ASSERT_TRUE(fw.active.has_value());
    if (!*fw.active) {
      EXPECT_EQ(fw.product, "none");
    }
  }
  const DiskEncryptionFacts disks = GatherDiskEncryption(ctx);
  bool root_listed = false;
  for (const EncryptedVolume& v : disks.volumes) {
    root_listed = root_listed || (v.mount_point == "/" && v.system_volume);
  }
  EXPECT_TRUE(root_listed);
}

TEST(LivePolicy, EmptyRootGivesStatusesNotFailures) {
  const std::string empty = ::testing::TempDir() + "/l2-empty-root";
  ::mkdir(empty.c_str(), 0755);
  const GatherContext ctx = RootContext(empty);
  const AntivirusFacts av = GatherAntivirus(ctx);
  EXPECT_EQ(av.status.state, CollectionState::kOk);
  EXPECT_TRUE(av.products.empty());
  const UsbStorageFacts usb = GatherUsbStorage(ctx);
  EXPECT_EQ(usb.status.state, CollectionState::kOk);
  EXPECT_EQ(usb.effective_policy, UsbStoragePolicy::kAllowed);
  EXPECT_EQ(GatherWifi(ctx).status.state, CollectionState::kOk);
  EXPECT_EQ(GatherPasswordPolicy(ctx).status.state,
            CollectionState::kUnsupported);
  EXPECT_EQ(GatherScreenLock(ctx).status.state,
            CollectionState::kNotApplicable);
  EXPECT_EQ(GatherDiskEncryption(ctx).status.state,
            CollectionState::kUnsupported);
  const FirewallFacts fw = GatherFirewall(ctx);
  EXPECT_EQ(fw.status.state, CollectionState::kUnsupported);
  EXPECT_FALSE(fw.active.has_value());
  const RemoteAccessFacts ra = GatherRemoteAccess(ctx);
  EXPECT_EQ(ra.status.state, CollectionState::kOk);
  EXPECT_TRUE(ra.listening.empty());
}

// Runs `body` in a child that dropped to uid/gid 65534 (nobody) and returns
// what it wrote, so permission failures are real even when tests run as root.
std::string AsNobody(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out = "setuid failed";
    if (::setgroups(0, nullptr) == 0 && ::setresgid(65534, 65534, 65534) == 0 &&
        ::setresuid(65534, 65534, 65534) == 0) {
      out = body();
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

TEST(LivePolicy, UnprivilegedUserGetsPermissionDenied) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  // A root-only keyfile directory, as NetworkManager keeps it.
  const std::string root = ::testing::TempDir() + "/l2-nm-root";
  const std::string dir = root + "/etc/NetworkManager/system-connections";
  ASSERT_EQ(std::system(("mkdir -p '" + dir + "'").c_str()), 0);
  ::chmod(root.c_str(), 0755);
  ::chmod(dir.c_str(), 0700);
  const std::string wifi = AsNobody([&] {
    return std::string(EnumName(GatherWifi(RootContext(root)).status.state));
  });
  EXPECT_EQ(wifi, "STATUS_PERMISSION_DENIED");

  // /etc/shadow is 0640 root:shadow (Debian) or 0000 (RHEL): nobody cannot
  // read it either way.
  {
    const std::string pw = AsNobody([] {
      const PasswordPolicyFacts f = GatherPasswordPolicy(LiveContext());
      return std::string(EnumName(f.status.state)) +
             (f.max_age_days.has_value() ? " +max_age" : "");
    });
    EXPECT_EQ(pw, "STATUS_PERMISSION_DENIED +max_age");
  }

  // The nftables ruleset needs CAP_NET_ADMIN.
  const std::string fw = AsNobody([] {
    return std::string(EnumName(GatherFirewall(LiveContext()).status.state));
  });
  EXPECT_TRUE(fw == "STATUS_PERMISSION_DENIED" || fw == "STATUS_OK") << fw;
}

}  // namespace
}  // namespace mamori::facts
