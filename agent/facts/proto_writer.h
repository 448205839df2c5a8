#pragma once

// Proto writer for fact structs (Linux only; links protobuf): fills a
// protobuf message from a struct's VisitFields list by proto field name,
// through reflection, so the struct and the .proto cannot drift silently:
// a struct field without a proto field, a type or presence mismatch, or an
// enum name the proto does not know is an INTERNAL error naming the field.
// CheckCoverage() is the reverse check (every proto field has a struct field)
// used by the tests. Pure and thread-safe (distinct messages).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <type_traits>

#include "agent/facts/types.h"

namespace mamori::facts {

// Clears `msg` and fills it from `value`. Returns OK, or INTERNAL naming the
// first field that does not match the message.
template <FactStruct S>
Status WriteProto(const S& value, google::protobuf::Message* msg);

// Returns OK when `S` and `descriptor` (and their nested types) have the same
// field names and every enum value maps both ways; otherwise INTERNAL listing
// every difference.
template <FactStruct S>
Status CheckCoverage(const google::protobuf::Descriptor* descriptor);

namespace proto_internal {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

inline std::string CleanString(const std::string& s) {
  return IsValidUtf8(s) ? s : SanitizeUtf8(s);
}

template <typename T>
void FillFields(const T& value, Message* msg, std::string* error);

// Writes one value into `fd` of `msg`: Set* for singular fields, Add* for
// repeated ones. Appends to `error` on a mismatch.
template <typename T>
void WriteOne(const T& v, Message* msg, const FieldDescriptor* fd,
              std::string* error) {
  const Reflection* r = msg->GetReflection();
  const bool rep = fd->is_repeated();
  const auto mismatch = [&](const char* want) {
    *error += fd->full_name() + ": struct holds " + want + "; ";
  };
  using CT = FieldDescriptor::CppType;
  if constexpr (std::is_same_v<T, std::string>) {
    if (fd->cpp_type() != CT::CPPTYPE_STRING) return mismatch("a string");
    rep ? r->AddString(msg, fd, CleanString(v))
        : r->SetString(msg, fd, CleanString(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    if (fd->cpp_type() != CT::CPPTYPE_BOOL) return mismatch("a bool");
    rep ? r->AddBool(msg, fd, v) : r->SetBool(msg, fd, v);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    if (fd->cpp_type() != CT::CPPTYPE_INT32) return mismatch("an int32");
    rep ? r->AddInt32(msg, fd, v) : r->SetInt32(msg, fd, v);
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    if (fd->cpp_type() != CT::CPPTYPE_UINT32) return mismatch("a uint32");
    rep ? r->AddUInt32(msg, fd, v) : r->SetUInt32(msg, fd, v);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (fd->cpp_type() != CT::CPPTYPE_INT64) return mismatch("an int64");
    rep ? r->AddInt64(msg, fd, v) : r->SetInt64(msg, fd, v);
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if (fd->cpp_type() != CT::CPPTYPE_UINT64) return mismatch("a uint64");
    rep ? r->AddUInt64(msg, fd, v) : r->SetUInt64(msg, fd, v);
  } else if constexpr (std::is_same_v<T, double>) {
    if (fd->cpp_type() != CT::CPPTYPE_DOUBLE) return mismatch("a double");
    rep ? r->AddDouble(msg, fd, v) : r->SetDouble(msg, fd, v);
  } else if constexpr (std::is_enum_v<T>) {
    if (fd->cpp_type() != CT::CPPTYPE_ENUM) return mismatch("an enum");
    const auto* ev = fd->enum_type()->FindValueByName(std::string(EnumName(v)));
    if (ev == nullptr || ev->number() != static_cast<int>(v)) {
      *error += fd->full_name() + ": enum value " +
                std::to_string(static_cast<int>(v)) + " (" +
                std::string(EnumName(v)) + ") unknown to the proto; ";
      return;
    }
    rep ? r->AddEnum(msg, fd, ev) : r->SetEnum(msg, fd, ev);
  } else if constexpr (std::is_same_v<T, TimePoint>) {
    if (fd->cpp_type() != CT::CPPTYPE_MESSAGE ||
        fd->message_type()->full_name() != "google.protobuf.Timestamp") {
      return mismatch("a Timestamp");
    }
    Message* ts = rep ? r->AddMessage(msg, fd) : r->MutableMessage(msg, fd);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        v.time_since_epoch())
                        .count();
    int64_t seconds = ns / 1000000000;
    int64_t nanos = ns % 1000000000;
    if (nanos < 0) {
      nanos += 1000000000;
      seconds -= 1;
    }
    const auto* tsd = ts->GetDescriptor();
    ts->GetReflection()->SetInt64(ts, tsd->FindFieldByName("seconds"), seconds);
    ts->GetReflection()->SetInt32(ts, tsd->FindFieldByName("nanos"),
                                  static_cast<int32_t>(nanos));
  } else {
    static_assert(FactStruct<T>, "unsupported fact field type");
    if (fd->cpp_type() != CT::CPPTYPE_MESSAGE) return mismatch("a message");
    Message* child = rep ? r->AddMessage(msg, fd) : r->MutableMessage(msg, fd);
    FillFields(v, child, error);
  }
}

class FieldWriter {
 public:
  FieldWriter(Message* msg, std::string* error) : msg_(msg), error_(error) {}

  template <typename T>
  void operator()(std::string_view name, const T& value) {
    const FieldDescriptor* fd =
        msg_->GetDescriptor()->FindFieldByName(std::string(name));
    if (fd == nullptr) {
      *error_ += msg_->GetDescriptor()->full_name() + " has no field " +
                 std::string(name) + "; ";
      return;
    }
    if constexpr (IsVector<T>::value) {
      if (!fd->is_repeated()) {
        *error_ += fd->full_name() + " is not repeated; ";
        return;
      }
      for (const auto& element : value) WriteOne(element, msg_, fd, error_);
    } else if constexpr (IsOptional<T>::value) {
      if (fd->is_repeated() || !fd->has_presence()) {
        *error_ +=
            fd->full_name() + " has no presence but struct is optional; ";
        return;
      }
      if (value.has_value()) WriteOne(*value, msg_, fd, error_);
    } else {
      if (fd->is_repeated()) {
        *error_ += fd->full_name() + " is repeated; ";
        return;
      }
      if constexpr (!FactStruct<T>) {
        if (fd->has_presence()) {
          *error_ += fd->full_name() +
                     " is `optional` but struct field is not std::optional; ";
          return;
        }
      }
      WriteOne(value, msg_, fd, error_);
    }
  }

 private:
  Message* msg_;
  std::string* error_;
};

template <typename T>
void FillFields(const T& value, Message* msg, std::string* error) {
  FieldWriter writer(msg, error);
  VisitFields(value, writer);
}

template <typename T>
struct Element {
  using Type = T;
};
template <typename T>
struct Element<std::optional<T>> {
  using Type = T;
};
template <typename T>
struct Element<std::vector<T>> {
  using Type = T;
};

template <typename S>
void Cover(const google::protobuf::Descriptor* d, std::string* error);

class CoverageVisitor {
 public:
  CoverageVisitor(const google::protobuf::Descriptor* d, std::string* error)
      : d_(d), error_(error) {}

  template <typename T>
  void operator()(std::string_view name, const T& /*value*/) {
    names_.emplace_back(name);
    const FieldDescriptor* fd = d_->FindFieldByName(std::string(name));
    if (fd == nullptr) {
      *error_ += "struct field " + d_->full_name() + "." + std::string(name) +
                 " has no proto field; ";
      return;
    }
    using E = typename Element<T>::Type;
    if constexpr (std::is_enum_v<E>) {
      const auto* et = fd->enum_type();
      if (et == nullptr) return;
      for (int i = 0; i < et->value_count(); ++i) {
        const auto* ev = et->value(i);
        if (EnumName(static_cast<E>(ev->number())) != ev->name()) {
          *error_ += et->full_name() + "." + ev->name() +
                     " has no matching struct enum value; ";
        }
      }
    } else if constexpr (FactStruct<E>) {
      if (fd->message_type() != nullptr) Cover<E>(fd->message_type(), error_);
    }
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  const google::protobuf::Descriptor* d_;
  std::string* error_;
  std::vector<std::string> names_;
};

template <typename S>
void Cover(const google::protobuf::Descriptor* d, std::string* error) {
  CoverageVisitor visitor(d, error);
  VisitFields(S{}, visitor);
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string& field = d->field(i)->name();
    bool found = false;
    for (const auto& n : visitor.names()) found = found || n == field;
    if (!found) {
      *error +=
          "proto field " + d->field(i)->full_name() + " has no struct field; ";
    }
  }
}

}  // namespace proto_internal

template <FactStruct S>
Status WriteProto(const S& value, google::protobuf::Message* msg) {
  msg->Clear();
  std::string error;
  proto_internal::FillFields(value, msg, &error);
  if (!error.empty()) return InternalError("proto writer: " + error);
  return Status::Ok();
}

template <FactStruct S>
Status CheckCoverage(const google::protobuf::Descriptor* descriptor) {
  std::string error;
  proto_internal::Cover<S>(descriptor, &error);
  if (!error.empty()) return InternalError(error);
  return Status::Ok();
}

}  // namespace mamori::facts
