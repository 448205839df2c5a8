#pragma once

// IniSections: parsed INI / GKeyFile content as plain maps, the input of the
// pure mappers of the wifi, screen_lock and remote_access families. Parsing
// lives in linux/ini_file.h (Boost); this header needs no Boost so the mappers
// also build for Windows. Value type; thread-safe to read.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::facts {

// section → key → value; keys before any section are in section "".
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

// Returns the value of `key` in `section`, or nullopt when either is absent.
inline std::optional<std::string> IniValue(const IniSections& ini,
                                           std::string_view section,
                                           std::string_view key) {
  auto s = ini.find(std::string(section));
  if (s == ini.end()) return std::nullopt;
  auto k = s->second.find(std::string(key));
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

}  // namespace mamori::facts
