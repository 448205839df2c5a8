#pragma once

// JSON writer for fact structs: the proto3 JSON mapping with proto field
// names, produced from a struct's VisitFields list without protobuf (the
// Windows mamori-facts.exe has no protobuf). The output is the same JSON value
// as google::protobuf::util::MessageToJsonString(preserve_proto_field_names)
// of the proto writer's message (json_writer_test proves it per family):
//   - scalars, strings, enums and repeated fields at their default (0, "",
//     false, value 0, empty) are omitted; std::optional set → written even
//     when default; nested structs are always written;
//   - enums as proto value names, int64/uint64 as decimal strings,
//     Timestamps as RFC 3339 UTC, integral doubles without ".0";
//   - invalid UTF-8 is replaced with U+FFFD (protobuf refuses it).
// Fields come out in proto order. Pure and thread-safe.

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "agent/facts/types.h"

namespace mamori::facts {

using Json = nlohmann::ordered_json;

template <FactStruct S>
Json ToJson(const S& value);

namespace json_internal {

inline std::string CleanString(const std::string& s) {
  return IsValidUtf8(s) ? s : SanitizeUtf8(s);
}

// True when a non-optional field holding `v` appears in proto3 JSON output.
template <typename T>
bool IsPresent(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || IsVector<T>::value) {
    return !v.empty();
  } else if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<int>(v) != 0;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return v != 0;
  } else if constexpr (IsOptional<T>::value) {
    return v.has_value();
  } else {
    static_assert(FactStruct<T>, "unsupported fact field type");
    return true;
  }
}

template <typename T>
Json ValueToJson(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return CleanString(v);
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(EnumName(v));
  } else if constexpr (std::is_same_v<T, int64_t> ||
                       std::is_same_v<T, uint64_t>) {
    return std::to_string(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    // protobuf prints 24.0 as 24; nlohmann would print 24.0.
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.0e15) {
      return static_cast<int64_t>(v);
    }
    return v;
  } else if constexpr (std::is_integral_v<T>) {
    return v;  // bool and 32-bit integers are JSON literals
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    return FormatRfc3339(v);
  } else if constexpr (IsOptional<T>::value) {
    return ValueToJson(*v);
  } else if constexpr (IsVector<T>::value) {
    Json array = Json::array();
    for (const auto& element : v) array.push_back(ValueToJson(element));
    return array;
  } else {
    static_assert(FactStruct<T>, "unsupported fact field type");
    return ToJson(v);
  }
}

class FieldWriter {
 public:
  explicit FieldWriter(Json* out) : out_(out) {}
  template <typename T>
  void operator()(std::string_view name, const T& value) {
    if (IsPresent(value)) (*out_)[std::string(name)] = ValueToJson(value);
  }

 private:
  Json* out_;
};

}  // namespace json_internal

// Returns the struct as a JSON object (possibly empty).
template <FactStruct S>
Json ToJson(const S& value) {
  Json out = Json::object();
  json_internal::FieldWriter writer(&out);
  VisitFields(value, writer);
  return out;
}

// Returns the compact JSON text ("{...}") of the struct, byte for byte as
// protobuf prints it: protobuf also escapes '<' and '>' (as \u003c, \u003e),
// which can only occur inside strings in JSON text.
template <FactStruct S>
std::string ToJsonString(const S& value) {
  const std::string text = ToJson(value).dump();
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace mamori::facts
