#include "agent/facts/decode/windows_time.h"

#include <chrono>
#include <string>

#include "agent/facts/time_range.h"
#include "common/text.h"

namespace mamori::facts::win {

namespace {

// Parses exactly `text` as an unsigned decimal; nullopt on any non-digit.
std::optional<int> Digits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// The day, or nullopt for an invalid date or one TimePoint cannot hold
// (with a day's margin for the time of day and the UTC offset): on Linux it
// counts nanoseconds in 64 bits, years 1677 to 2262, and a registry or WMI
// date such as 26001001 overflowed the conversion (found by
// fuzz_windows_decode).
std::optional<std::chrono::sys_days> CivilDay(int year, int month, int day) {
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(month),
                                        std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;
  const std::chrono::sys_days days(ymd);
  if (!DayFitsTimePoint(days)) return std::nullopt;
  return days;
}

}  // namespace

std::optional<TimePoint> FromFiletime(uint64_t ticks) {
  if (ticks == 0) return std::nullopt;
  using Ticks = std::chrono::duration<int64_t, std::ratio<1, 10'000'000>>;
  // A registry or WMI value can hold any 64 bits. TimePoint counts (on
  // Linux) nanoseconds in 64 bits, years 1677 to 2262: outside that range
  // the conversion would overflow (found by fuzz_windows_decode).
  const int64_t limit =
      std::chrono::duration_cast<Ticks>(TimePoint::duration::max()).count();
  if (ticks > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  const int64_t since_unix =
      static_cast<int64_t>(ticks) - static_cast<int64_t>(kFiletimeUnixEpoch);
  if (since_unix > limit || since_unix < -limit) return std::nullopt;
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(Ticks(since_unix)));
}

uint64_t ToFiletime(TimePoint t) {
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
          .count();
  return static_cast<uint64_t>(ns / 100) + kFiletimeUnixEpoch;
}

Result<std::optional<TimePoint>> FiletimeFromBytes(std::string_view bytes) {
  if (bytes.size() != 8) {
    return InvalidArgumentError("FILETIME needs 8 bytes, got " +
                                std::to_string(bytes.size()));
  }
  uint64_t ticks = 0;
  for (int i = 7; i >= 0; --i) {
    ticks = (ticks << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return FromFiletime(ticks);
}

Result<TimePoint> ParseCimDatetime(std::string_view text) {
  // yyyymmddHHMMSS.mmmmmmsUUU is always 25 characters.
  if (text.size() != 25 || text[14] != '.' ||
      (text[21] != '+' && text[21] != '-')) {
    return InvalidArgumentError(
        "not a CIM datetime (yyyymmddHHMMSS.mmmmmmsUUU): \"" +
        SanitizeUtf8(text.substr(0, 40)) + "\"");
  }
  if (text.find('*') != std::string_view::npos) {
    return InvalidArgumentError("CIM datetime has wildcard fields: \"" +
                                std::string(text) + "\"");
  }
  const auto year = Digits(text.substr(0, 4));
  const auto month = Digits(text.substr(4, 2));
  const auto day = Digits(text.substr(6, 2));
  const auto hour = Digits(text.substr(8, 2));
  const auto minute = Digits(text.substr(10, 2));
  const auto second = Digits(text.substr(12, 2));
  const auto micros = Digits(text.substr(15, 6));
  const auto offset = Digits(text.substr(22, 3));
  if (!year || !month || !day || !hour || !minute || !second || !micros ||
      !offset) {
    return InvalidArgumentError("CIM datetime has non-digits: \"" +
                                SanitizeUtf8(text) + "\"");
  }
  const auto civil = CivilDay(*year, *month, *day);
  if (!civil || *hour > 23 || *minute > 59 || *second > 60) {
    return InvalidArgumentError("CIM datetime is not a valid date/time: \"" +
                                std::string(text) + "\"");
  }
  const int offset_minutes = text[21] == '-' ? -*offset : *offset;
  // Local time minus its offset from UTC gives UTC.
  const auto local = std::chrono::sys_days(*civil) + std::chrono::hours(*hour) +
                     std::chrono::minutes(*minute) +
                     std::chrono::seconds(*second) +
                     std::chrono::microseconds(*micros);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      (local - std::chrono::minutes(offset_minutes)).time_since_epoch()));
}

std::optional<TimePoint> ParseYyyymmdd(std::string_view text) {
  text = Trim(text);
  if (text.size() != 8) return std::nullopt;
  const auto year = Digits(text.substr(0, 4));
  const auto month = Digits(text.substr(4, 2));
  const auto day = Digits(text.substr(6, 2));
  if (!year || !month || !day || *year < 1980) return std::nullopt;
  const auto civil = CivilDay(*year, *month, *day);
  if (!civil) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      civil->time_since_epoch()));
}

}  // namespace mamori::facts::win
