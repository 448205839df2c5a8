// Linux gatherer for `hardware`: /sys/class/dmi/id, /proc/cpuinfo,
// /proc/meminfo, /sys/block and /sys/class/power_supply.
#include "agent/facts/hardware.h"

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

constexpr char kDmi[] = "/sys/class/dmi/id/";

std::string Dmi(const GatherContext& ctx, const char* attribute) {
  return CleanDmiValue(lu::ReadOptional(ctx.Path(kDmi) + attribute));
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

// Fills the DMI fields from <root>/sys/class/dmi/id and sets the status
// (OK with `ok_message`, or PERMISSION_DENIED for an unreadable serial).
HardwareFacts ReadDmi(const GatherContext& ctx, HardwareFacts facts,
                      std::string ok_message) {
  facts.vendor = Dmi(ctx, "sys_vendor");
  facts.model = Dmi(ctx, "product_name");
  facts.bios_vendor = Dmi(ctx, "bios_vendor");
  facts.bios_version = Dmi(ctx, "bios_version");
  facts.chassis_type = static_cast<uint32_t>(
      ParseUint64(lu::ReadOptional(ctx.Path(kDmi) + "chassis_type"))
          .value_or(0));
  Result<std::string> serial =
      lu::ReadTrimmed(ctx.Path(kDmi) + "product_serial");
  if (serial.ok()) {
    facts.serial = CleanDmiValue(*serial);
  } else if (serial.status().code() == StatusCode::kPermissionDenied) {
    facts.status = StatusFromError(serial.status());
    facts.status.message +=
        " (the serial number needs root; other fields read)";
    return facts;
  }
  facts.status = OkStatus();
  facts.status.message = std::move(ok_message);
  return facts;
}

}  // namespace

HardwareFacts GatherHardware(const GatherContext& ctx) {
  HardwareFacts facts;
  if (!ctx.live_kernel) {
    // A tree (image, fixture) may carry a copy of the machine's DMI
    // attributes; CPU, memory, disks and battery are the running kernel's.
    if (!lu::IsDirectory(ctx.Path(kDmi))) {
      facts.status = UnsupportedStatus(
          "no " + ctx.Path(kDmi) +
          " under --root; CPU, memory and disks need the live kernel");
      return facts;
    }
    return ReadDmi(ctx, std::move(facts),
                   "under --root only SMBIOS/DMI is read (" + ctx.Path(kDmi) +
                       "); CPU, memory and disks need the live kernel");
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
  return ReadDmi(ctx, std::move(facts), "");
}

}  // namespace mamori::facts
