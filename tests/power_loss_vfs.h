#pragma once

// PowerLossVfs: a SQLite VFS over the default one that keeps every write in
// memory until the file is synced (xSync), as a disk cache does, and can
// "lose power": from PowerOff() on, nothing more reaches the disk (writes,
// syncs, truncations and deletions are dropped), so the files left on disk
// are exactly what was synced. Reads see the unsynced writes, so SQLite runs
// normally until then. Used to prove that an acknowledged report survives a
// power loss (issue 13.7).
//
// Thread safety: the VFS may be used by several connections and threads;
// Install/Uninstall/PowerOff from the test's thread.

#include <string>

namespace mamori::testing {

class PowerLossVfs {
 public:
  // Registers the VFS as SQLite's default. Returns false when SQLite refuses.
  static bool Install();
  // Restores the previous default VFS and forgets all unsynced writes.
  static void Uninstall();
  // From now on nothing reaches the disk.
  static void PowerOff();
  // Bytes written but not yet synced, over all files (for the test to show
  // that something was pending).
  static size_t UnsyncedBytes();
};

}  // namespace mamori::testing
