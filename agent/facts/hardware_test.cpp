#include "agent/facts/hardware.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace mamori::facts {
namespace {

const std::string kDir = "tests/fixtures/linux/hardware/";

TEST(ParseCpuInfo, CountsCoresAndThreads) {
  Result<std::string> text = ReadFile(kDir + "cpuinfo-2c4t");
  ASSERT_TRUE(text.ok());
  const CpuInfo info = ParseCpuInfo(*text);
  EXPECT_EQ(info.model, "Intel(R) Core(TM) i5-7200U CPU @ 2.50GHz");
  EXPECT_EQ(info.threads, 4u);
  EXPECT_EQ(info.cores, 2u);
}

TEST(ParseCpuInfo, NoCoreIdsFallsBackToThreads) {
  const CpuInfo info = ParseCpuInfo(
      "processor\t: 0\nModel\t: Raspberry Pi 4 Model B\n\nprocessor\t: 1\n");
  EXPECT_EQ(info.threads, 2u);
  EXPECT_EQ(info.cores, 2u);
  EXPECT_EQ(info.model, "Raspberry Pi 4 Model B");
  EXPECT_EQ(ParseCpuInfo("").threads, 0u);
}

TEST(ParseMemTotalBytes, KibToBytes) {
  EXPECT_EQ(ParseMemTotalBytes("MemTotal:       16318340 kB\nMemFree: 1 kB\n"),
            16318340ull * 1024);
  EXPECT_EQ(ParseMemTotalBytes("MemFree: 1 kB\n"), 0u);
}

TEST(CleanDmiValue, PlaceholdersAreAbsent) {
  EXPECT_EQ(CleanDmiValue("To Be Filled By O.E.M.\n"), "");
  EXPECT_EQ(CleanDmiValue("Default string"), "");
  EXPECT_EQ(CleanDmiValue(" LENOVO "), "LENOVO");
}

TEST(BusFromSysfsPath, KnownBuses) {
  EXPECT_EQ(BusFromSysfsPath("../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/"
                             "nvme/nvme0/nvme0n1"),
            "nvme");
  EXPECT_EQ(BusFromSysfsPath("../devices/pci0000:00/0000:00:17.0/ata1/host0/"
                             "target0:0:0/0:0:0:0/block/sda"),
            "sata");
  EXPECT_EQ(BusFromSysfsPath("../devices/pci0000:00/0000:00:14.0/usb2/2-1/"
                             "2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb"),
            "usb");
  EXPECT_EQ(BusFromSysfsPath("../devices/pci0000:00/0000:00:04.0/virtio1/"
                             "block/vda"),
            "virtio");
  EXPECT_EQ(BusFromSysfsPath("../devices/virtual/block/loop0"), "");
}

TEST(IsPseudoBlockDevice, Filters) {
  EXPECT_TRUE(IsPseudoBlockDevice("loop3"));
  EXPECT_TRUE(IsPseudoBlockDevice("dm-0"));
  EXPECT_FALSE(IsPseudoBlockDevice("sda"));
  EXPECT_FALSE(IsPseudoBlockDevice("nvme0n1"));
  EXPECT_FALSE(IsPseudoBlockDevice("vda"));
}

}  // namespace
}  // namespace mamori::facts
