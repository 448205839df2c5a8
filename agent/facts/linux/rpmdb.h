#pragma once

// The rpm package database (RHEL, Fedora, SUSE) for the `packages` family.
//
// librpm is not linked: linking it costs every Debian machine ≈2.3 MiB of
// RSS for a library it never uses. ReadRpmDatabase() loads it with dlopen()
// only once FindRpmDatabase() has found a database file, through a typed table
// of the few functions it needs, and unloads it before returning. It opens the
// database read-only (no transaction lock, never a rebuild or conversion).
//
// Thread safety: librpm keeps process-wide state (macros, the log callback),
// so ReadRpmDatabase() serialises its callers; the other functions are pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/facts/packages.h"
#include "agent/facts/types.h"

namespace mamori::facts {

// The soname of librpm 4.16–4.18 (RHEL 9, Debian 12).
inline constexpr char kLibrpmSoname[] = "librpm.so.9";

// The on-disk formats, told apart by the file each keeps in the database
// directory, in the order rpm itself detects them.
enum class RpmdbBackend : int {
  kSqlite = 0,  // rpmdb.sqlite: RHEL 9, Fedora 33+
  kNdb = 1,     // Packages.db: SUSE
  kBdb = 2,     // Packages (Berkeley DB hash): RHEL 7/8, read by bdb_ro
};
// Returns rpm's name of the backend ("sqlite", "ndb", "bdb_ro").
std::string_view RpmBackendName(RpmdbBackend backend);

struct RpmdbLocation {
  std::string directory;  // host path, root already applied
  std::string file;       // the database file found in `directory`
  RpmdbBackend backend = RpmdbBackend::kSqlite;
};

// Returns the database under ctx's root, looking in /var/lib/rpm and then
// /usr/lib/sysimage/rpm; nullopt when neither holds a database file (an
// empty /var/lib/rpm, as Debian's rpm package leaves it, is no database).
std::optional<RpmdbLocation> FindRpmDatabase(const GatherContext& ctx);

// The header tags the family reads, as librpm returns them.
struct RpmHeaderValues {
  std::string name;
  std::optional<uint64_t> epoch;  // unset when the header has no EPOCH tag
  std::string version;
  std::string release;
  std::string arch;
  std::string vendor;
  std::string packager;
  uint64_t install_time = 0;  // seconds since the epoch; 0 = not recorded
};

// Maps one header to a package: version is `[epoch:]version-release` as
// `rpm -q --qf '%{EVR}'` prints it (the epoch is shown whenever the tag
// exists, "0:" included), publisher is VENDOR or else PACKAGER, source is rpm.
// Returns nullopt for headers without a name and for the gpg-pubkey
// pseudo-packages rpm stores for imported signing keys. An install time past
// what TimePoint holds is left unset.
std::optional<Package> PackageFromRpmHeader(const RpmHeaderValues& header);

// Reads every installed package from `db` with librpm loaded from `library`.
// Returns STATUS_OK with the packages sorted by (name, architecture, version)
// and the content hash; STATUS_UNSUPPORTED when `library` cannot be loaded or
// cannot read db's backend (librpm falls back to its dummy backend);
// STATUS_ERROR when db's backend file is not in db.directory, `library` lacks
// a function, or the database cannot be opened or has damaged headers (then the
// readable packages are kept). The message names the library, the database file
// and what rpm logged.
PackageFacts ReadRpmDatabase(const RpmdbLocation& db,
                             const std::string& library = kLibrpmSoname);

}  // namespace mamori::facts
