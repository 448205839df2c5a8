#pragma once

// Windows Update's last complete run, decoded from what the Windows Update
// Agent reports (IAutomaticUpdates2::get_Results → IAutomaticUpdatesResults:
// LastSearchSuccessDate and LastInstallationSuccessDate, OLE automation DATEs
// in UTC, VT_EMPTY when never) and, on Windows before 10, the registry's
// ...\WindowsUpdate\Auto Update\Results\{Detect,Install}\LastSuccessTime
// ("YYYY-MM-DD HH:MM:SS", UTC). Platform-neutral so it is tested on Linux.
// Pure and thread-safe.
//
// A run is complete when updates were installed successfully after a
// successful search: both dates are known, and the install is what the run
// ended with. A search alone installs nothing; an install date without any
// successful search is not trusted. Dates after `now` plus the clock-skew
// allowance are not evidence.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace mamori::facts::win {

// An OLE automation DATE (days since 1899-12-30 00:00 UTC) as a TimePoint;
// nullopt for 0 (never), NaN, or dates before 1970 or after 2199 (a
// nanosecond TimePoint cannot hold year 9999).
std::optional<TimePoint> FromOleDate(double date);

struct WindowsUpdateRun {
  std::optional<TimePoint> completed_at;
  std::string evidence;  // what it rests on, or why there is none
};

// Decides the last complete run from the two WUA dates (nullopt = VT_EMPTY
// or unreadable) at `now`.
WindowsUpdateRun DecideWindowsUpdateRun(std::optional<double> search_success,
                                        std::optional<double> install_success,
                                        TimePoint now);

// The same from the pre-Windows 10 registry strings (empty = absent).
WindowsUpdateRun DecideWindowsUpdateRunFromRegistry(
    std::string_view detect_last_success, std::string_view install_last_success,
    TimePoint now);

}  // namespace mamori::facts::win
