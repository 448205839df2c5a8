#pragma once

// JSON reader for fact structs: the inverse of json_writer.h, driven by the
// same VisitFields list, so a family can keep its last result in the state
// directory (service_exposure's daily cache) and read it back without a
// hand-written parser per struct. Absent members keep their defaults; a
// member of the wrong JSON type, an enum name the struct does not know or a
// malformed timestamp is an INVALID_ARGUMENT naming the member. Unknown
// members are ignored (a newer agent may have written them). Pure and
// thread-safe.
//
// VisitFields takes a const struct (it is shared with the writers); the reader
// assigns through const_cast on an object it owns, which is well defined.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

#include "agent/facts/json_writer.h"

namespace mamori::facts {

template <FactStruct S>
Status FromJson(const Json& json, S* out);

namespace json_internal {

// Parses "YYYY-MM-DDTHH:MM:SS[.frac]Z" (as FormatRfc3339 writes it).
inline bool ParseRfc3339Utc(const std::string& s, TimePoint* out) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s.back() != 'Z' ||
      std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi,
                  &sec) != 6) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return false;
  int64_t nanos = 0;
  if (s[19] == '.') {
    int digits = 0;
    for (size_t i = 20; i + 1 < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9' || digits == 9) return false;
      nanos = nanos * 10 + (s[i] - '0');
      ++digits;
    }
    for (; digits < 9; ++digits) nanos *= 10;
  } else if (s.size() != 20) {
    return false;
  }
  const int yy = y - (mo <= 2 ? 1 : 0);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t days = static_cast<int64_t>(era) * 146097 + yoe * 365 +
                       yoe / 4 - yoe / 100 + doy - 719468;
  *out = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(days * 86400 + h * 3600 + mi * 60 + sec) +
      std::chrono::nanoseconds(nanos)));
  return true;
}

template <typename T>
bool ReadValue(const Json& j, T* out, std::string* error,
               const std::string& name) {
  const auto bad = [&](const char* want) {
    *error = "member \"" + name + "\" is not " + want;
    return false;
  };
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return bad("a string");
    *out = j.template get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return bad("a boolean");
    *out = j.template get<bool>();
  } else if constexpr (std::is_enum_v<T>) {
    if (!j.is_string()) return bad("an enum name");
    const std::string text = j.template get<std::string>();
    for (int i = 0; i < 256; ++i) {
      if (EnumName(static_cast<T>(i)) == text && !text.empty()) {
        *out = static_cast<T>(i);
        return true;
      }
    }
    return bad("a known enum name");
  } else if constexpr (std::is_same_v<T, int64_t> ||
                       std::is_same_v<T, uint64_t>) {
    if (!j.is_string()) return bad("a decimal string");
    const std::string text = j.template get<std::string>();
    try {
      size_t used = 0;
      if constexpr (std::is_same_v<T, int64_t>) {
        *out = std::stoll(text, &used);
      } else {
        *out = std::stoull(text, &used);
      }
      if (used != text.size()) return bad("a decimal string");
    } catch (const std::exception&) {
      return bad("a decimal string in range");
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) return bad("a number");
    *out = j.template get<T>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) return bad("an integer");
    *out = j.template get<T>();
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    if (!j.is_string() ||
        !ParseRfc3339Utc(j.template get<std::string>(), out)) {
      return bad("an RFC 3339 UTC timestamp");
    }
  } else if constexpr (IsOptional<T>::value) {
    typename T::value_type v{};
    if (!ReadValue(j, &v, error, name)) return false;
    *out = std::move(v);
  } else if constexpr (IsVector<T>::value) {
    if (!j.is_array()) return bad("an array");
    out->clear();
    for (const Json& element : j) {
      typename T::value_type v{};
      if (!ReadValue(element, &v, error, name)) return false;
      out->push_back(std::move(v));
    }
  } else {
    static_assert(FactStruct<T>, "unsupported fact field type");
    if (!j.is_object()) return bad("an object");
    Status st = FromJson(j, out);
    if (!st.ok()) {
      *error = name + "." + st.message();
      return false;
    }
  }
  return true;
}

class FieldReader {
 public:
  FieldReader(const Json* in, std::string* error) : in_(in), error_(error) {}
  template <typename T>
  void operator()(std::string_view name, const T& value) {
    if (!error_->empty()) return;
    const auto it = in_->find(std::string(name));
    if (it == in_->end()) return;
    ReadValue(*it, const_cast<T*>(&value), error_, std::string(name));
  }

 private:
  const Json* in_;
  std::string* error_;
};

}  // namespace json_internal

// Fills `out` from `json` (an object written by ToJson). Returns OK or
// INVALID_ARGUMENT naming the first member that could not be read.
template <FactStruct S>
Status FromJson(const Json& json, S* out) {
  if (!json.is_object()) return InvalidArgumentError("not a JSON object");
  std::string error;
  json_internal::FieldReader reader(&json, &error);
  VisitFields(static_cast<const S&>(*out), reader);
  if (!error.empty()) return InvalidArgumentError(error);
  return Status();
}

}  // namespace mamori::facts
