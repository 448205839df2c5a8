#include "collector/service/report_convert.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "collector/pki/crypto.h"
#include "common/text.h"
#include "proto/wire/families.h"
#include "proto/wire/part_digest.h"

namespace mamori::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
// protobuf's JSON form can express.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

// A field path built only when a check fails: each level points at its
// parent, so checking a report allocates no strings.
struct PathNode {
  const PathNode* parent = nullptr;
  const FieldDescriptor* field = nullptr;
  int index = -1;  // element of a repeated field, or -1
};

std::string PathText(const PathNode* node) {
  if (node == nullptr || node->field == nullptr) return "";
  std::string text = PathText(node->parent);
  if (!text.empty()) text += '.';
  text += node->field->name();
  if (node->index >= 0) text += "[" + std::to_string(node->index) + "]";
  return text;
}

Status CheckTimestamp(const Message& message, const PathNode* path) {
  const auto& ts = static_cast<const google::protobuf::Timestamp&>(message);
  if (ts.seconds() < kMinTimestampSeconds ||
      ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999'999'999) {
    return InvalidArgumentError(
        PathText(path) +
        ": timestamp out of range (seconds=" + std::to_string(ts.seconds()) +
        ", nanos=" + std::to_string(ts.nanos()) + ")");
  }
  return Status::Ok();
}

Status StringTooLong(const PathNode& at, size_t size, const Limits& limits) {
  return InvalidArgumentError(PathText(&at) + ": " + std::to_string(size) +
                              " bytes exceed the limit of " +
                              std::to_string(limits.max_string_bytes));
}

// What CheckMessage must know of a message type when no string or list can
// exceed its limit: whether a Timestamp or a recursive type (unbounded
// depth) is somewhere below it, and else how many levels of messages it
// nests. Computed once per type.
struct TypeShape {
  bool needs_walk = true;
  int height = 0;  // levels of messages below this one (when !needs_walk)
};

// The caches below are process-wide behind a reader-writer lock, not
// thread_local: a thread_local with a destructor crashes its thread at exit
// on mingw-w64 (common/sha256.cpp), and the self-check links this file into
// the Windows agent.
TypeShape ShapeOf(const Descriptor* descriptor) {
  static std::shared_mutex mu;
  static std::unordered_map<const Descriptor*, TypeShape> cache;
  {
    std::shared_lock<std::shared_mutex> read(mu);
    auto found = cache.find(descriptor);
    // Entries are final once the writer below releases the lock.
    if (found != cache.end()) return found->second;
  }
  std::unique_lock<std::shared_mutex> lock(mu);
  // Depth-first over message fields; a type met again while being visited
  // is recursive.
  std::function<TypeShape(const Descriptor*)> visit = [&](const Descriptor* d) {
    auto it = cache.find(d);
    if (it != cache.end()) return it->second;
    TypeShape shape;  // needs_walk: also while in progress (recursion)
    cache.emplace(d, shape);
    if (d != google::protobuf::Timestamp::descriptor()) {
      shape.needs_walk = false;
      for (int f = 0; f < d->field_count() && !shape.needs_walk; ++f) {
        const FieldDescriptor* field = d->field(f);
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
        const TypeShape child = visit(field->message_type());
        shape.needs_walk = child.needs_walk;
        shape.height = std::max(shape.height, child.height + 1);
      }
    }
    cache[d] = shape;
    return shape;
  };
  return visit(descriptor);
}

