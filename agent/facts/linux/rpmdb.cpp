// The rpm database through a dlopen()ed librpm. The rpm headers are included
// only for their types: each function pointer below is declared with
// decltype(&rpmFunction), so a signature mismatch fails to compile instead of
// crashing at run time, and nothing here makes the linker pull in librpm.
#include "agent/facts/linux/rpmdb.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmts.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <algorithm>
#include <array>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "agent/facts/linux/file_util.h"
#include "agent/facts/linux/loaded_library.h"
#include "agent/facts/time_range.h"
#include "common/sha256.h"

namespace mamori::facts {

namespace lu = linux_util;

namespace {

std::string_view BackendFile(RpmdbBackend backend) {
  switch (backend) {
    case RpmdbBackend::kSqlite:
      return "rpmdb.sqlite";
    case RpmdbBackend::kNdb:
      return "Packages.db";
    case RpmdbBackend::kBdb:
      return "Packages";
  }
  return "";
}

}  // namespace

std::string_view RpmBackendName(RpmdbBackend backend) {
  switch (backend) {
    case RpmdbBackend::kSqlite:
      return "sqlite";
    case RpmdbBackend::kNdb:
      return "ndb";
    case RpmdbBackend::kBdb:
      return "bdb_ro";
  }
  return "";
}

std::optional<RpmdbLocation> FindRpmDatabase(const GatherContext& ctx) {
  // Fedora 36+ and SUSE keep the database in /usr/lib/sysimage/rpm with
  // /var/lib/rpm as a symlink to it; both are tried in case either is absent.
  static constexpr std::array<std::string_view, 2> kDirectories = {
      "/var/lib/rpm", "/usr/lib/sysimage/rpm"};
  static constexpr std::array<RpmdbBackend, 3> kBackends = {
      RpmdbBackend::kSqlite, RpmdbBackend::kNdb, RpmdbBackend::kBdb};
  for (std::string_view dir : kDirectories) {
    const std::string directory = ctx.Path(dir);
    for (RpmdbBackend backend : kBackends) {
      const std::string path =
          directory + "/" + std::string(BackendFile(backend));
      if (lu::Exists(path) && !lu::IsDirectory(path)) {
        return RpmdbLocation{directory, path, backend};
      }
    }
  }
  return std::nullopt;
}

std::optional<Package> PackageFromRpmHeader(const RpmHeaderValues& header) {
  // rpm --import stores each signing key as a header named gpg-pubkey; it is
  // no installed software.
  if (header.name.empty() || header.name == "gpg-pubkey") return std::nullopt;
  Package p;
  p.name = SanitizeUtf8(header.name);
  if (header.epoch) p.version = std::to_string(*header.epoch) + ":";
  p.version += SanitizeUtf8(header.version);
  if (!header.release.empty()) p.version += "-" + SanitizeUtf8(header.release);
  p.architecture = SanitizeUtf8(header.arch);
  p.source = PackageSource::kRpm;
  // Old databases and third-party packages may carry Latin-1 text.
  p.publisher =
      SanitizeUtf8(header.vendor.empty() ? header.packager : header.vendor);
  // The tag's 64 bits can hold anything a damaged header says; beyond what
  // TimePoint holds (year 2262 where it counts nanoseconds) the conversion
  // would overflow (found by fuzz_agent_text), so such a time is unknown.
  if (header.install_time != 0 &&
      header.install_time <= static_cast<uint64_t>(kTimePointLastSecond)) {
    p.install_time = FromUnixSeconds(static_cast<int64_t>(header.install_time));
  }
  return p;
}

namespace {

// The librpm functions this reader calls, typed from librpm's own headers.
struct LibrpmApi {
  decltype(&rpmReadConfigFiles) read_config_files = nullptr;
  decltype(&rpmFreeRpmrc) free_rpmrc = nullptr;
  decltype(&rpmPushMacro) push_macro = nullptr;
  decltype(&rpmFreeMacros) free_macros = nullptr;
  decltype(&rpmlogSetCallback) log_set_callback = nullptr;
  decltype(&rpmlogRecMessage) log_rec_message = nullptr;
  decltype(&rpmlogRecPriority) log_rec_priority = nullptr;
  decltype(&rpmlogClose) log_close = nullptr;
  decltype(&rpmtsCreate) ts_create = nullptr;
  decltype(&rpmtsFree) ts_free = nullptr;
  decltype(&rpmtsSetVSFlags) ts_set_vs_flags = nullptr;
  decltype(&rpmtsOpenDB) ts_open_db = nullptr;
  decltype(&rpmtsInitIterator) ts_init_iterator = nullptr;
  decltype(&rpmdbNextIterator) db_next_iterator = nullptr;
  decltype(&rpmdbFreeIterator) db_free_iterator = nullptr;
  decltype(&headerGetString) header_get_string = nullptr;
  decltype(&headerGetNumber) header_get_number = nullptr;
  decltype(&headerIsEntry) header_is_entry = nullptr;
};

// Returns the names of the functions `handle` lacks; empty when all bound.
std::vector<std::string> BindLibrpm(void* handle, LibrpmApi* api) {
  std::vector<std::string> missing;
  lu::BindSymbol(handle, "rpmReadConfigFiles", &api->read_config_files,
                 &missing);
  lu::BindSymbol(handle, "rpmFreeRpmrc", &api->free_rpmrc, &missing);
  lu::BindSymbol(handle, "rpmPushMacro", &api->push_macro, &missing);
  lu::BindSymbol(handle, "rpmFreeMacros", &api->free_macros, &missing);
  lu::BindSymbol(handle, "rpmlogSetCallback", &api->log_set_callback, &missing);
  lu::BindSymbol(handle, "rpmlogRecMessage", &api->log_rec_message, &missing);
  lu::BindSymbol(handle, "rpmlogRecPriority", &api->log_rec_priority, &missing);
  lu::BindSymbol(handle, "rpmlogClose", &api->log_close, &missing);
  lu::BindSymbol(handle, "rpmtsCreate", &api->ts_create, &missing);
  lu::BindSymbol(handle, "rpmtsFree", &api->ts_free, &missing);
  lu::BindSymbol(handle, "rpmtsSetVSFlags", &api->ts_set_vs_flags, &missing);
  lu::BindSymbol(handle, "rpmtsOpenDB", &api->ts_open_db, &missing);
  lu::BindSymbol(handle, "rpmtsInitIterator", &api->ts_init_iterator, &missing);
  lu::BindSymbol(handle, "rpmdbNextIterator", &api->db_next_iterator, &missing);
  lu::BindSymbol(handle, "rpmdbFreeIterator", &api->db_free_iterator, &missing);
  lu::BindSymbol(handle, "headerGetString", &api->header_get_string, &missing);
  lu::BindSymbol(handle, "headerGetNumber", &api->header_get_number, &missing);
  lu::BindSymbol(handle, "headerIsEntry", &api->header_is_entry, &missing);
  return missing;
}

// librpm 4.18 leaks inside two calls, which LeakSanitizer reports once the
// library is unloaded: rpmReadConfigFiles() keeps ≈290 bytes that
// rpmFreeRpmrc()/rpmFreeMacros() do not release (lost at dlclose, so once
// per read), and rpmtsOpenDB() keeps its sqlite connection (≈100 KiB) when
// it fails on a corrupt database. In sanitizer builds those two calls alone
// are left out of leak checking; everything of ours stays checked.
class ForeignLeaksIgnored {
 public:
#if defined(__SANITIZE_ADDRESS__)
  ForeignLeaksIgnored() { __lsan_disable(); }
  ~ForeignLeaksIgnored() { __lsan_enable(); }
#else
  ForeignLeaksIgnored() = default;
#endif
  ForeignLeaksIgnored(const ForeignLeaksIgnored&) = delete;
  ForeignLeaksIgnored& operator=(const ForeignLeaksIgnored&) = delete;
};

int ReadConfigFiles(const LibrpmApi& api) {
  [[maybe_unused]] const ForeignLeaksIgnored ignored;
  return api.read_config_files(nullptr, nullptr);
}

int OpenDatabaseReadOnly(const LibrpmApi& api, rpmts ts) {
  [[maybe_unused]] const ForeignLeaksIgnored ignored;
  return api.ts_open_db(ts, O_RDONLY);
}

// What rpm logged while we held the library: kept for the status message
// instead of going to the agent's stderr.
struct RpmLog {
  const LibrpmApi* api = nullptr;
  std::vector<std::string> messages;
  bool had_error = false;
  bool dummy_backend = false;
};

int CaptureRpmLog(rpmlogRec record, rpmlogCallbackData data) {
  auto* log = static_cast<RpmLog*>(data);
  const char* text = log->api->log_rec_message(record);
  std::string message = SanitizeUtf8(Trim(text != nullptr ? text : ""));
  if (log->api->log_rec_priority(record) <= RPMLOG_ERR) log->had_error = true;
  // librpm's only sign that it cannot read the backend on disk: it falls back
  // to a dummy database that lists nothing. The text is not translated.
  if (message.find("using dummy database") != std::string::npos) {
    log->dummy_backend = true;
  }
  if (!message.empty()) log->messages.push_back(std::move(message));
  return 0;  // handled: do not print
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += "; ";
    out += part;
  }
  return out;
}

// rpm expands macro bodies, so a literal '%' in a path must be doubled.
std::string MacroLiteral(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

std::string HeaderString(const LibrpmApi& api, Header h, rpmTagVal tag) {
  const char* value = api.header_get_string(h, tag);
  return value != nullptr ? std::string(value) : std::string();
}

RpmHeaderValues ReadHeader(const LibrpmApi& api, Header h) {
  RpmHeaderValues v;
  v.name = HeaderString(api, h, RPMTAG_NAME);
  if (api.header_is_entry(h, RPMTAG_EPOCH) != 0) {
    v.epoch = api.header_get_number(h, RPMTAG_EPOCH);
  }
  v.version = HeaderString(api, h, RPMTAG_VERSION);
  v.release = HeaderString(api, h, RPMTAG_RELEASE);
  v.arch = HeaderString(api, h, RPMTAG_ARCH);
  v.vendor = HeaderString(api, h, RPMTAG_VENDOR);
  v.packager = HeaderString(api, h, RPMTAG_PACKAGER);
  v.install_time = api.header_get_number(h, RPMTAG_INSTALLTIME);
  return v;
}

// Reads the headers with a bound librpm; the caller holds the library.
// `directory` is absolute and holds db's backend file.
PackageFacts ReadWithLibrpm(const LibrpmApi& api, const RpmdbLocation& db,
                            const std::string& directory,
                            const std::string& library) {
  PackageFacts facts;
  const std::string backend(RpmBackendName(db.backend));
  RpmLog log;
  log.api = &api;
  api.log_set_callback(&CaptureRpmLog, &log);
  // Restores librpm's global state on every path out, so that nothing of
  // this read lingers (dlclose may keep the library mapped).
  struct Cleanup {
    const LibrpmApi& api;
    ~Cleanup() {
      api.log_set_callback(nullptr, nullptr);
      api.log_close();
      api.free_macros(nullptr);
      api.free_rpmrc();
    }
  } cleanup{api};

  if (ReadConfigFiles(api) != 0) {
    facts.status = ErrorStatus(
        library + ": cannot read rpm's configuration: " + Joined(log.messages));
    return facts;
  }
  // The database to read, named explicitly: Debian's default _dbpath is
  // ~/.rpmdb. The backend is pinned to the one on disk because librpm, told
  // to use a backend whose file is absent, creates a new empty database.
  api.push_macro(nullptr, "_dbpath", nullptr, MacroLiteral(directory).c_str(),
                 RMIL_CMDLINE);
  api.push_macro(nullptr, "_db_backend", nullptr, backend.c_str(),
                 RMIL_CMDLINE);

  rpmts ts = api.ts_create();
  struct TransactionSet {
    const LibrpmApi& api;
    rpmts ts;
    ~TransactionSet() { api.ts_free(ts); }
  } owned_ts{api, ts};
  // Signatures are not checked: that would load the keyring, and the
  // database's own header digests still guard against damaged headers.
  api.ts_set_vs_flags(ts, RPMVSF_MASK_NOSIGNATURES);
  if (OpenDatabaseReadOnly(api, ts) != 0) {
    facts.status =
        ErrorStatus(db.file + ": cannot open the rpm database (" + backend +
                    ") with " + library + ": " + Joined(log.messages));
    return facts;
  }
  if (log.dummy_backend) {
    facts.status = UnsupportedStatus(db.file + ": an rpm database in the " +
                                     backend + " format, which " + library +
                                     " cannot read (backend not built in)");
    return facts;
  }

  rpmdbMatchIterator it = api.ts_init_iterator(ts, RPMDBI_PACKAGES, nullptr, 0);
  while (it != nullptr) {
    Header h = api.db_next_iterator(it);
    if (h == nullptr) break;
    // The header belongs to the iterator; it is not freed here.
    if (std::optional<Package> p = PackageFromRpmHeader(ReadHeader(api, h))) {
      facts.packages.push_back(std::move(*p));
    }
  }
  if (it != nullptr) api.db_free_iterator(it);

  std::sort(facts.packages.begin(), facts.packages.end(),
            [](const Package& a, const Package& b) {
              return std::tie(a.name, a.architecture, a.version) <
                     std::tie(b.name, b.architecture, b.version);
            });
  facts.content_sha256 = Sha256Hex(CanonicalPackageList(facts.packages));
  // rpm skips a header whose digest does not match and says so: the list is
  // then incomplete, which a check must not take for the truth.
  facts.status = log.had_error
                     ? ErrorStatus(db.file + ": rpm reported errors; " +
                                   std::to_string(facts.packages.size()) +
                                   " packages read: " + Joined(log.messages))
                     : OkStatus();
  return facts;
}

}  // namespace

PackageFacts ReadRpmDatabase(const RpmdbLocation& db,
                             const std::string& library) {
  // librpm resolves a relative _dbpath against "/", and creates a database
  // wherever its backend's file is missing: it gets an absolute directory
  // that is checked to hold that file.
  std::error_code ec;
  const std::string directory =
      std::filesystem::absolute(db.directory, ec).lexically_normal().string();
  const std::string expected =
      directory + "/" + std::string(BackendFile(db.backend));
  if (ec || !lu::Exists(expected) || lu::IsDirectory(expected)) {
    PackageFacts facts;
    facts.status = ErrorStatus(expected + ": no rpm database file (" +
                               std::string(RpmBackendName(db.backend)) + ")");
    return facts;
  }

  static std::mutex librpm_mutex;
  const std::lock_guard<std::mutex> lock(librpm_mutex);

  const lu::LoadedLibrary lib = lu::LoadLibrary(library);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    PackageFacts facts;
    facts.status = UnsupportedStatus(
        db.file + ": an rpm database (" +
        std::string(RpmBackendName(db.backend)) + ") is present but " +
        library +
        " cannot be loaded to read it: " + (why != nullptr ? why : "unknown"));
    return facts;
  }
  LibrpmApi api;
  const std::vector<std::string> missing = BindLibrpm(lib.get(), &api);
  if (!missing.empty()) {
    PackageFacts facts;
    facts.status =
        ErrorStatus(library + " lacks " + Joined(missing) +
                    ": not a librpm this agent can use to read " + db.file);
    return facts;
  }
  return ReadWithLibrpm(api, db, directory, library);
}

}  // namespace mamori::facts
