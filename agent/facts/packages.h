#pragma once

// The `packages` family: every installed package with name, version,
// architecture, source database and install time where known.
//
// Sources: the dpkg status file; without one, the rpm database read through
// a dlopen()ed librpm (linux/rpmdb.h). Neither present → STATUS_UNSUPPORTED
// naming the path. A .list file missing for a dpkg package leaves its
// install_time unset. Parsers are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class PackageSource : int {
  kUnspecified = 0,
  kDpkg = 1,
  kRpm = 2,
  kWindowsUninstall = 3,
  kWindowsAppx = 4,
};
std::string_view EnumName(PackageSource source);

// Mirrors mamori.v1.Package.
struct Package {
  std::string name;
  std::string version;
  std::string architecture;
  PackageSource source = PackageSource::kUnspecified;
  std::string publisher;
  std::optional<TimePoint> install_time;
  std::string scope;
};

template <typename V>
void VisitFields(const Package& f, V& v) {
  v("name", f.name);
  v("version", f.version);
  v("architecture", f.architecture);
  v("source", f.source);
  v("publisher", f.publisher);
  v("install_time", f.install_time);
  v("scope", f.scope);
}

// Mirrors mamori.v1.PackageFacts.
struct PackageFacts {
  CollectionStatus status;
  std::vector<Package> packages;
  std::string content_sha256;
};

template <typename V>
void VisitFields(const PackageFacts& f, V& v) {
  v("status", f.status);
  v("packages", f.packages);
  v("content_sha256", f.content_sha256);
}

// Collects the family. Never throws; failures are in `status`.
PackageFacts GatherPackages(const GatherContext& ctx);

// Parses a dpkg status file and returns the installed packages (Status
// "… … installed"), in file order, source = dpkg, publisher = Maintainer.
// Stanzas without Package or Version are skipped; install_time is not set.
std::vector<Package> ParseDpkgStatus(std::string_view text);

// Returns the canonical text the content hash is computed over: packages
// sorted by (name, architecture, version), one per line as
// name\tversion\tarchitecture\tsource\tpublisher\tinstall-unix-seconds\tscope.
std::string CanonicalPackageList(std::vector<Package> packages);

}  // namespace mamori::facts