// Walks the descriptor's fields rather than Reflection::ListFields (no
// vector per message); unset fields pass every check trivially. With
// `sizes_bounded` (the whole message is smaller than the string and list
// limits, so no string or list can exceed them) only timestamps and depth
// are checked, and subtrees without either are skipped.
Status CheckMessage(const Message& message, const PathNode* path,
                    const Limits& limits, int depth, bool sizes_bounded) {
  if (depth > limits.max_depth) {
    return InvalidArgumentError(PathText(path) + ": nested too deeply");
  }
  const Descriptor* descriptor = message.GetDescriptor();
  if (descriptor == google::protobuf::Timestamp::descriptor()) {
    return CheckTimestamp(message, path);
  }
  const Reflection* reflection = message.GetReflection();
  const int field_count = descriptor->field_count();
  for (int f = 0; f < field_count; ++f) {
    const FieldDescriptor* field = descriptor->field(f);
    const FieldDescriptor::CppType type = field->cpp_type();
    if (sizes_bounded) {
      if (type != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const TypeShape shape = ShapeOf(field->message_type());
      if (!shape.needs_walk && depth + 1 + shape.height <= limits.max_depth) {
        continue;
      }
    }
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      if (size == 0) continue;
      if (size > limits.max_list_entries) {
        PathNode at{path, field, -1};
        return InvalidArgumentError(PathText(&at) + ": " +
                                    std::to_string(size) +
                                    " entries exceed the limit of " +
                                    std::to_string(limits.max_list_entries));
      }
      if (type == FieldDescriptor::CPPTYPE_STRING) {
        for (int i = 0; i < size; ++i) {
          std::string scratch;
          const std::string& value = reflection->GetRepeatedStringReference(
              message, field, i, &scratch);
          if (value.size() > limits.max_string_bytes) {
            return StringTooLong(PathNode{path, field, i}, value.size(),
                                 limits);
          }
        }
      } else if (type == FieldDescriptor::CPPTYPE_MESSAGE) {
        for (int i = 0; i < size; ++i) {
          PathNode at{path, field, i};
          MAMORI_RETURN_IF_ERROR(
              CheckMessage(reflection->GetRepeatedMessage(message, field, i),
                           &at, limits, depth + 1, sizes_bounded));
        }
      }
      continue;
    }
    if (type == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& value =
          reflection->GetStringReference(message, field, &scratch);
      if (value.size() > limits.max_string_bytes) {
        return StringTooLong(PathNode{path, field, -1}, value.size(), limits);
      }
    } else if (type == FieldDescriptor::CPPTYPE_MESSAGE &&
               reflection->HasField(message, field)) {
      PathNode at{path, field, -1};
      MAMORI_RETURN_IF_ERROR(
          CheckMessage(reflection->GetMessage(message, field), &at, limits,
                       depth + 1, sizes_bounded));
    }
  }
  return Status::Ok();
}

Status CheckId(const std::string& value, const std::string& name,
               const Limits& limits) {
  if (value.size() > limits.max_id_bytes) {
    return InvalidArgumentError(name + ": " + std::to_string(value.size()) +
                                " bytes exceed the limit of " +
                                std::to_string(limits.max_id_bytes));
  }
  return Status::Ok();
}

// The family's "status" field, looked up once per type.
const FieldDescriptor* StatusField(const Descriptor* descriptor) {
  static std::shared_mutex mu;
  static std::unordered_map<const Descriptor*, const FieldDescriptor*> known;
  {
    std::shared_lock<std::shared_mutex> read(mu);
    auto found = known.find(descriptor);
    if (found != known.end()) return found->second;
  }
  const FieldDescriptor* field = descriptor->FindFieldByName("status");
  std::unique_lock<std::shared_mutex> lock(mu);
  known.emplace(descriptor, field);
  return field;
}

std::string StateName(const Message& family) {
  const FieldDescriptor* status_field = StatusField(family.GetDescriptor());
  if (status_field == nullptr ||
      !family.GetReflection()->HasField(family, status_field)) {
    return "COLLECTION_STATE_UNSPECIFIED";
  }
  const auto& status = static_cast<const v1::CollectionStatus&>(
      family.GetReflection()->GetMessage(family, status_field));
  return v1::CollectionState_Name(status.state());
}

