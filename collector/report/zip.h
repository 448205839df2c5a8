#pragma once

// A small ZIP writer and a defensive ZIP reader for evidence packs (#15).
//
// ZipWriter streams entries to an output callback as they are added (one
// entry's compressed bytes in memory at a time; only the central directory
// grows with the entry count). Output is deterministic: every entry gets the
// same given timestamp, no extra fields, deflate at a fixed level, Unix
// permissions 0644 — the same entries in the same order give the same bytes.
// No ZIP64: at most 65,535 entries and 4 GiB.
//
// ReadZip is for packs received from elsewhere: it checks every entry's
// name (no absolute path, "..", ".", backslash, drive letter, control
// character or invalid UTF-8; no duplicates), refuses encryption and
// methods other than stored/deflate, bounds each entry and the total
// uncompressed size and the compression ratio (zip bombs), never trusts the
// declared sizes (inflation stops at the declared size and must reach it
// exactly) and checks each CRC-32.
//
// Thread-compatible.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::report {

class ZipWriter {
 public:
  // `sink` receives the archive's bytes in order; an error from it stops
  // the writer (later calls return it).
  using Sink = std::function<Status(std::string_view bytes)>;
  ZipWriter(Sink sink, TimePoint timestamp);

  // Adds one file. INVALID_ARGUMENT for an unsafe name (ValidateEntryName),
  // RESOURCE_EXHAUSTED past 65,535 entries or 4 GiB.
  Status Add(const std::string& name, std::string_view data);
  // Writes the central directory. No Add afterwards.
  Status Finish();

  uint64_t bytes_written() const { return offset_; }

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0;
    uint32_t compressed = 0;
    uint32_t size = 0;
    uint32_t offset = 0;
    uint16_t method = 0;
  };
  Status Emit(std::string_view bytes);

  Sink sink_;
  uint16_t dos_time_ = 0;
  uint16_t dos_date_ = 0;
  uint64_t offset_ = 0;
  std::vector<Entry> entries_;
  Status error_;
  bool finished_ = false;
};

// OK when `name` is a safe relative path of '/'-separated components.
Status ValidateEntryName(std::string_view name);

struct ZipLimits {
  uint64_t max_entries = 100'000;
  uint64_t max_entry_bytes = 512ull << 20;
  uint64_t max_total_bytes = 2ull << 30;
  // Uncompressed / compressed beyond this (for entries over 1 MiB) is a bomb.
  uint64_t max_ratio = 200;
};

// Reads the archive `data`, calling `fn(name, content)` per entry in
// central-directory order. Errors: INVALID_ARGUMENT naming the entry and
// what is wrong (bad name, duplicate, bad CRC, truncated, inconsistent
// headers), RESOURCE_EXHAUSTED for a limit (zip bomb); or fn's error.
Status ReadZip(std::string_view data, const ZipLimits& limits,
               const std::function<Status(const std::string& name,
                                          std::string_view content)>& fn);

}  // namespace mamori::report
