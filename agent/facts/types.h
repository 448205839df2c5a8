#pragma once

// The fact framework's common vocabulary: collection status, the gather
// context, and the conventions every family struct follows.
//
// A family is a plain struct mirroring its proto message field for field
// (same snake_case names) plus a `VisitFields(const Family&, V&)` template that
// lists the fields in proto order. That one list drives both writers:
// json_writer.h (nlohmann-json, platform-neutral) and proto_writer.h
// (protobuf reflection, Linux only). Type mapping:
//   string → std::string            uint32/int32/int64/uint64/double/bool →
//   same `optional` scalar → std::optional<T> google.protobuf.Timestamp →
//   std::optional<TimePoint> (unset = absent) enum → `enum class` with the
//   proto numbers and an `EnumName()` overload
//          returning the proto value name
//   message → nested struct (always written); `optional` message →
//          std::optional<Struct>; repeated → std::vector<...>
//
// When a source is missing, a family says so in its status. The rule used by
// each family is documented in its header; in short: a file that is part of
// every installation of the OS (os-release, passwd, dpkg status on Debian)
// missing → STATUS_UNSUPPORTED with the path in the message; an optional
// source (sudoers.d, reboot-required) missing → real absence inside a
// STATUS_OK family.
//
// Everything here is a value type; thread-safe to copy, not to mutate
// concurrently.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/text.h"

namespace mamori::facts {

// Mirrors mamori.v1.CollectionState.
enum class CollectionState : int {
  kUnspecified = 0,
  kOk = 1,
  kUnsupported = 2,
  kPermissionDenied = 3,
  kError = 4,
  kNotApplicable = 5,
};
// Returns the proto value name ("STATUS_OK"); "" for values outside the enum.
std::string_view EnumName(CollectionState state);

// Mirrors mamori.v1.CollectionStatus.
struct CollectionStatus {
  CollectionState state = CollectionState::kUnspecified;
  std::string message;
  int64_t error_code = 0;
  std::optional<TimePoint> collected_at;
  int64_t duration_us = 0;

  bool ok() const { return state == CollectionState::kOk; }
};

template <typename V>
void VisitFields(const CollectionStatus& s, V& v) {
  v("state", s.state);
  v("message", s.message);
  v("error_code", s.error_code);
  v("collected_at", s.collected_at);
  v("duration_us", s.duration_us);
}

// Status builders. The collection loop fills collected_at and duration_us.
CollectionStatus OkStatus();
CollectionStatus UnsupportedStatus(std::string message);
CollectionStatus NotApplicableStatus(std::string message);
CollectionStatus ErrorStatus(std::string message, int64_t error_code = 0);
// Maps a failed read to a family status: PERMISSION_DENIED →
// STATUS_PERMISSION_DENIED, NOT_FOUND and UNIMPLEMENTED → STATUS_UNSUPPORTED,
// anything else → STATUS_ERROR. The message keeps the Status text (it names
// the path). An OK Status gives STATUS_OK.
CollectionStatus StatusFromError(const Status& error);

// Where and how a family gathers.
struct GatherContext {
  // Empty = the live system; otherwise every file-based family reads under
  // this directory (a chroot or a mounted image).
  std::string root;
  const Clock* clock = &SystemClock::Instance();
  // False under --root: families that need /proc, /sys or netlink report
  // STATUS_UNSUPPORTED, because those show the running kernel, not the image.
  bool live_kernel = true;
  // The agent's state directory, where families may keep results that are
  // expensive to recompute while their inputs are unchanged (updates). Empty
  // = compute everything fresh and write nothing.
  std::string state_dir;

  // Returns `absolute` resolved under root ("/etc/passwd" →
  // "<root>/etc/passwd").
  std::string Path(std::string_view absolute) const {
    return JoinRoot(root, absolute);
  }
};

// A context for the live system, and one for reading a tree under `root`.
GatherContext LiveContext(const Clock* clock = &SystemClock::Instance());
GatherContext RootContext(std::string root,
                          const Clock* clock = &SystemClock::Instance());

// RFC 3339 in UTC exactly as protobuf prints a Timestamp: "Z" suffix and 0, 3,
// 6 or 9 fractional digits ("2026-11-23T10:00:00Z", "...:00.120Z").
std::string FormatRfc3339(TimePoint t);

}  // namespace mamori::facts

namespace mamori::facts {

// A visitor that ignores every field; used to detect fact structs.
struct IgnoreFields {
  template <typename T>
  void operator()(std::string_view /*name*/, const T& /*value*/) {}
};

// A fact struct is any type with a VisitFields overload (found by ADL).
template <typename T>
concept FactStruct = requires(const T& value, IgnoreFields& visitor) {
  VisitFields(value, visitor);
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

}  // namespace mamori::facts