std::optional<int64_t> FamilyCollectedAt(const Message& family) {
  const FieldDescriptor* status_field = StatusField(family.GetDescriptor());
  if (status_field == nullptr ||
      !family.GetReflection()->HasField(family, status_field)) {
    return std::nullopt;
  }
  const auto& status = static_cast<const v1::CollectionStatus&>(
      family.GetReflection()->GetMessage(family, status_field));
  if (!status.has_collected_at()) return std::nullopt;
  return status.collected_at().seconds();
}

// ---------------------------------------------------------------------------
// Protobuf JSON without protobuf's converter.
//
// util::MessageToJsonString with always_print_primitive_fields goes through
// DefaultValueObjectWriter (serialise, re-parse, build a tree of every field,
// print), ≈0.1 ms for one small family on this machine: the largest single
// cost of a steady report. PrintJson walks the message by reflection and
// writes the same bytes (report_convert_test compares it with protobuf on
// randomly filled messages of every family): fields in declaration order;
// singular scalars, strings and enums without presence and all repeated
// fields always; fields with presence (messages, `optional`, oneof members)
// only when set; 64-bit integers as strings; enums by name (unknown values
// as numbers); doubles as protobuf's SimpleDtoa; Timestamps in RFC 3339 with
// 0, 3, 6 or 9 fractional digits; bytes in base64; strings escaped as
// protobuf's JsonEscaping does. Returns false for what it does not handle
// (other well-known types, invalid UTF-8, out-of-range timestamps), and the
// caller falls back to protobuf.

constexpr char kHexDigits[] = "0123456789abcdef";

// Code points protobuf's JSON escaping writes as \uXXXX besides the C0/C1
// controls: invisible and formatting characters.
bool IsInvisible(uint32_t cp) {
  return cp == 0x00ad || (cp >= 0x0600 && cp <= 0x0603) || cp == 0x06dd ||
         cp == 0x070f || cp == 0x17b4 || cp == 0x17b5 ||
         (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f) ||
         cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) || cp == 0x110bd ||
         (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 ||
         (cp >= 0xe0020 && cp <= 0xe007f);
}

void AppendU16Escape(uint32_t unit, std::string* out) {
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) {
    out->push_back(kHexDigits[(unit >> shift) & 0xf]);
  }
}

void AppendCodePointEscape(uint32_t cp, std::string* out) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    AppendU16Escape(0xd800 + (cp >> 10), out);
    AppendU16Escape(0xdc00 + (cp & 0x3ff), out);
  } else {
    AppendU16Escape(cp, out);
  }
}

// Appends `text` as a JSON string. False for invalid UTF-8.
bool AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '<':
        case '>':
        case 0x7f:
          AppendU16Escape(c, out);
          break;
        default:
          if (c < 0x20) {
            AppendU16Escape(c, out);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: decode to check it and to spot escapes.
    size_t length = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      length = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + length > n) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) ||
        (length == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    if (cp < 0xa0 || IsInvisible(cp)) {
      AppendCodePointEscape(cp, out);
    } else {
      out->append(text.substr(i, length));
    }
    i += length;
  }
  out->push_back('"');
  return true;
}

