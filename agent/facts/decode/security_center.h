#pragma once

// Decoding of Windows Security Center's `productState` (ROOT\SecurityCenter2
// AntiVirusProduct) and the age of Defender's definitions. Platform-neutral;
// pure and thread-safe.
//
// productState is not formally documented by Microsoft. Its layout, as used
// by every management tool and confirmed against Defender/third-party
// products, is three bytes:
//   bits 16–23  security provider flags (WSC_SECURITY_PROVIDER: 0x04 antivirus,
//               0x08 antispyware, 0x01 firewall, ...)
//   bits 12–15  product state: 0 off, 1 on, 2 snoozed, 3 expired
//   bits  8–11  owner: 1 = Windows (Defender), 0 = third party
//   bits  4–7   signature status: 0 up to date, 1 out of date
// Values outside these ranges decode to "unknown" (std::nullopt), never to a
// compliant value.

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"

namespace mamori::facts::win {

enum class WscProductState : int {
  kUnknown = 0,
  kOff = 1,
  kOn = 2,
  kSnoozed = 3,
  kExpired = 4,
};

struct DecodedProductState {
  uint32_t provider_flags = 0;
  WscProductState state = WscProductState::kUnknown;
  // True when the product is on; false when off, snoozed or expired; unset
  // when the state nibble is not one of the known values.
  std::optional<bool> enabled;
  // Unset when the signature nibble is neither 0 nor 1.
  std::optional<bool> definitions_up_to_date;
  bool windows_owned = false;
};

// Returns the fields of `product_state` as laid out above.
DecodedProductState DecodeProductState(uint32_t product_state);

// Returns "on", "off", "snoozed", "expired" or "unknown".
std::string WscProductStateName(WscProductState state);

// Hours from `signatures_updated` to `now`; negative when the timestamp is
// in the future (a wrong clock), which callers report rather than clamp.
double SignatureAgeHours(TimePoint signatures_updated, TimePoint now);

}  // namespace mamori::facts::win
