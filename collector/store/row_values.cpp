#include "collector/store/row_values.h"

namespace mamori::store {

std::optional<TimePoint> OptionalTime(const std::optional<int64_t>& seconds) {
  if (!seconds.has_value()) return std::nullopt;
  return FromUnixSeconds(*seconds);
}

std::optional<int64_t> OptionalSeconds(const std::optional<TimePoint>& time) {
  if (!time.has_value()) return std::nullopt;
  return ToUnixSeconds(*time);
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string PackageKey(const PackageRow& row) {
  std::string key;
  key.reserve(row.name.size() + row.version.size() + row.architecture.size() +
              row.source.size() + row.publisher.size() + 4);
  key.append(row.name).push_back('\0');
  key.append(row.version).push_back('\0');
  key.append(row.architecture).push_back('\0');
  key.append(row.source).push_back('\0');
  key.append(row.publisher);
  return key;
}

}  // namespace mamori::store
