#pragma once

// Ordering of software version strings as packages report them ("7.2.3",
// "1:120.0.2", "24.005.20320", "2.0rc1"), for version floors. Pure;
// thread-safe.
//
// Rule: an optional leading "N:" epoch is compared first (numerically, 0
// when absent); the rest is split into runs of digits and runs of letters
// (everything else separates runs); runs are compared in order: two digit
// runs as numbers of any length, two letter runs case-insensitively
// (ASCII), a digit run is newer than a letter run. When one side runs out,
// a remaining digit run makes it newer ("1.0.1" > "1.0"), a remaining
// letter run older ("1.0rc1" < "1.0", "2.0beta" < "2.0").
// Not dpkg's or rpm's exact order (no '~' rule, no release suffix rules);
// close enough for "at least this version" and documented as such.

#include <string_view>

namespace mamori {

// -1 when a is older than b, 0 when equal under the rule, 1 when newer.
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace mamori