// protobuf's SimpleDtoa / SimpleFtoa: the shortest of %.15g/%.17g (%.6g/%.9g)
// that reads back as the same value.
void AppendDouble(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (std::strtod(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  }
  out->append(buffer);
}

void AppendFloat(float value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", static_cast<double>(value));
  if (std::strtof(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof(buffer), "%.9g", static_cast<double>(value));
  }
  out->append(buffer);
}

void AppendBase64(const std::string& bytes, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out->push_back('"');
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out->push_back(kAlphabet[(v >> 18) & 63]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(kAlphabet[(v >> 6) & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out->push_back(kAlphabet[(v >> 18) & 63]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
  out->push_back('"');
}

// RFC 3339 UTC with 0, 3, 6 or 9 fractional digits, as protobuf's
// TimeUtil::ToString. False outside 0001-01-01..9999-12-31 or for bad nanos.
bool AppendTimestamp(const google::protobuf::Timestamp& ts, std::string* out) {
  if (ts.seconds() < kMinTimestampSeconds ||
      ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999'999'999) {
    return false;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t days = ts.seconds() / 86400;
  int64_t secs = ts.seconds() % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buffer[48];
  std::snprintf(buffer, sizeof(buffer), "\"%04d-%02d-%02dT%02d:%02d:%02d",
                static_cast<int>(year), static_cast<int>(month),
                static_cast<int>(day), static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  out->append(buffer);
  const int32_t nanos = ts.nanos();
  if (nanos != 0) {
    if (nanos % 1'000'000 == 0) {
      std::snprintf(buffer, sizeof(buffer), ".%03d", nanos / 1'000'000);
    } else if (nanos % 1'000 == 0) {
      std::snprintf(buffer, sizeof(buffer), ".%06d", nanos / 1'000);
    } else {
      std::snprintf(buffer, sizeof(buffer), ".%09d", nanos);
    }
    out->append(buffer);
  }
  out->append("Z\"");
  return true;
}

bool PrintJson(const Message& message, std::string* out);
Result<std::string> ProtobufJson(const Message& message);

// One value of `field` (element `index` when repeated).
bool PrintValue(const Message& message, const FieldDescriptor* field, int index,
                std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out->append(
          std::to_string(rep ? r->GetRepeatedInt32(message, field, index)
                             : r->GetInt32(message, field)));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      out->append(
          std::to_string(rep ? r->GetRepeatedUInt32(message, field, index)
                             : r->GetUInt32(message, field)));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      out->push_back('"');
      out->append(
          std::to_string(rep ? r->GetRepeatedInt64(message, field, index)
                             : r->GetInt64(message, field)));
      out->push_back('"');
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      out->push_back('"');
      out->append(
          std::to_string(rep ? r->GetRepeatedUInt64(message, field, index)
                             : r->GetUInt64(message, field)));
      out->push_back('"');
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(rep ? r->GetRepeatedDouble(message, field, index)
                       : r->GetDouble(message, field),
                   out);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloat(rep ? r->GetRepeatedFloat(message, field, index)
                      : r->GetFloat(message, field),
                  out);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(message, field, index)
                       : r->GetBool(message, field))
                      ? "true"
                      : "false");
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(message, field, index)
                             : r->GetEnumValue(message, field);
      const google::protobuf::EnumValueDescriptor* value =
          field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        out->append(std::to_string(number));
      } else {
        out->push_back('"');
        out->append(value->name());
        out->push_back('"');
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          rep ? r->GetRepeatedStringReference(message, field, index, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        AppendBase64(value, out);
        return true;
      }
      return AppendJsonString(value, out);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& child = rep ? r->GetRepeatedMessage(message, field, index)
                                 : r->GetMessage(message, field);
      const Descriptor* type = child.GetDescriptor();
      if (type == google::protobuf::Timestamp::descriptor()) {
        return AppendTimestamp(
            static_cast<const google::protobuf::Timestamp&>(child), out);
      }
      if (type->file()->package() == "google.protobuf") return false;
      return PrintJson(child, out);
    }
  }
  return false;
}

// Fields protobuf's DefaultValueObjectWriter does not lay out in advance:
// scalars in a oneof (`optional` included) and well-known types such as
// Timestamp. When set they are printed after all the others, in field
// number order (the order they arrive in from the wire).
bool PrintedLast(const FieldDescriptor* field) {
  if (field->is_repeated()) return false;
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return field->message_type()->file()->package() == "google.protobuf";
  }
  return field->containing_oneof() != nullptr;
}

bool PrintJson(const Message& message, std::string* out) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  out->push_back('{');
  bool first = true;
  bool any_last = false;
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const FieldDescriptor* field = descriptor->field(f);
    if (field->is_map()) return false;
    if (PrintedLast(field)) {
      any_last = true;
      continue;
    }
    if (field->is_repeated()) {
      if (!first) out->push_back(',');
      first = false;
      out->push_back('"');
      out->append(field->name());
      out->append("\":[");
      const int size = r->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        if (i > 0) out->push_back(',');
        if (!PrintValue(message, field, i, out)) return false;
      }
      out->push_back(']');
      continue;
    }
    if (field->has_presence() && !r->HasField(message, field)) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(field->name());
    out->append("\":");
    if (!PrintValue(message, field, -1, out)) return false;
  }
  if (any_last) {
    std::vector<const FieldDescriptor*> last;
    for (int f = 0; f < descriptor->field_count(); ++f) {
      const FieldDescriptor* field = descriptor->field(f);
      if (PrintedLast(field) && r->HasField(message, field)) {
        last.push_back(field);
      }
    }
    std::sort(last.begin(), last.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
    for (const FieldDescriptor* field : last) {
      if (!first) out->push_back(',');
      first = false;
      out->push_back('"');
      out->append(field->name());
      out->append("\":");
      if (!PrintValue(message, field, -1, out)) return false;
    }
  }
  out->push_back('}');
  return true;
}

Result<std::string> ToJson(const Message& message) {
  std::string fast;
  fast.reserve(256);
  if (message.GetDescriptor()->file()->package() != "google.protobuf" &&
      PrintJson(message, &fast)) {
    return fast;
  }
  return ProtobufJson(message);
}

Result<std::string> ProtobufJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // Plain fields print their zero values ("enabled": false); fields with
  // presence (`optional`) stay absent when unset, so "unknown" stays NULL
  // for json_extract.
  options.always_print_primitive_fields = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return InvalidArgumentError("cannot convert " +
                                message.GetDescriptor()->name() +
                                " to JSON: " + std::string(status.message()));
  }
  return json;
}

