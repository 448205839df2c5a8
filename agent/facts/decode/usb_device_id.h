#pragma once

// Parses the device instance ID Windows gives a USB mass-storage device
// ("USBSTOR\DISK&VEN_SANDISK&PROD_ULTRA&REV_1.00\4C530001230620115025&0")
// into UsbDevice fields. Pure and thread-safe.

#include <optional>
#include <string_view>

#include "agent/facts/usb_storage.h"

namespace mamori::facts::win {

// Returns vendor (VEN_), product (PROD_, underscores shown as spaces) and
// serial (the instance part before "&<port>"; Windows invents one with '&' in
// the second character for devices without a serial, which is dropped).
// nullopt when `instance_id` does not start with "USBSTOR\".
std::optional<UsbDevice> ParseUsbstorInstanceId(std::string_view instance_id);

}  // namespace mamori::facts::win
