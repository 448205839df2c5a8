// libsolv through dlopen(): its headers are included for the types only; each
// function pointer is declared with decltype(&function), so a signature
// mismatch fails to compile, and nothing makes the linker pull libsolv in.
#include "agent/facts/linux/dnf_solv.h"

#include <dlfcn.h>
#include <sys/stat.h>

// libsolv's Solvable has a member named `requires`, a keyword since C++20.
// Renamed for these headers only: the layout is unchanged and the member is
// not used here.
#define requires solv_requires  // NOLINT(cppcoreguidelines-macro-usage)
#include <solv/chksum.h>
#include <solv/dataiterator.h>
#include <solv/evr.h>
#include <solv/knownid.h>
#include <solv/pool.h>
#include <solv/poolid.h>
#include <solv/repo.h>
#include <solv/repo_repomdxml.h>
#include <solv/repo_rpmmd.h>
#include <solv/repo_updateinfoxml.h>
#include <solv/solv_xfopen.h>
#include <solv/solvable.h>
#undef requires

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/facts/linux/loaded_library.h"
#include "agent/facts/time_range.h"
#include "common/clock.h"
#include "common/text.h"

namespace mamori::facts {

namespace {

struct LibsolvApi {
  decltype(&pool_create) create = nullptr;
  decltype(&pool_free) free = nullptr;
  decltype(&pool_setdisttype) set_disttype = nullptr;
  decltype(&pool_errstr) errstr = nullptr;
  decltype(&pool_id2str) id2str = nullptr;
  decltype(&pool_evrcmp_str) evrcmp_str = nullptr;
  decltype(&pool_lookup_str) lookup_str = nullptr;
  decltype(&pool_lookup_id) lookup_id = nullptr;
  decltype(&repo_create) add_repo = nullptr;
  decltype(&solvable_lookup_str) solvable_str = nullptr;
  decltype(&solvable_lookup_num) solvable_num = nullptr;
  decltype(&dataiterator_init) di_init = nullptr;
  decltype(&dataiterator_prepend_keyname) di_prepend_keyname = nullptr;
  decltype(&dataiterator_step) di_step = nullptr;
  decltype(&dataiterator_setpos) di_setpos = nullptr;
  decltype(&dataiterator_setpos_parent) di_setpos_parent = nullptr;
  decltype(&dataiterator_free) di_free = nullptr;
  decltype(&solv_xfopen) xfopen = nullptr;
  decltype(&pool_lookup_checksum) lookup_checksum = nullptr;
  decltype(&solv_chksum_create) chksum_create = nullptr;
  decltype(&solv_chksum_add) chksum_add = nullptr;
  decltype(&solv_chksum_get) chksum_get = nullptr;
  decltype(&solv_chksum_free) chksum_free = nullptr;
  decltype(&repo_add_repomdxml) add_repomdxml = nullptr;
  decltype(&repo_add_rpmmd) add_rpmmd = nullptr;
  decltype(&repo_add_updateinfoxml) add_updateinfoxml = nullptr;
};

// Returns the names of the functions `h` lacks; empty when all bound.
std::vector<std::string> BindLibsolv(void* h, LibsolvApi* api) {
  std::vector<std::string> missing;
  linux_util::BindSymbol(h, "pool_create", &api->create, &missing);
  linux_util::BindSymbol(h, "pool_free", &api->free, &missing);
  linux_util::BindSymbol(h, "pool_setdisttype", &api->set_disttype, &missing);
  linux_util::BindSymbol(h, "pool_errstr", &api->errstr, &missing);
  linux_util::BindSymbol(h, "pool_id2str", &api->id2str, &missing);
  linux_util::BindSymbol(h, "pool_evrcmp_str", &api->evrcmp_str, &missing);
  linux_util::BindSymbol(h, "pool_lookup_str", &api->lookup_str, &missing);
  linux_util::BindSymbol(h, "pool_lookup_id", &api->lookup_id, &missing);
  linux_util::BindSymbol(h, "repo_create", &api->add_repo, &missing);
  linux_util::BindSymbol(h, "solvable_lookup_str", &api->solvable_str,
                         &missing);
  linux_util::BindSymbol(h, "solvable_lookup_num", &api->solvable_num,
                         &missing);
  linux_util::BindSymbol(h, "dataiterator_init", &api->di_init, &missing);
  linux_util::BindSymbol(h, "dataiterator_prepend_keyname",
                         &api->di_prepend_keyname, &missing);
  linux_util::BindSymbol(h, "dataiterator_step", &api->di_step, &missing);
  linux_util::BindSymbol(h, "dataiterator_setpos", &api->di_setpos, &missing);
  linux_util::BindSymbol(h, "dataiterator_setpos_parent",
                         &api->di_setpos_parent, &missing);
  linux_util::BindSymbol(h, "dataiterator_free", &api->di_free, &missing);
  linux_util::BindSymbol(h, "solv_xfopen", &api->xfopen, &missing);
  linux_util::BindSymbol(h, "pool_lookup_checksum", &api->lookup_checksum,
                         &missing);
  linux_util::BindSymbol(h, "solv_chksum_create", &api->chksum_create,
                         &missing);
  linux_util::BindSymbol(h, "solv_chksum_add", &api->chksum_add, &missing);
  linux_util::BindSymbol(h, "solv_chksum_get", &api->chksum_get, &missing);
  linux_util::BindSymbol(h, "solv_chksum_free", &api->chksum_free, &missing);
  linux_util::BindSymbol(h, "repo_add_repomdxml", &api->add_repomdxml,
                         &missing);
  linux_util::BindSymbol(h, "repo_add_rpmmd", &api->add_rpmmd, &missing);
  linux_util::BindSymbol(h, "repo_add_updateinfoxml", &api->add_updateinfoxml,
                         &missing);
  return missing;
}

class PoolOwner {
 public:
  PoolOwner(const LibsolvApi& api, Pool* pool) : api_(api), pool_(pool) {}
  PoolOwner(const PoolOwner&) = delete;
  PoolOwner& operator=(const PoolOwner&) = delete;
  ~PoolOwner() { api_.free(pool_); }
  Pool* get() const { return pool_; }

