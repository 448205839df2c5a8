#pragma once

// Read-only registry access for the gatherers: an RAII key handle with an
// explicit 32/64-bit view, typed value reads and subkey enumeration, all in
// UTF-8 at the interface. "Absent" (key or value not there) is an ordinary
// outcome reported as an unset optional / invalid key with an OK status;
// every other failure is a CollectionStatus carrying the Win32 error.
// Not thread-safe per object; separate objects are independent.

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts::win {

// Which registry view to read. On 64-bit Windows HKLM\SOFTWARE has a 32-bit
// twin (WOW6432Node) that 32-bit installers write to.
enum class RegView : int { k64 = 0, k32 = 1 };

class RegKey {
 public:
  RegKey() = default;
  ~RegKey();
  RegKey(RegKey&& other) noexcept;
  RegKey& operator=(RegKey&& other) noexcept;
  RegKey(const RegKey&) = delete;
  RegKey& operator=(const RegKey&) = delete;

  // Opens `root`\`path` for reading in `view`. Returns OK with *key valid
  // when found, OK with *key invalid when the key does not exist, and an
  // error status (Win32 code, path in the message) otherwise.
  static CollectionStatus Open(HKEY root, std::string_view path, RegView view,
                               RegKey* key);

  // Opens the subkey `name` of this key, like Open().
  CollectionStatus OpenSubkey(std::string_view name, RegKey* key) const;

  bool valid() const { return handle_ != nullptr; }
  HKEY handle() const { return handle_; }
  // The path as given to Open ("HKLM\\SOFTWARE\\...") for evidence/messages.
  const std::string& path() const { return path_; }

  // Reads a REG_DWORD. Absent → OK, *out unset. A value of another type →
  // STATUS_ERROR naming the value and its type.
  CollectionStatus GetDword(std::string_view name,
                            std::optional<uint32_t>* out) const;
  // Reads REG_SZ or REG_EXPAND_SZ (unexpanded) as UTF-8; absent → unset.
  CollectionStatus GetString(std::string_view name,
                             std::optional<std::string>* out) const;
  // Reads a REG_BINARY as bytes; absent → unset.
  CollectionStatus GetBinary(std::string_view name,
                             std::optional<std::string>* out) const;
  // Reads a REG_QWORD (or a REG_DWORD, widened); absent → unset.
  CollectionStatus GetQword(std::string_view name,
                            std::optional<uint64_t>* out) const;

  // Returns the names of the direct subkeys in *out.
  CollectionStatus SubkeyNames(std::vector<std::string>* out) const;

 private:
  CollectionStatus Query(std::string_view name, DWORD* type, std::string* data,
                         bool* found) const;

  HKEY handle_ = nullptr;
  REGSAM view_flag_ = 0;
  std::string path_;
};

// Returns the short name used in evidence for a predefined root ("HKLM").
std::string RootName(HKEY root);

}  // namespace mamori::facts::win
