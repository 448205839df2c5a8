#pragma once

// DecodeBudget: how much memory one imported register file may take once
// decoded into Tables. A file's size says little about that: an XLSX shared
// string is copied into every cell that uses it, a row is padded with empty
// cells up to its last cell (column XFD = 16,384 cells), and every CSV comma
// is a cell. So the readers charge each row, cell (padding included), text
// and shared string to one budget per file, and refuse the file once it is
// spent, before the memory is taken. Not thread-safe: one per file read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/register/layout.h"
#include "common/status.h"

namespace mamori::asset_register {

// Decoded bytes one file (a workbook, all sheets together, or a CSV file)
// may take. A 10,000-row register of 15 columns takes about 10 MiB.
inline constexpr size_t kMaxDecodedBytes = 64u << 20;

class DecodeBudget {
 public:
  // What a row costs before its cells, and a cell besides its text.
  static constexpr size_t kRowBytes =
      sizeof(std::vector<Cell>) + sizeof(int64_t);
  static constexpr size_t kCellBytes = sizeof(Cell);

  explicit DecodeBudget(size_t limit = kMaxDecodedBytes) : limit_(limit) {}

  // Counts `bytes` more. Returns false once the total is over the limit
  // (and from then on).
  [[nodiscard]] bool Charge(size_t bytes) {
    if (!Fits(bytes)) {
      used_ = limit_ + 1;
      return false;
    }
    used_ += bytes;
    return true;
  }
  // True when `bytes` more would still fit (nothing is counted).
  bool Fits(size_t bytes) const {
    return used_ <= limit_ && bytes <= limit_ - used_;
  }
  bool spent() const { return used_ > limit_; }
  size_t limit() const { return limit_; }

  // INVALID_ARGUMENT for a file that needs more than the limit, naming
  // `where` (sheet and row, or CSV record), in English and Japanese.
  Status Exceeded(std::string_view where) const;

 private:
  size_t limit_;
  size_t used_ = 0;
};

}  // namespace mamori::asset_register