 private:
  const LibsolvApi& api_;
  Pool* pool_;
};

std::string Str(const char* s) { return s == nullptr ? "" : std::string(s); }

// What repomd.xml says about one metadata file.
struct RepomdEntry {
  std::string location;  // relative to the repository root
  Id checksum_type = 0;  // 0 = no checksum given
  std::string checksum;  // lower-case hex
};

// Returns the lower-case hex digest of the file at `path` with libsolv's
// `type` (sha256, sha512, sha1...), or "" when it cannot be read.
std::string FileChecksum(const LibsolvApi& api, const std::string& path,
                         Id type) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                             &std::fclose);
  if (!file) return "";
  Chksum* sum = api.chksum_create(type);
  if (sum == nullptr) return "";
  std::vector<char> buffer(1 << 16);
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    api.chksum_add(sum, buffer.data(), static_cast<int>(n));
  }
  const bool read_error = std::ferror(file.get()) != 0;
  int length = 0;
  const unsigned char* digest = api.chksum_get(sum, &length);
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; digest != nullptr && i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0xf];
  }
  api.chksum_free(sum, nullptr);
  return read_error ? "" : hex;
}

// Reads one metadata file into `repo` with `add` (a repo_add_* function),
// after checking it against repomd.xml's checksum when `expected` gives one
// (as dnf does: a file from another download is refused, not half-trusted).
template <typename AddFunction>
Status AddFile(const LibsolvApi& api, Pool* pool, Repo* repo,
               const std::string& repo_id, const std::string& path,
               const RepomdEntry* expected, AddFunction add) {
  // dnf never links inside its cache; under --root an image's absolute link
  // would name a host file.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    return DataLossError("repo " + repo_id + ": " + path +
                         " is a symbolic link (not followed)");
  }
  if (expected != nullptr && expected->checksum_type != 0 &&
      FileChecksum(api, path, expected->checksum_type) != expected->checksum) {
    return DataLossError("repo " + repo_id + ": " + path +
                         " does not match the checksum in repomd.xml");
  }
  FILE* file = api.xfopen(path.c_str(), "r");
  if (file == nullptr) {
    return DataLossError("repo " + repo_id + ": cannot open " + path);
  }
  const int rc = add(repo, file);
  std::fclose(file);
  if (rc != 0) {
    return DataLossError("repo " + repo_id + ": " + path + ": " +
                         SanitizeUtf8(Str(api.errstr(pool))));
  }
  return Status::Ok();
}

