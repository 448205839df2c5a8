#include "agent/facts/packages.h"

#include <algorithm>
#include <tuple>

namespace mamori::facts {

std::string_view EnumName(PackageSource source) {
  switch (source) {
    case PackageSource::kUnspecified:
      return "PACKAGE_SOURCE_UNSPECIFIED";
    case PackageSource::kDpkg:
      return "PACKAGE_SOURCE_DPKG";
    case PackageSource::kRpm:
      return "PACKAGE_SOURCE_RPM";
    case PackageSource::kWindowsUninstall:
      return "PACKAGE_SOURCE_WINDOWS_UNINSTALL";
    case PackageSource::kWindowsAppx:
      return "PACKAGE_SOURCE_WINDOWS_APPX";
  }
  return "";
}

std::vector<Package> ParseDpkgStatus(std::string_view text) {
  std::vector<Package> out;
  Package current;
  bool installed = false;
  const auto finish = [&]() {
    if (installed && !current.name.empty() && !current.version.empty()) {
      current.source = PackageSource::kDpkg;
      out.push_back(std::move(current));
    }
    current = Package();
    installed = false;
  };
  for (std::string_view line : SplitLines(text)) {
    if (Trim(line).empty()) {
      finish();
      continue;
    }
    // Continuation lines (descriptions, conffiles) start with white space.
    if (line.front() == ' ' || line.front() == '\t') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string value = SanitizeUtf8(Trim(line.substr(colon + 1)));
    if (key == "Package") {
      current.name = value;
    } else if (key == "Version") {
      current.version = value;
    } else if (key == "Architecture") {
      current.architecture = value;
    } else if (key == "Maintainer") {
      current.publisher = value;
    } else if (key == "Status") {
      const auto words = SplitWhitespace(value);
      installed = words.size() == 3 && words[2] == "installed";
    }
  }
  finish();
  return out;
}

std::string CanonicalPackageList(std::vector<Package> packages) {
  std::sort(packages.begin(), packages.end(),
            [](const Package& a, const Package& b) {
              return std::tie(a.name, a.architecture, a.version) <
                     std::tie(b.name, b.architecture, b.version);
            });
  std::string out;
  for (const Package& p : packages) {
    out += p.name + '\t' + p.version + '\t' + p.architecture + '\t' +
           std::string(EnumName(p.source)) + '\t' + p.publisher + '\t' +
           (p.install_time ? std::to_string(ToUnixSeconds(*p.install_time))
                           : std::string()) +
           '\t' + p.scope + '\n';
  }
  return out;
}

}  // namespace mamori::facts
