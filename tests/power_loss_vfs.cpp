#include "tests/power_loss_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mamori::testing {
namespace {

struct Write {
  sqlite3_int64 offset;
  std::string bytes;
};

std::mutex g_mu;
// Unsynced writes per file path, in the order they were made.
std::map<std::string, std::vector<Write>> g_pending;
std::atomic<bool> g_off{false};
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // the real VFS's file, stored right after this struct
  std::string* path;   // set for files whose writes are held back
};

sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<File*>(file)->real;
}
const std::string* PathOf(sqlite3_file* file) {
  return reinterpret_cast<File*>(file)->path;
}

// Size of the file as the writer sees it: on disk or extended by writes.
sqlite3_int64 PendingEnd(const std::string& path) {
  sqlite3_int64 end = 0;
  for (const Write& w : g_pending[path]) {
    end = std::max<sqlite3_int64>(
        end, w.offset + static_cast<sqlite3_int64>(w.bytes.size()));
  }
  return end;
}

int Close(sqlite3_file* file) {
  File* f = reinterpret_cast<File*>(file);
  int rc = f->real->pMethods->xClose(f->real);
  delete f->path;
  f->path = nullptr;
  return rc;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = Real(file);
  int rc = real->pMethods->xRead(real, buffer, amount, offset);
  const std::string* path = PathOf(file);
  if (path == nullptr || (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)) {
    return rc;
  }
  std::lock_guard<std::mutex> lock(g_mu);
  auto* out = static_cast<char*>(buffer);
  const sqlite3_int64 end = offset + amount;
  for (const Write& w : g_pending[*path]) {
    const sqlite3_int64 w_end =
        w.offset + static_cast<sqlite3_int64>(w.bytes.size());
    const sqlite3_int64 from = std::max(offset, w.offset);
    const sqlite3_int64 to = std::min(end, w_end);
    if (from < to) {
      std::memcpy(out + (from - offset), w.bytes.data() + (from - w.offset),
                  static_cast<size_t>(to - from));
    }
  }
  if (rc == SQLITE_IOERR_SHORT_READ) {
    sqlite3_int64 on_disk = 0;
    real->pMethods->xFileSize(real, &on_disk);
    if (std::max(on_disk, PendingEnd(*path)) >= end) rc = SQLITE_OK;
  }
  return rc;
}

int WriteFile(sqlite3_file* file, const void* buffer, int amount,
              sqlite3_int64 offset) {
  const std::string* path = PathOf(file);
  if (path == nullptr) {
    return Real(file)->pMethods->xWrite(Real(file), buffer, amount, offset);
  }
  if (g_off) return SQLITE_OK;
  std::lock_guard<std::mutex> lock(g_mu);
  g_pending[*path].push_back(
      {offset, std::string(static_cast<const char*>(buffer),
                           static_cast<size_t>(amount))});
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  const std::string* path = PathOf(file);
  if (path != nullptr) {
    if (g_off) return SQLITE_OK;
    std::lock_guard<std::mutex> lock(g_mu);
    for (Write& w : g_pending[*path]) {
      if (w.offset >= size) {
        w.bytes.clear();
      } else if (w.offset + static_cast<sqlite3_int64>(w.bytes.size()) > size) {
        w.bytes.resize(static_cast<size_t>(size - w.offset));
      }
    }
  }
  return Real(file)->pMethods->xTruncate(Real(file), size);
}

int Sync(sqlite3_file* file, int flags) {
  const std::string* path = PathOf(file);
  sqlite3_file* real = Real(file);
  if (path != nullptr) {
    if (g_off) return SQLITE_OK;
    std::vector<Write> writes;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      writes.swap(g_pending[*path]);
    }
    for (const Write& w : writes) {
      if (w.bytes.empty()) continue;
      int rc = real->pMethods->xWrite(
          real, w.bytes.data(), static_cast<int>(w.bytes.size()), w.offset);
      if (rc != SQLITE_OK) return rc;
    }
  }
  return real->pMethods->xSync(real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  int rc = Real(file)->pMethods->xFileSize(Real(file), size);
  const std::string* path = PathOf(file);
  if (rc == SQLITE_OK && path != nullptr) {
    std::lock_guard<std::mutex> lock(g_mu);
    *size = std::max(*size, PendingEnd(*path));
  }
  return rc;
}

int Lock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xLock(Real(f), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  // Size hints would make the real file grow behind the held-back writes.
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) {
    return SQLITE_OK;
  }
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Real(f)->pMethods->xSectorSize(Real(f));
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend,
           void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  File* f = reinterpret_cast<File*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->path = nullptr;
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->base.pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = &g_methods;
  constexpr int kHeld =
      SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL;
  if (name != nullptr && (flags & kHeld) != 0) f->path = new std::string(name);
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  if (g_off) return SQLITE_OK;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_pending.erase(name);
  }
  return g_real->xDelete(g_real, name, sync_dir);
}

int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
int Randomness(sqlite3_vfs*, int n, char* out) {
  return g_real->xRandomness(g_real, n, out);
}
int Sleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int CurrentTime(sqlite3_vfs*, double* out) {
  return g_real->xCurrentTime(g_real, out);
}
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError(g_real, n, out);
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

}  // namespace

bool PowerLossVfs::Install() {
  g_real = sqlite3_vfs_find(nullptr);
  if (g_real == nullptr) return false;
  g_off = false;
  g_methods = {};
  g_methods.iVersion = 2;  // WAL's shared memory, no memory mapping
  g_methods.xClose = Close;
  g_methods.xRead = Read;
  g_methods.xWrite = WriteFile;
  g_methods.xTruncate = Truncate;
  g_methods.xSync = Sync;
  g_methods.xFileSize = FileSize;
  g_methods.xLock = Lock;
  g_methods.xUnlock = Unlock;
  g_methods.xCheckReservedLock = CheckReservedLock;
  g_methods.xFileControl = FileControl;
  g_methods.xSectorSize = SectorSize;
  g_methods.xDeviceCharacteristics = DeviceCharacteristics;
  g_methods.xShmMap = ShmMap;
  g_methods.xShmLock = ShmLock;
  g_methods.xShmBarrier = ShmBarrier;
  g_methods.xShmUnmap = ShmUnmap;
  g_vfs = {};
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
  g_vfs.mxPathname = g_real->mxPathname;
  g_vfs.zName = "mamori-power-loss";
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_vfs.xAccess = Access;
  g_vfs.xFullPathname = FullPathname;
  g_vfs.xDlOpen = g_real->xDlOpen;
  g_vfs.xDlError = g_real->xDlError;
  g_vfs.xDlSym = g_real->xDlSym;
  g_vfs.xDlClose = g_real->xDlClose;
  g_vfs.xRandomness = Randomness;
  g_vfs.xSleep = Sleep;
  g_vfs.xCurrentTime = CurrentTime;
  g_vfs.xGetLastError = GetLastError;
  g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  return sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK;
}

void PowerLossVfs::Uninstall() {
  sqlite3_vfs_unregister(&g_vfs);
  if (g_real != nullptr) sqlite3_vfs_register(g_real, 1);
  std::lock_guard<std::mutex> lock(g_mu);
  g_pending.clear();
  g_off = false;
}

void PowerLossVfs::PowerOff() { g_off = true; }

size_t PowerLossVfs::UnsyncedBytes() {
  std::lock_guard<std::mutex> lock(g_mu);
  size_t bytes = 0;
  for (const auto& [path, writes] : g_pending) {
    for (const Write& w : writes) bytes += w.bytes.size();
  }
  return bytes;
}

}  // namespace mamori::testing