// Returns what repomd.xml gives for `type` (e.g. "primary"), or nullopt when
// it lists no location for it.
std::optional<RepomdEntry> FindRepomdEntry(const LibsolvApi& api, Pool* pool,
                                           Repo* repo, const char* type) {
  Dataiterator di;
  api.di_init(&di, pool, repo, SOLVID_META, REPOSITORY_REPOMD_TYPE, type,
              SEARCH_STRING);
  api.di_prepend_keyname(&di, REPOSITORY_REPOMD);
  std::optional<RepomdEntry> entry;
  if (api.di_step(&di) != 0) {
    api.di_setpos_parent(&di);
    if (const char* href =
            api.lookup_str(pool, SOLVID_POS, REPOSITORY_REPOMD_LOCATION)) {
      entry = RepomdEntry{href, 0, ""};
      Id type_id = 0;
      const char* hex = api.lookup_checksum(
          pool, SOLVID_POS, REPOSITORY_REPOMD_CHECKSUM, &type_id);
      if (hex != nullptr && type_id != 0) {
        entry->checksum_type = type_id;
        entry->checksum = hex;
      }
    }
  }
  api.di_free(&di);
  return entry;
}

// A location must stay inside the repository's cache directory.
bool SafeLocation(std::string_view href) {
  return !href.empty() && href.front() != '/' &&
         href.find("..") == std::string_view::npos;
}

void ReadAdvisory(const LibsolvApi& api, Pool* pool, Id id, Solvable* s,
                  std::string_view name, std::vector<DnfAdvisory>* out) {
  DnfAdvisory adv;
  adv.id = SanitizeUtf8(name.substr(6));  // after "patch:"
  adv.type = Str(api.solvable_str(s, SOLVABLE_PATCHCATEGORY));
  adv.severity = SanitizeUtf8(Str(api.solvable_str(s, UPDATE_SEVERITY)));
  const unsigned long long issued = api.solvable_num(s, SOLVABLE_BUILDTIME, 0);
  if (issued != 0 && issued <= static_cast<uint64_t>(kTimePointLastSecond)) {
    adv.issued = FromUnixSeconds(static_cast<int64_t>(issued));
  }
  // libsolv 0.7 nests the packages as update:collectionlist →
  // update:collection; each step is one package.
  Dataiterator di;
  api.di_init(&di, pool, nullptr, id, UPDATE_COLLECTION, nullptr, 0);
  api.di_prepend_keyname(&di, UPDATE_COLLECTIONLIST);
  while (api.di_step(&di) != 0) {
    api.di_setpos(&di);
    DnfAdvisoryPackage p;
    p.name = Str(api.id2str(
        pool, api.lookup_id(pool, SOLVID_POS, UPDATE_COLLECTION_NAME)));
    p.evr = Str(api.id2str(
        pool, api.lookup_id(pool, SOLVID_POS, UPDATE_COLLECTION_EVR)));
    p.arch = Str(api.id2str(
        pool, api.lookup_id(pool, SOLVID_POS, UPDATE_COLLECTION_ARCH)));
    if (!p.name.empty() && !p.evr.empty()) adv.packages.push_back(p);
  }
  api.di_free(&di);
  out->push_back(std::move(adv));
}

