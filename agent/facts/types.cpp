#include "agent/facts/types.h"

#include <cstdio>
#include <utility>

namespace mamori::facts {

std::string_view EnumName(CollectionState state) {
  switch (state) {
    case CollectionState::kUnspecified:
      return "COLLECTION_STATE_UNSPECIFIED";
    case CollectionState::kOk:
      return "STATUS_OK";
    case CollectionState::kUnsupported:
      return "STATUS_UNSUPPORTED";
    case CollectionState::kPermissionDenied:
      return "STATUS_PERMISSION_DENIED";
    case CollectionState::kError:
      return "STATUS_ERROR";
    case CollectionState::kNotApplicable:
      return "STATUS_NOT_APPLICABLE";
  }
  return "";
}

CollectionStatus OkStatus() {
  CollectionStatus s;
  s.state = CollectionState::kOk;
  return s;
}

CollectionStatus UnsupportedStatus(std::string message) {
  CollectionStatus s;
  s.state = CollectionState::kUnsupported;
  s.message = std::move(message);
  return s;
}

CollectionStatus NotApplicableStatus(std::string message) {
  CollectionStatus s;
  s.state = CollectionState::kNotApplicable;
  s.message = std::move(message);
  return s;
}

CollectionStatus ErrorStatus(std::string message, int64_t error_code) {
  CollectionStatus s;
  s.state = CollectionState::kError;
  s.message = std::move(message);
  s.error_code = error_code;
  return s;
}

CollectionStatus StatusFromError(const Status& error) {
  CollectionStatus s;
  switch (error.code()) {
    case StatusCode::kOk:
      return OkStatus();
    case StatusCode::kPermissionDenied:
      s.state = CollectionState::kPermissionDenied;
      break;
    case StatusCode::kNotFound:
    case StatusCode::kUnimplemented:
      s.state = CollectionState::kUnsupported;
      break;
    default:
      s.state = CollectionState::kError;
      break;
  }
  s.message = error.message();
  return s;
}

GatherContext LiveContext(const Clock* clock) {
  GatherContext ctx;
  ctx.clock = clock;
  return ctx;
}

GatherContext RootContext(std::string root, const Clock* clock) {
  GatherContext ctx;
  ctx.root = std::move(root);
  ctx.clock = clock;
  ctx.live_kernel = false;
  return ctx;
}

std::string FormatRfc3339(TimePoint t) {
  using std::chrono::floor;
  const auto ns_since_epoch =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          t.time_since_epoch());
  const auto day = floor<std::chrono::days>(ns_since_epoch);
  const std::chrono::year_month_day ymd{std::chrono::sys_days(day)};
  auto rest = ns_since_epoch - day;
  const auto hours = floor<std::chrono::hours>(rest);
  rest -= hours;
  const auto minutes = floor<std::chrono::minutes>(rest);
  rest -= minutes;
  const auto seconds = floor<std::chrono::seconds>(rest);
  const int64_t nanos = (rest - seconds).count();

  char buf[64];
  std::snprintf(
      buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(hours.count()),
      static_cast<int>(minutes.count()), static_cast<int>(seconds.count()));
  std::string out = buf;
  // protobuf uses the shortest of 0, 3, 6 or 9 digits that is exact.
  if (nanos != 0) {
    if (nanos % 1000000 == 0) {
      std::snprintf(buf, sizeof buf, ".%03lld",
                    static_cast<long long>(nanos / 1000000));
    } else if (nanos % 1000 == 0) {
      std::snprintf(buf, sizeof buf, ".%06lld",
                    static_cast<long long>(nanos / 1000));
    } else {
      std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(nanos));
    }
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace mamori::facts