// The EndpointFacts fields that are fact families: the wire contract's one
// list (proto/wire/families.h).
using wire::FamilyField;
using wire::IsFamilyField;

// CheckLimits for a message whose serialised size is `size`: a string
// cannot be longer, nor a list have more entries (each takes a byte at
// least), than the whole message.
Status CheckLimitsOfSize(const Message& message, size_t size,
                         const Limits& limits) {
  const bool sizes_bounded =
      size <= limits.max_string_bytes &&
      size <= static_cast<size_t>(std::max(limits.max_list_entries, 0));
  return CheckMessage(message, nullptr, limits, 0, sizes_bounded);
}

}  // namespace

std::optional<std::string> FastJson(const Message& message) {
  // Well-known types print as JSON values of their own (a Timestamp as a
  // string), which PrintJson only does for fields of a message.
  if (message.GetDescriptor()->file()->package() == "google.protobuf") {
    return std::nullopt;
  }
  std::string json;
  json.reserve(256);
  if (!PrintJson(message, &json)) return std::nullopt;
  return json;
}

std::optional<int64_t> ParseHostId(const std::string& text) {
  std::optional<int64_t> id = ParseInt64(text);
  if (!id.has_value() || *id <= 0) return std::nullopt;
  return id;
}

Status CheckLimits(const Message& message, const Limits& limits) {
  return CheckLimitsOfSize(message, message.ByteSizeLong(), limits);
}

bool ClampFutureTimes(store::ReportInput* report, TimePoint received_at,
                      const Limits& limits) {
  const int64_t received = ToUnixSeconds(received_at);
  const int64_t latest =
      received + std::max<int64_t>(limits.max_clock_skew_seconds, 0);
  int64_t ahead = 0;
  auto clamp = [&](std::optional<int64_t>& collected_at) {
    if (!collected_at || *collected_at <= latest) return;
    ahead = std::max(ahead, *collected_at - received);
    collected_at = received;
  };
  clamp(report->collected_at);
  for (store::FamilyUpdate& family : report->families) {
    clamp(family.collected_at);
  }
  if (ahead == 0) return false;
  report->clock_ahead_seconds = ahead;
  return true;
}

