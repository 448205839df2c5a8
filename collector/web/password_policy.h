#pragma once

// The console's password policy: at least 12 characters (code points), at
// most 256 bytes, valid UTF-8 without control characters, not containing the
// account name, not one of the common passwords (common_passwords.txt,
// compared case-insensitively), not one character repeated.
//
// Thread safety: pure functions over immutable data.

#include <optional>
#include <string>
#include <string_view>

namespace mamori::web {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordBytes = 256;

// True for an account name of 1 to 64 characters from [A-Za-z0-9._@-]
// (names appear in logs, audit entries and terminals).
bool ValidAccountName(std::string_view name);

// nullopt when `password` is acceptable for account `name`; otherwise the
// catalogue key of the reason ("password.too_short", "password.too_long",
// "password.invalid", "password.contains_name", "password.common").
std::optional<std::string> PasswordProblem(std::string_view name,
                                           std::string_view password);

}  // namespace mamori::web
