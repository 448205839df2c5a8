#include "agent/facts/decode/windows_update.h"

#include <chrono>
#include <cmath>

#include "agent/facts/types.h"
#include "agent/facts/updates.h"

namespace mamori::facts::win {
namespace {

constexpr auto kClockSkew = std::chrono::minutes(5);
// 1970-01-01 .. 2199-12-31 in OLE days: TimePoint counts nanoseconds in
// 64 bits (years 1677–2262), so a later date would wrap.
constexpr double kMinOleDate = 25569.0;
constexpr double kMaxOleDate = 109574.0;

WindowsUpdateRun Decide(std::optional<TimePoint> search,
                        std::optional<TimePoint> install, TimePoint now,
                        std::string_view source) {
  WindowsUpdateRun run;
  if (!install) {
    run.evidence = std::string(source) + ": no successful installation";
    return run;
  }
  if (!search) {
    run.evidence = std::string(source) +
                   ": an installation but no successful search; not trusted";
    return run;
  }
  if (*install > now + kClockSkew) {
    run.evidence = std::string(source) + ": installation dated " +
                   FormatRfc3339(*install) + " is in the future; ignored";
    return run;
  }
  run.completed_at = install;
  run.evidence =
      std::string(source) + ": last successful search and install (search " +
      FormatRfc3339(*search) + ", install " + FormatRfc3339(*install) + ")";
  return run;
}

}  // namespace

std::optional<TimePoint> FromOleDate(double date) {
  if (!std::isfinite(date) || date <= 0 || date < kMinOleDate ||
      date > kMaxOleDate) {
    return std::nullopt;
  }
  constexpr double kOleEpochToUnixDays = 25569.0;
  const double seconds = (date - kOleEpochToUnixDays) * 86400.0;
  return FromUnixSeconds(static_cast<int64_t>(std::llround(seconds)));
}

WindowsUpdateRun DecideWindowsUpdateRun(std::optional<double> search_success,
                                        std::optional<double> install_success,
                                        TimePoint now) {
  return Decide(search_success ? FromOleDate(*search_success) : std::nullopt,
                install_success ? FromOleDate(*install_success) : std::nullopt,
                now, "Windows Update Agent");
}

WindowsUpdateRun DecideWindowsUpdateRunFromRegistry(
    std::string_view detect_last_success, std::string_view install_last_success,
    TimePoint now) {
  return Decide(ParseCivilTime(detect_last_success),
                ParseCivilTime(install_last_success), now,
                "registry Auto Update\\Results");
}

}  // namespace mamori::facts::win
