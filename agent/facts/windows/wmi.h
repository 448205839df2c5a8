#pragma once

// COM and WMI plumbing for the gatherers: a COM scope (CoInitializeEx /
// CoUninitialize), process-wide COM security set once, and a WMI session on
// one namespace that runs WQL queries and returns rows of typed values.
// Failures are CollectionStatus values carrying the HRESULT: a namespace
// Windows (or Wine) lacks gives WBEM_E_INVALID_NAMESPACE → STATUS_UNSUPPORTED.
// A WmiSession belongs to the thread that made it (COM apartment rules).

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <wbemidl.h>
// clang-format on

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts::win {

// Initialises COM (multithreaded apartment) for this scope. Nesting is fine;
// a thread already in a single-threaded apartment keeps it.
class ComScope {
 public:
  ComScope();
  ~ComScope();
  ComScope(const ComScope&) = delete;
  ComScope& operator=(const ComScope&) = delete;
  // OK, or the CoInitializeEx failure.
  const CollectionStatus& status() const { return status_; }

 private:
  CollectionStatus status_;
  bool uninitialize_ = false;
};

// Releases a COM interface pointer on scope exit.
template <typename T>
class ComPtr {
 public:
  ComPtr() = default;
  ~ComPtr() { Reset(); }
  ComPtr(const ComPtr&) = delete;
  ComPtr& operator=(const ComPtr&) = delete;
  ComPtr(ComPtr&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  ComPtr& operator=(ComPtr&& other) noexcept {
    if (this != &other) {
      Reset();
      p_ = other.p_;
      other.p_ = nullptr;
    }
    return *this;
  }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  // For out-parameters: releases the current pointer first.
  T** Receive() {
    Reset();
    return &p_;
  }
  void** ReceiveVoid() { return reinterpret_cast<void**>(Receive()); }
  void Reset() {
    if (p_ != nullptr) p_->Release();
    p_ = nullptr;
  }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// One property value of a WMI row. Integers arrive as VT_I4/VT_UI1/... and,
// for 64-bit CIM types, as decimal strings; both are exposed as integers.
using WmiValue =
    std::variant<std::monostate, bool, int64_t, double, std::string,
                 std::vector<int64_t>, std::vector<std::string>>;

class WmiRow {
 public:
  void Set(std::string name, WmiValue value);
  bool Has(std::string_view name) const;
  // The string value; nullopt when null/absent or not a string.
  std::optional<std::string> String(std::string_view name) const;
  // The integer value (parsing decimal strings of uint64/sint64 properties);
  // nullopt when null/absent or not integral.
  std::optional<int64_t> Int(std::string_view name) const;
  std::optional<bool> Bool(std::string_view name) const;
  // Integer array (ChassisTypes); empty when null/absent.
  std::vector<int64_t> IntArray(std::string_view name) const;
  std::vector<std::string> StringArray(std::string_view name) const;

 private:
  const WmiValue* Find(std::string_view name) const;
  std::map<std::string, WmiValue, std::less<>> values_;
};

class WmiSession {
 public:
  // Connects to `wmi_namespace` ("ROOT\\CIMV2") on the local machine. Returns
  // the ConnectServer/CoSetProxyBlanket failure as a status (with the
  // namespace named), OK otherwise. Requires a live ComScope on this thread.
  CollectionStatus Connect(std::string_view wmi_namespace);

  // Runs a WQL query and returns rows holding the listed properties (absent
  // properties are simply missing from the row). Note: WMI answers a class
  // it does not know with an error on real Windows but with zero rows under
  // Wine, so callers must not read "no rows" as "compliant".
  CollectionStatus Query(std::string_view wql,
                         const std::vector<std::string>& properties,
                         std::vector<WmiRow>* rows) const;

  IWbemServices* services() const { return services_.get(); }
  const std::string& wmi_namespace() const { return namespace_; }

 private:
  ComPtr<IWbemServices> services_;
  std::string namespace_;
};

// Converts a VARIANT to a WmiValue (strings to UTF-8).
WmiValue FromVariant(const VARIANT& v);

}  // namespace mamori::facts::win
