#include "agent/facts/decode/security_center.h"

#include <chrono>

namespace mamori::facts::win {

DecodedProductState DecodeProductState(uint32_t product_state) {
  DecodedProductState out;
  out.provider_flags = (product_state >> 16) & 0xFF;
  switch ((product_state >> 12) & 0xF) {
    case 0:
      out.state = WscProductState::kOff;
      out.enabled = false;
      break;
    case 1:
      out.state = WscProductState::kOn;
      out.enabled = true;
      break;
    case 2:
      out.state = WscProductState::kSnoozed;
      out.enabled = false;
      break;
    case 3:
      out.state = WscProductState::kExpired;
      out.enabled = false;
      break;
    default:
      break;
  }
  out.windows_owned = ((product_state >> 8) & 0xF) == 1;
  switch ((product_state >> 4) & 0xF) {
    case 0:
      out.definitions_up_to_date = true;
      break;
    case 1:
      out.definitions_up_to_date = false;
      break;
    default:
      break;
  }
  return out;
}

std::string WscProductStateName(WscProductState state) {
  switch (state) {
    case WscProductState::kOff:
      return "off";
    case WscProductState::kOn:
      return "on";
    case WscProductState::kSnoozed:
      return "snoozed";
    case WscProductState::kExpired:
      return "expired";
    case WscProductState::kUnknown:
      break;
  }
  return "unknown";
}

double SignatureAgeHours(TimePoint signatures_updated, TimePoint now) {
  return std::chrono::duration<double, std::ratio<3600>>(now -
                                                         signatures_updated)
      .count();
}

}  // namespace mamori::facts::win
