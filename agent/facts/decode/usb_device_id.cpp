#include "agent/facts/decode/usb_device_id.h"

#include <string>

#include "common/text.h"

namespace mamori::facts::win {

namespace {

std::string Spaces(std::string_view text) {
  std::string out(Trim(text));
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return std::string(Trim(out));
}

}  // namespace

std::optional<UsbDevice> ParseUsbstorInstanceId(std::string_view instance_id) {
  if (!StartsWith(ToLowerAscii(instance_id.substr(0, 8)), "usbstor\\")) {
    return std::nullopt;
  }
  const std::vector<std::string_view> parts = Split(instance_id, '\\');
  if (parts.size() < 2) return std::nullopt;
  UsbDevice device;
  for (std::string_view field : Split(parts[1], '&')) {
    if (StartsWith(field, "VEN_")) device.vendor = Spaces(field.substr(4));
    if (StartsWith(field, "PROD_")) device.product = Spaces(field.substr(5));
  }
  if (parts.size() >= 3) {
    std::string_view serial = parts[2];
    // "<serial>&<lun>"; a generated ID has '&' as its second character.
    const size_t amp = serial.rfind('&');
    if (amp != std::string_view::npos) serial = serial.substr(0, amp);
    const bool generated = parts[2].size() > 1 && parts[2][1] == '&';
    if (!generated) device.serial = std::string(serial);
  }
  return device;
}

}  // namespace mamori::facts::win
