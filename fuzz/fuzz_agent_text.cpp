// Fuzz target: the Linux agent's parsers of files and records it reads from
// the machine (or from an image under --root). The first byte chooses the
// parser (see kParsers' order, which the seed corpus file names follow); the
// rest is the file, or several files separated by NUL bytes.

#include <cstddef>
#include <cstdint>

#include "agent/facts/accounts.h"
#include "agent/facts/antivirus.h"
#include "agent/facts/disk_encryption.h"
#include "agent/facts/firewall.h"
#include "agent/facts/hardware.h"
#include "agent/facts/linux/dnf_updates.h"
#include "agent/facts/linux/ini_file.h"
#include "agent/facts/linux/rpmdb.h"
#include "agent/facts/linux/updates_cache.h"
#include "agent/facts/network.h"
#include "agent/facts/packages.h"
#include "agent/facts/password_policy.h"
#include "agent/facts/remote_access.h"
#include "agent/facts/screen_lock.h"
#include "agent/facts/system.h"
#include "agent/facts/updates.h"
#include "agent/facts/usb_storage.h"
#include "agent/facts/wifi.h"
#include "agent/facts/wifi_ie.h"
#include "fuzz/fuzz_input.h"

namespace mamori::fuzz {
namespace {

using namespace mamori::facts;  // NOLINT(google-build-using-namespace)

void OsRelease(std::string_view text) {
  (void)ParseOsRelease(text);
  (void)ParseBootTime(text);
}

void DpkgStatus(std::string_view text) {
  (void)ParseDpkgStatus(text);
  (void)DpkgPackageVersion(text, "clamav");
}

void LoginDefs(std::string_view text) {
  (void)ParseLoginDefs(text);
  (void)ParseUidMin(text);
}

// pwquality.conf, faillock.conf and the other key = value files.
void KeyValueConf(std::string_view text) { (void)ParseKeyValueConf(text); }

void Pam(std::string_view text) {
  std::vector<PamInclude> includes;
  (void)ParsePamFile(text, "/etc/pam.d/common-password", &includes);
}

// login.defs, a PAM stack, pwquality.conf, faillock.conf and shadow, weighed
// together as the family does.
void PasswordPolicy(std::string_view text) {
  const std::vector<std::string_view> parts = SplitParts(text);
  PasswordPolicySources sources;
  sources.login_defs = std::string(PartOr(parts, 0));
  std::vector<PamInclude> includes;
  sources.pam = ParsePamFile(PartOr(parts, 1), "pam", &includes);
  sources.pam_found = parts.size() > 1;
  sources.pwquality_confs.emplace_back(PartOr(parts, 2));
  sources.faillock_conf = std::string(PartOr(parts, 3));
  sources.shadow = std::string(PartOr(parts, 4));
  (void)BuildPasswordPolicy(sources);
}

void Modprobe(std::string_view text) {
  (void)ParseModprobeConf(text, "/etc/modprobe.d/usb.conf");
}

void Udev(std::string_view text) {
  (void)ParseUdevRules(text, "/etc/udev/rules.d/99-usb.rules");
}

// usbguard-daemon.conf, then the rules.
void Usbguard(std::string_view text) {
  const std::vector<std::string_view> parts = SplitParts(text);
  std::string rule_file;
  std::string rule_folder;
  const std::string target =
      UsbguardImplicitTarget(PartOr(parts, 0), &rule_file, &rule_folder);
  (void)EvaluateUsbguard(PartOr(parts, 1), {"rules.conf"}, target,
                         "usbguard-daemon.conf");
}

// NetworkManager keyfiles and the other INI files (xrdp.ini).
void Keyfile(std::string_view text) {
  Result<IniSections> ini = linux_util::ParseIni(text);
  if (!ini.ok()) return;
  (void)NetworkFromKeyfile(*ini, "/etc/NetworkManager/system-connections/x");
  (void)XrdpPort(*ini);
}

void WpaSupplicant(std::string_view text) {
  (void)ParseWpaSupplicant(text, "/etc/wpa_supplicant/wpa_supplicant.conf");
}

void Accounts(std::string_view text) {
  (void)ParsePasswd(text);
  (void)ParseGroup(text);
  (void)ParseShadow(text);
  (void)ParseSudoers(text);
  (void)AccountsWithoutPassword(text);
  (void)ParseLastlogRecord(text);
}

void Mounts(std::string_view text) {
  (void)ParseMounts(text);
  (void)ParseCrypttab(text);
}

void LuksHeader(std::string_view bytes) { (void)ParseLuksHeader(bytes); }

void ClamavHeader(std::string_view bytes) {
  (void)ParseCvdHeader(bytes);
  (void)FreshclamConfUsable(bytes);
}

// Information elements of a scanned BSS; the first byte is the capability
// field's privacy bit (0, 1, or 2 for "not reported").
void WifiIes(std::string_view bytes) {
  if (bytes.empty()) return;
  const uint8_t privacy = static_cast<uint8_t>(bytes.front()) % 3;
  bytes.remove_prefix(1);
  (void)DecodeBssSecurity(
      bytes, privacy == 2 ? std::nullopt : std::optional<bool>(privacy == 1));
  (void)SsidFromIes(bytes);
}

// iptables-save output, then ufw.conf, /etc/default/ufw and user.rules.
void Firewall(std::string_view text) {
  const std::vector<std::string_view> parts = SplitParts(text);
  (void)ParseIptablesSave(PartOr(parts, 0));
  (void)ParseUfw(PartOr(parts, 1), PartOr(parts, 2), PartOr(parts, 3));
  (void)FirewalldDefaultZone(PartOr(parts, 1));
}

// /proc files and resolv.conf.
void ProcFiles(std::string_view text) {
  (void)ParseCpuInfo(text);
  (void)ParseMemTotalBytes(text);
  (void)ParseProcNetRoute(text);
  (void)ParseResolvConf(text);
  (void)ParseDconfLocks(text);
}

void DpkgLog(std::string_view text) {
  (void)ParseDpkgLogInstalls(text);
  (void)ParseCivilTime(text);
  (void)ParseRebootRequiredPkgs(text);
}

void DnfRepo(std::string_view text) {
  (void)ParseDnfRepoFile(text);
  (void)ParseDnfExcludeList(text);
  (void)ParseProcStatBootTime(text);
}

void PendingCache(std::string_view text) { (void)ParsePendingCache(text); }

// The tags of one rpm header as librpm hands them over: name, epoch,
// version, release, arch, vendor, packager, install time.
void RpmHeader(std::string_view text) {
  const std::vector<std::string_view> parts = SplitParts(text);
  RpmHeaderValues header;
  header.name = PartOr(parts, 0);
  const std::string_view epoch = PartOr(parts, 1);
  if (!epoch.empty()) header.epoch = epoch.size() * 0x9E3779B97F4A7C15ull;
  header.version = PartOr(parts, 2);
  header.release = PartOr(parts, 3);
  header.arch = PartOr(parts, 4);
  header.vendor = PartOr(parts, 5);
  header.packager = PartOr(parts, 6);
  for (char c : PartOr(parts, 7)) {
    header.install_time = header.install_time * 31 + static_cast<uint8_t>(c);
  }
  (void)PackageFromRpmHeader(header);
}

using Parser = void (*)(std::string_view);

// Append only: the first byte of every seed file indexes this table.
constexpr Parser kParsers[] = {
    OsRelease,       // 0
    DpkgStatus,      // 1
    LoginDefs,       // 2
    KeyValueConf,    // 3
    Pam,             // 4
    PasswordPolicy,  // 5
    Modprobe,        // 6
    Udev,            // 7
    Usbguard,        // 8
    Keyfile,         // 9
    WpaSupplicant,   // 10
    Accounts,        // 11
    Mounts,          // 12
    LuksHeader,      // 13
    ClamavHeader,    // 14
    WifiIes,         // 15
    Firewall,        // 16
    ProcFiles,       // 17
    DpkgLog,         // 18
    DnfRepo,         // 19
    PendingCache,    // 20
    RpmHeader,       // 21
};

}  // namespace
}  // namespace mamori::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mamori::fuzz::kParsers;
  if (size == 0) return 0;
  const size_t choice = data[0] % (sizeof kParsers / sizeof kParsers[0]);
  kParsers[choice](mamori::fuzz::AsText(data + 1, size - 1));
  return 0;
}
