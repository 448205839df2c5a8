#include "agent/facts/hardware.h"

#include <set>
#include <utility>

namespace mamori::facts {

CpuInfo ParseCpuInfo(std::string_view text) {
  CpuInfo info;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical_id;
  std::string core_id;
  std::string arm_part;
  const auto flush = [&]() {
    if (!core_id.empty()) cores.emplace(physical_id, core_id);
    physical_id.clear();
    core_id.clear();
  };
  for (std::string_view line : SplitLines(text)) {
    if (Trim(line).empty()) {
      flush();
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "processor") {
      ++info.threads;
    } else if ((key == "model name" || key == "Model") && info.model.empty()) {
      info.model = SanitizeUtf8(value);
    } else if (key == "CPU part" && arm_part.empty()) {
      arm_part = SanitizeUtf8(value);
    } else if (key == "physical id") {
      physical_id = std::string(value);
    } else if (key == "core id") {
      core_id = std::string(value);
    }
  }
  flush();
  if (info.model.empty() && !arm_part.empty()) {
    info.model = "ARM CPU part " + arm_part;
  }
  info.cores =
      cores.empty() ? info.threads : static_cast<uint32_t>(cores.size());
  return info;
}

uint64_t ParseMemTotalBytes(std::string_view meminfo) {
  for (std::string_view line : SplitLines(meminfo)) {
    const auto words = SplitWhitespace(line);
    if (words.size() >= 2 && words[0] == "MemTotal:") {
      const auto kib = ParseUint64(words[1]);
      return kib ? *kib * 1024 : 0;
    }
  }
  return 0;
}

std::string CleanDmiValue(std::string_view value) {
  value = Trim(value);
  static const char* const kPlaceholders[] = {"to be filled by o.e.m.",
                                              "default string",
                                              "system product name",
                                              "system manufacturer",
                                              "not specified",
                                              "not applicable",
                                              "none",
                                              "o.e.m.",
                                              "0123456789",
                                              "system serial number",
                                              "chassis serial number"};
  const std::string lower = ToLowerAscii(value);
  for (const char* p : kPlaceholders) {
    if (lower == p) return "";
  }
  return SanitizeUtf8(value);
}

std::string BusFromSysfsPath(std::string_view path) {
  if (path.find("/nvme") != std::string_view::npos) return "nvme";
  if (path.find("/usb") != std::string_view::npos) return "usb";
  if (path.find("/virtio") != std::string_view::npos) return "virtio";
  if (path.find("/mmc") != std::string_view::npos) return "mmc";
  if (path.find("/ata") != std::string_view::npos) return "sata";
  if (path.find("/host") != std::string_view::npos) return "scsi";
  return "";
}

bool IsPseudoBlockDevice(std::string_view name) {
  for (std::string_view prefix :
       {"loop", "ram", "zram", "dm-", "md", "sr", "nbd", "fd"}) {
    if (StartsWith(name, prefix)) return true;
  }
  return false;
}

}  // namespace mamori::facts
