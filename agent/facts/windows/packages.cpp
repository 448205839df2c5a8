// The `packages` family on Windows: the Uninstall keys Programs and Features
// reads — HKLM in the 64-bit and 32-bit (WOW6432Node) views and every loaded
// user hive — skipping what it hides too (SystemComponent=1, entries without
// DisplayName, updates with a ParentKeyName). content_sha256 is SHA-256 over
// the canonical list, computed with CNG (BCrypt).
#include "agent/facts/packages.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <bcrypt.h>
// clang-format on

#include <cstdio>

#include "agent/facts/decode/windows_time.h"
#include "agent/facts/windows/registry_key.h"
#include "agent/facts/windows/win_error.h"

namespace mamori::facts {

namespace {

constexpr char kUninstall[] =
    "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

// Reads every visible entry under `uninstall` into *out.
CollectionStatus ReadUninstall(const win::RegKey& uninstall,
                               const std::string& architecture,
                               const std::string& scope,
                               std::vector<Package>* out) {
  std::vector<std::string> names;
  CollectionStatus s = uninstall.SubkeyNames(&names);
  if (!s.ok()) return s;
  for (const std::string& name : names) {
    win::RegKey entry;
    s = uninstall.OpenSubkey(name, &entry);
    if (!s.ok()) return s;
    if (!entry.valid()) continue;  // removed while we enumerated
    std::optional<std::string> display_name;
    std::optional<std::string> parent;
    std::optional<uint32_t> system_component;
    // A malformed entry (wrong value type) is skipped, not fatal: Programs
    // and Features skips it too.
    if (!entry.GetString("DisplayName", &display_name).ok() || !display_name ||
        Trim(*display_name).empty()) {
      continue;
    }
    if (entry.GetDword("SystemComponent", &system_component).ok() &&
        system_component == 1u) {
      continue;
    }
    if (entry.GetString("ParentKeyName", &parent).ok() && parent) continue;
    Package p;
    p.name = std::string(Trim(*display_name));
    p.architecture = architecture;
    p.source = PackageSource::kWindowsUninstall;
    p.scope = scope;
    std::optional<std::string> text;
    if (entry.GetString("DisplayVersion", &text).ok() && text)
      p.version = *text;
    if (entry.GetString("Publisher", &text).ok() && text) p.publisher = *text;
    if (entry.GetString("InstallDate", &text).ok() && text) {
      p.install_time = win::ParseYyyymmdd(*text);
    }
    out->push_back(std::move(p));
  }
  return OkStatus();
}

CollectionStatus Sha256Hex(std::string_view data, std::string* hex) {
  unsigned char digest[32];
  BCRYPT_ALG_HANDLE alg = nullptr;
  BCRYPT_HASH_HANDLE hash = nullptr;
  NTSTATUS rc =
      BCryptOpenAlgorithmProvider(&alg, BCRYPT_SHA256_ALGORITHM, nullptr, 0);
  if (rc == 0) rc = BCryptCreateHash(alg, &hash, nullptr, 0, nullptr, 0, 0);
  if (rc == 0) {
    rc = BCryptHashData(
        hash, reinterpret_cast<PUCHAR>(const_cast<char*>(data.data())),
        static_cast<ULONG>(data.size()), 0);
  }
  if (rc == 0) rc = BCryptFinishHash(hash, digest, sizeof digest, 0);
  if (hash != nullptr) BCryptDestroyHash(hash);
  if (alg != nullptr) BCryptCloseAlgorithmProvider(alg, 0);
  if (rc != 0) {
    return win::Win32Status("BCrypt SHA-256", static_cast<uint32_t>(rc));
  }
  hex->clear();
  char byte[3];
  for (unsigned char b : digest) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    *hex += byte;
  }
  return OkStatus();
}

}  // namespace

PackageFacts GatherPackages(const GatherContext& /*ctx*/) {
  PackageFacts facts;
  for (auto [view, arch] : {std::pair{win::RegView::k64, "x64"},
                            std::pair{win::RegView::k32, "x86"}}) {
    win::RegKey uninstall;
    CollectionStatus s =
        win::RegKey::Open(HKEY_LOCAL_MACHINE, kUninstall, view, &uninstall);
    if (s.ok()) s = ReadUninstall(uninstall, arch, "machine", &facts.packages);
    if (!s.ok()) {
      facts.status = s;
      return facts;
    }
  }
  // Per-user installs of the loaded profiles (a hive that is not loaded
  // cannot be read without loading it, which needs a privilege).
  win::RegKey users;
  std::vector<std::string> sids;
  CollectionStatus s =
      win::RegKey::Open(HKEY_USERS, "", win::RegView::k64, &users);
  if (s.ok()) s = users.SubkeyNames(&sids);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  for (const std::string& sid : sids) {
    if (!StartsWith(sid, "S-1-5-21-") || EndsWith(sid, "_Classes")) continue;
    win::RegKey uninstall;
    s = win::RegKey::Open(HKEY_USERS, sid + "\\" + kUninstall,
                          win::RegView::k64, &uninstall);
    if (s.ok()) s = ReadUninstall(uninstall, "", sid, &facts.packages);
    if (!s.ok()) {
      facts.status = s;
      return facts;
    }
  }
  s = Sha256Hex(CanonicalPackageList(facts.packages), &facts.content_sha256);
  if (!s.ok()) {
    facts.status = s;
    return facts;
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
