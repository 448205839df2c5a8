#pragma once

// Windows time encodings → TimePoint: FILETIME (registry binary values,
// NetAPI, WUA dates), WMI CIM_DATETIME strings ("20231114093000.000000+540")
// and the "YYYYMMDD" dates of Uninstall keys. Platform-neutral so the
// conversions are tested natively on Linux and again under Wine. Pure and
// thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::facts::win {

// 100-ns intervals between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
inline constexpr uint64_t kFiletimeUnixEpoch = 116444736000000000ULL;

// Returns the instant of a FILETIME (100-ns ticks since 1601-01-01 UTC), or
// nullopt for 0, which Windows uses for "never" / "not set", and for values
// TimePoint cannot hold (before 1677 or after 2262 where it counts
// nanoseconds).
std::optional<TimePoint> FromFiletime(uint64_t ticks);

// Returns the FILETIME ticks of `t` (inverse of FromFiletime).
uint64_t ToFiletime(TimePoint t);

// Reads an 8-byte little-endian FILETIME as stored in REG_BINARY values
// (Defender's SignaturesLastUpdated). Returns INVALID_ARGUMENT when `bytes`
// is not exactly 8 long; nullopt inside the Result for a zero FILETIME.
Result<std::optional<TimePoint>> FiletimeFromBytes(std::string_view bytes);

// Parses a CIM_DATETIME ("yyyymmddHHMMSS.mmmmmmsUUU": local time with the
// UTC offset in minutes, sign '+' or '-') into UTC. Returns INVALID_ARGUMENT
// naming the problem for a wrong length, wildcard '*' fields, non-digits or
// an impossible date (or one past what TimePoint holds: 1677 to 2262 where it
// counts nanoseconds).
Result<TimePoint> ParseCimDatetime(std::string_view text);

// Parses an Uninstall InstallDate "YYYYMMDD" as midnight UTC of that day
// (the key records a local calendar date, no time zone). Returns nullopt for
// anything else (some installers write "15/01/2024" or garbage) and for
// dates past what TimePoint holds.
std::optional<TimePoint> ParseYyyymmdd(std::string_view text);

}  // namespace mamori::facts::win
