// Linux gatherer for `hardware`: /sys/class/dmi/id, /proc/cpuinfo,
// /proc/meminfo, /sys/block and /sys/class/power_supply.
#include "agent/facts/hardware.h"

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

constexpr char kDmi[] = "/sys/class/dmi/id/";

std::string Dmi(const char* attribute) {
  return CleanDmiValue(lu::ReadOptional(std::string(kDmi) + attribute));
}

std::vector<Disk> ReadDisks() {
  std::vector<Disk> disks;
  Result<std::vector<std::string>> names = lu::ListDirectory("/sys/block");
  if (!names.ok()) return disks;
  for (const std::string& name : *names) {
    if (IsPseudoBlockDevice(name)) continue;
    const std::string sys = "/sys/block/" + name;
    Disk d;
    d.name = SanitizeUtf8(name);
    d.model = CleanDmiValue(lu::ReadOptional(sys + "/device/model"));
    d.serial = CleanDmiValue(lu::ReadOptional(sys + "/device/serial"));
    d.size_bytes =
        ParseUint64(lu::ReadOptional(sys + "/size")).value_or(0) * 512;
    const std::string rotational = lu::ReadOptional(sys + "/queue/rotational");
    if (rotational == "0" || rotational == "1")
      d.rotational = rotational == "1";
    d.removable = lu::ReadOptional(sys + "/removable") == "1";
    if (auto target = lu::ReadLink(sys)) d.bus = BusFromSysfsPath(*target);
    disks.push_back(std::move(d));
  }
  return disks;
}

}  // namespace

HardwareFacts GatherHardware(const GatherContext& ctx) {
  HardwareFacts facts;
  if (!ctx.live_kernel) {
    facts.status = UnsupportedStatus(
        "hardware needs the live kernel (/sys, /proc); not read under --root");
    return facts;
  }
  if (Result<std::string> cpu = ReadFile("/proc/cpuinfo", 16 << 20); cpu.ok()) {
    CpuInfo info = ParseCpuInfo(*cpu);
    facts.cpu_model = std::move(info.model);
    facts.cpu_cores = info.cores;
    facts.cpu_threads = info.threads;
  }
  if (Result<std::string> mem = ReadFile("/proc/meminfo", 1 << 20); mem.ok()) {
    facts.memory_bytes = ParseMemTotalBytes(*mem);
  }
  facts.disks = ReadDisks();
  bool battery = false;
  if (auto supplies = lu::ListDirectory("/sys/class/power_supply");
      supplies.ok()) {
    for (const std::string& s : *supplies) {
      battery = battery || lu::ReadOptional("/sys/class/power_supply/" + s +
                                            "/type") == "Battery";
    }
    facts.has_battery = battery;
  }

  if (!lu::IsDirectory(kDmi)) {
    facts.status = UnsupportedStatus(
        "no SMBIOS/DMI data (/sys/class/dmi/id missing: container or VM "
        "without SMBIOS); vendor, model and serial unknown");
    return facts;
  }
  facts.vendor = Dmi("sys_vendor");
  facts.model = Dmi("product_name");
  facts.bios_vendor = Dmi("bios_vendor");
  facts.bios_version = Dmi("bios_version");
  facts.chassis_type = static_cast<uint32_t>(
      ParseUint64(lu::ReadOptional(std::string(kDmi) + "chassis_type"))
          .value_or(0));
  Result<std::string> serial =
      lu::ReadTrimmed(std::string(kDmi) + "product_serial");
  if (serial.ok()) {
    facts.serial = CleanDmiValue(*serial);
  } else if (serial.status().code() == StatusCode::kPermissionDenied) {
    facts.status = StatusFromError(serial.status());
    facts.status.message +=
        " (the serial number needs root; other fields read)";
    return facts;
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