Status ReadRepo(const LibsolvApi& api, Pool* pool, const DnfRepoCache& cache,
                std::vector<DnfAvailable>* available,
                std::vector<DnfAdvisory>* advisories) {
  Repo* repo = api.add_repo(pool, cache.id.c_str());
  const std::string repomd = cache.repodata + "/repomd.xml";
  MAMORI_RETURN_IF_ERROR(
      AddFile(api, pool, repo, cache.id, repomd, nullptr,
              [&](Repo* r, FILE* f) { return api.add_repomdxml(r, f, 0); }));
  // Locations are relative to the repository root, the parent of repodata.
  const std::string base = cache.repodata + "/..";
  const std::optional<RepomdEntry> primary =
      FindRepomdEntry(api, pool, repo, "primary");
  if (!primary || !SafeLocation(primary->location)) {
    return DataLossError("repo " + cache.id + ": " + repomd +
                         " names no usable primary metadata");
  }
  MAMORI_RETURN_IF_ERROR(AddFile(
      api, pool, repo, cache.id, base + "/" + primary->location, &*primary,
      [&](Repo* r, FILE* f) { return api.add_rpmmd(r, f, nullptr, 0); }));
  const std::optional<RepomdEntry> updateinfo =
      FindRepomdEntry(api, pool, repo, "updateinfo");
  if (updateinfo) {
    if (!SafeLocation(updateinfo->location)) {
      return DataLossError("repo " + cache.id + ": " + repomd +
                           " names an unusable updateinfo location");
    }
    MAMORI_RETURN_IF_ERROR(AddFile(
        api, pool, repo, cache.id, base + "/" + updateinfo->location,
        &*updateinfo,
        [&](Repo* r, FILE* f) { return api.add_updateinfoxml(r, f, 0); }));
  }
  for (Id p = repo->start; p < repo->end; ++p) {
    Solvable* s = pool->solvables + p;
    if (s->repo != repo) continue;
    const std::string name = Str(api.id2str(pool, s->name));
    if (StartsWith(name, "patch:")) {
      ReadAdvisory(api, pool, p, s, name, advisories);
      continue;
    }
    DnfAvailable a;
    a.name = name;
    a.evr = Str(api.id2str(pool, s->evr));
    a.arch = Str(api.id2str(pool, s->arch));
    if (a.arch == "src" || a.arch == "nosrc" ||
        IsDnfExcluded(a.name, cache.excludes)) {
      continue;
    }
    a.repo = cache.id;
    available->push_back(std::move(a));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<PendingUpdate>> ComputeDnfPending(
    const std::vector<Package>& installed,
    const std::vector<DnfRepoCache>& repos, const std::string& library) {
  const linux_util::LoadedLibrary handle = linux_util::LoadLibrary(library);
  if (handle == nullptr) {
    return UnimplementedError("cannot load " + library + ": " +
                              Str(::dlerror()));
  }
  LibsolvApi api;
  if (const std::vector<std::string> missing = BindLibsolv(handle.get(), &api);
      !missing.empty()) {
    std::string names;
    for (const std::string& name : missing) {
      names += names.empty() ? name : ", " + name;
    }
    return UnimplementedError(library + " lacks " + names);
  }
  const PoolOwner pool(api, api.create());
  if (api.set_disttype(pool.get(), DISTTYPE_RPM) == -1) {
    return UnimplementedError(library + " has no rpm version rules");
  }
  std::vector<DnfAvailable> available;
  std::vector<DnfAdvisory> advisories;
  for (const DnfRepoCache& repo : repos) {
    MAMORI_RETURN_IF_ERROR(
        ReadRepo(api, pool.get(), repo, &available, &advisories));
  }
  return SelectDnfUpdates(installed, available, advisories,
                          [&](std::string_view a, std::string_view b) {
                            const std::string sa(a);
                            const std::string sb(b);
                            return api.evrcmp_str(pool.get(), sa.c_str(),
                                                  sb.c_str(), EVRCMP_COMPARE);
                          });
}

}  // namespace mamori::facts