store::EnrollInput ConvertEnroll(const v1::EnrollRequest& request) {
  store::EnrollInput input;
  input.token = request.token();
  input.identity.hostname = request.identity().hostname();
  input.identity.machine_id = request.identity().machine_id();
  input.identity.smbios_uuid = ToLowerAscii(request.identity().smbios_uuid());
  input.identity.serial = request.identity().serial();
  input.identity.macs.assign(request.identity().macs().begin(),
                             request.identity().macs().end());
  std::sort(input.identity.macs.begin(), input.identity.macs.end());
  input.os_name = request.os_name();
  input.os_version = request.os_version();
  input.agent_version = request.agent_version();
  return input;
}

Status CheckEnroll(const v1::EnrollRequest& request, const Limits& limits) {
  MAMORI_RETURN_IF_ERROR(CheckId(request.token(), "token", limits));
  const v1::HostIdentity& id = request.identity();
  MAMORI_RETURN_IF_ERROR(CheckId(id.hostname(), "identity.hostname", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(id.machine_id(), "identity.machine_id", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(id.smbios_uuid(), "identity.smbios_uuid", limits));
  MAMORI_RETURN_IF_ERROR(CheckId(id.serial(), "identity.serial", limits));
  if (id.macs_size() > 256) {
    return InvalidArgumentError("identity.macs: more than 256 entries");
  }
  for (const std::string& mac : id.macs()) {
    MAMORI_RETURN_IF_ERROR(CheckId(mac, "identity.macs", limits));
  }
  MAMORI_RETURN_IF_ERROR(CheckId(request.os_name(), "os_name", limits));
  MAMORI_RETURN_IF_ERROR(CheckId(request.os_version(), "os_version", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(request.agent_version(), "agent_version", limits));
  if (request.csr_pem().size() > 16 * 1024) {
    return InvalidArgumentError("csr_pem: larger than 16 KiB");
  }
  MAMORI_RETURN_IF_ERROR(
      CheckId(request.previous_host_id(), "previous_host_id", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(request.previous_node_key(), "previous_node_key", limits));
  if (!request.previous_host_id().empty() &&
      !ParseInt64(request.previous_host_id()).has_value()) {
    return InvalidArgumentError("previous_host_id: not a host id");
  }
  if (request.token().empty())
    return UnauthenticatedError("no enrollment token");
  return Status::Ok();
}

Result<store::ReportInput> ConvertReport(const v1::ReportRequest& request,
                                         const Limits& limits) {
  return ConvertReport(std::make_shared<v1::ReportRequest>(request), limits);
}

Result<store::ReportInput> ConvertReport(
    std::shared_ptr<v1::ReportRequest> shared, const Limits& limits) {
  const v1::ReportRequest& request = *shared;
  store::ReportInput out;
  out.wire_bytes = request.ByteSizeLong();
  std::optional<int64_t> host_id = ParseHostId(request.host_id());
  if (!host_id.has_value()) {
    return UnauthenticatedError("host_id is not a host id of this collector");
  }
  out.host_id = *host_id;
  if (request.node_key().size() > limits.max_id_bytes) {
    return UnauthenticatedError("malformed node_key");
  }
  // An empty key is allowed here: a client certificate may stand in for it.
  if (!request.node_key().empty()) {
    out.node_key_hash = pki::Sha256Hex(request.node_key());
  }
  if (request.report_id().empty()) {
    return InvalidArgumentError("report_id: empty");
  }
  MAMORI_RETURN_IF_ERROR(CheckId(request.report_id(), "report_id", limits));
  out.report_id = request.report_id();
  if (request.dropped_reports() > limits.max_dropped_reports) {
    return InvalidArgumentError(
        "dropped_reports: " + std::to_string(request.dropped_reports()) +
        " is implausibly large");
  }
  out.dropped_reports = request.dropped_reports();
  if (request.unchanged_parts_size() > 64) {
    return InvalidArgumentError("unchanged_parts: more than 64 entries");
  }
  MAMORI_RETURN_IF_ERROR(CheckLimitsOfSize(request, out.wire_bytes, limits));
  if (request.has_collected_at()) {
    out.collected_at = request.collected_at().seconds();
  } else if (request.facts().has_collected_at()) {
    out.collected_at = request.facts().collected_at().seconds();
  }

  const v1::EndpointFacts& facts = request.facts();
  const google::protobuf::Reflection* reflection = facts.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(facts, &fields);
  for (const FieldDescriptor* field : fields) {
    if (!IsFamilyField(field)) continue;
    const Message& family = reflection->GetMessage(facts, field);
    store::FamilyUpdate update;
    update.family = field->name();
    update.state = StateName(family);
    update.collected_at = FamilyCollectedAt(family);
    if (!update.collected_at.has_value())
      update.collected_at = out.collected_at;
    update.sha256 = wire::PartDigestInPlace(
        shared->mutable_facts()->GetReflection()->MutableMessage(
            shared->mutable_facts(), field));
    update.payload_fn = [shared, field]() -> Result<std::string> {
      const v1::EndpointFacts& all = shared->facts();
      Result<std::string> json = [&]() -> Result<std::string> {
        if (field->name() != "packages") {
          return ToJson(all.GetReflection()->GetMessage(all, field));
        }
        // The list itself is stored normalised in host_packages.
        v1::PackageFacts without_list;
        *without_list.mutable_status() = all.packages().status();
        without_list.set_content_sha256(all.packages().content_sha256());
        return ToJson(without_list);
      }();
      if (!json.ok())
        return json.status().WithContext("facts." + field->name());
      return json;
    };
    out.families.push_back(std::move(update));
  }
  for (const v1::Package& p : facts.packages().packages()) {
    store::PackageRow row;
    row.name = p.name();
    row.version = p.version();
    row.architecture = p.architecture();
    row.source = v1::PackageSource_Name(p.source());
    row.publisher = p.publisher();
    row.scope = p.scope();
    if (p.has_install_time()) row.install_time = p.install_time().seconds();
    out.packages.push_back(std::move(row));
  }
  for (const v1::PartDigest& part : request.unchanged_parts()) {
    if (FamilyField(part.family()) == nullptr) {
      return InvalidArgumentError("unchanged_parts: unknown family '" +
                                  part.family() + "'");
    }
    const bool sent = std::any_of(out.families.begin(), out.families.end(),
                                  [&part](const store::FamilyUpdate& f) {
                                    return f.family == part.family();
                                  });
    if (sent) {
      return InvalidArgumentError("unchanged_parts: family '" + part.family() +
                                  "' is also sent in full");
    }
    if (part.sha256().size() != 64) {
      return InvalidArgumentError("unchanged_parts: sha256 of '" +
                                  part.family() + "' is not 64 hex characters");
    }
    out.unchanged.push_back({part.family(), ToLowerAscii(part.sha256())});
  }

  const v1::HostIdentity& identity = facts.identity();
  MAMORI_RETURN_IF_ERROR(
      CheckId(identity.hostname(), "facts.identity.hostname", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(identity.machine_id(), "facts.identity.machine_id", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(identity.smbios_uuid(), "facts.identity.smbios_uuid", limits));
  MAMORI_RETURN_IF_ERROR(
      CheckId(identity.serial(), "facts.identity.serial", limits));
  out.identity.hostname = identity.hostname();
  out.identity.machine_id = identity.machine_id();
  out.identity.smbios_uuid = ToLowerAscii(identity.smbios_uuid());
  out.identity.serial = identity.serial();
  out.identity.macs.assign(identity.macs().begin(), identity.macs().end());
  std::sort(out.identity.macs.begin(), out.identity.macs.end());

  const v1::SystemFacts& system = facts.system();
  out.hostname = system.hostname();
  if (out.hostname.empty()) out.hostname = facts.identity().hostname();
  out.os_name = system.os_name();
  out.os_version = system.os_version();
  out.agent_version = facts.agent_version();
  return out;
}

}  // namespace mamori::service
