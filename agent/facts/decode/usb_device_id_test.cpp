#include "agent/facts/decode/usb_device_id.h"

#include <gtest/gtest.h>

namespace mamori::facts::win {
namespace {

TEST(UsbstorInstanceIdTest, VendorProductSerial) {
  auto d = ParseUsbstorInstanceId(
      "USBSTOR\\DISK&VEN_SANDISK&PROD_ULTRA_FIT&REV_1.00\\4C530001230620115025&"
      "0");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->vendor, "SANDISK");
  EXPECT_EQ(d->product, "ULTRA FIT");
  EXPECT_EQ(d->serial, "4C530001230620115025");
}

TEST(UsbstorInstanceIdTest, GeneratedSerialIsDropped) {
  auto d = ParseUsbstorInstanceId(
      "USBSTOR\\DISK&VEN_GENERIC&PROD_FLASH_DISK&REV_8.07\\7&2A1B3C4D&0&_&0");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->vendor, "GENERIC");
  EXPECT_EQ(d->serial, "");
}

TEST(UsbstorInstanceIdTest, OtherBusesAndJunk) {
  EXPECT_FALSE(
      ParseUsbstorInstanceId("USB\\VID_0781&PID_5583\\4C53").has_value());
  EXPECT_FALSE(ParseUsbstorInstanceId("").has_value());
  auto d = ParseUsbstorInstanceId("usbstor\\CDROM");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->vendor, "");
  EXPECT_EQ(d->serial, "");
}

}  // namespace
}  // namespace mamori::facts::win
