#include "collector/register/decode_budget.h"

namespace mamori::asset_register {

Status DecodeBudget::Exceeded(std::string_view where) const {
  const std::string mib = std::to_string(limit_ >> 20);
  return InvalidArgumentError(
      std::string(where) + ": the file holds more than " + mib +
      " MiB of cell data once decoded (a shared string counts once for every "
      "cell that uses it, and a row counts every column up to its last "
      "cell); delete unused cells far to the right or split the file / "
      "展開後のセルデータが " +
      mib +
      " MiB を超えます "
      "(共有文字列は使うセルごと、行は最後のセルの列まで数えます)。"
      "右端の不要なセルを削除するか、ファイルを分割してください");
}

}  // namespace mamori::asset_register
