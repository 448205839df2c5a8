#pragma once

// dnf's repository metadata read with libsolv, as dnf itself reads it
// (repo_add_repomdxml, repo_add_rpmmd, repo_add_updateinfoxml) and EVRs
// compared with libsolv's rpm rules. The selection itself is the pure
// SelectDnfUpdates (linux/dnf_updates.h). Each primary/updateinfo file is
// checked against repomd.xml's checksum before it is parsed; symbolic links
// are not followed.
//
// libsolv is not linked: Debian's libsolvext pulls in librpm, and mapping
// both costs every Debian `mamori-agent facts` run ≈1 MiB of RSS. It is
// dlopen()ed (RTLD_LOCAL) only when an rpm system's dnf cache is read, through
// a table of function pointers typed from libsolv's headers, and unloaded
// before returning. Nothing is written: the metadata files are only read.
// Thread-safe (each call has its own pool).

#include <string>
#include <vector>

#include "agent/facts/linux/dnf_updates.h"
#include "agent/facts/packages.h"
#include "common/status.h"

namespace mamori::facts {

// libsolvext 0.7 (Debian 12, RHEL 9); it depends on libsolv.so.1.
inline constexpr char kLibsolvextSoname[] = "libsolvext.so.1";

// An enabled repository's cached metadata: `repodata` is the host path of
// its repodata directory (holding repomd.xml).
struct DnfRepoCache {
  std::string id;
  std::string repodata;
  std::vector<std::string> excludes;  // not offered (see IsDnfExcluded)
};

// Returns the pending updates of `installed` over `repos` (see
// SelectDnfUpdates). Errors: UNIMPLEMENTED when `library` cannot be loaded,
// lacks a function or has no rpm version rules; DATA_LOSS naming the repo and
// file when a repomd.xml, its primary or updateinfo cannot be read or parsed
// (a missing updateinfo is no error: repos without errata have none).
Result<std::vector<PendingUpdate>> ComputeDnfPending(
    const std::vector<Package>& installed,
    const std::vector<DnfRepoCache>& repos,
    const std::string& library = kLibsolvextSoname);

}  // namespace mamori::facts
