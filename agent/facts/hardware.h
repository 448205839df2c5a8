#pragma once

// The `hardware` family: vendor, model, serial and BIOS (SMBIOS/DMI), CPU
// model and core counts, memory, disks, battery.
//
// Under --root only the DMI attributes are read, from
// <root>/sys/class/dmi/id (an image or fixture may carry a copy): STATUS_OK
// with a message saying CPU, memory and disks need the live kernel, or
// STATUS_UNSUPPORTED when the tree has no such directory.
// No DMI (containers, some VMs) → STATUS_UNSUPPORTED with vendor/model/serial
// left empty (never placeholder strings); CPU, memory and disks are still
// filled. DMI present but product_serial unreadable (it is root-only) →
// STATUS_PERMISSION_DENIED naming the file, other fields filled. DMI
// placeholder values ("To Be Filled By O.E.M.", "Default string", …) are
// treated as absent. Parsers are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

// Mirrors mamori.v1.Disk.
struct Disk {
  std::string name;
  std::string model;
  std::string serial;
  uint64_t size_bytes = 0;
  std::optional<bool> rotational;
  std::string bus;
  bool removable = false;
};

template <typename V>
void VisitFields(const Disk& f, V& v) {
  v("name", f.name);
  v("model", f.model);
  v("serial", f.serial);
  v("size_bytes", f.size_bytes);
  v("rotational", f.rotational);
  v("bus", f.bus);
  v("removable", f.removable);
}

// Mirrors mamori.v1.HardwareFacts.
struct HardwareFacts {
  CollectionStatus status;
  std::string vendor;
  std::string model;
  std::string serial;
  std::string bios_vendor;
  std::string bios_version;
  uint32_t chassis_type = 0;
  std::string cpu_model;
  uint32_t cpu_cores = 0;
  uint32_t cpu_threads = 0;
  uint64_t memory_bytes = 0;
  std::vector<Disk> disks;
  std::optional<bool> has_battery;
};

template <typename V>
void VisitFields(const HardwareFacts& f, V& v) {
  v("status", f.status);
  v("vendor", f.vendor);
  v("model", f.model);
  v("serial", f.serial);
  v("bios_vendor", f.bios_vendor);
  v("bios_version", f.bios_version);
  v("chassis_type", f.chassis_type);
  v("cpu_model", f.cpu_model);
  v("cpu_cores", f.cpu_cores);
  v("cpu_threads", f.cpu_threads);
  v("memory_bytes", f.memory_bytes);
  v("disks", f.disks);
  v("has_battery", f.has_battery);
}

// Collects the family. Never throws; failures are in `status`.
HardwareFacts GatherHardware(const GatherContext& ctx);

struct CpuInfo {
  std::string model;
  uint32_t cores = 0;    // distinct (physical id, core id); else threads
  uint32_t threads = 0;  // "processor" entries
};
// Parses /proc/cpuinfo (x86 "model name"; ARM "Model"/"CPU part" fallbacks).
CpuInfo ParseCpuInfo(std::string_view text);

// Returns MemTotal of /proc/meminfo in bytes, or 0 when absent.
uint64_t ParseMemTotalBytes(std::string_view meminfo);

// Returns "" for DMI placeholder strings, else the trimmed value.
std::string CleanDmiValue(std::string_view value);

// Returns the bus of a block device from its resolved sysfs path:
// "nvme", "usb", "virtio", "mmc", "sata" (ata), "scsi", or "".
std::string BusFromSysfsPath(std::string_view path);

// True for block devices that are not disks (loop, ram, zram, dm-, md, sr).
bool IsPseudoBlockDevice(std::string_view name);

}  // namespace mamori::facts
