#include "agent/facts/windows/wmi.h"

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <objbase.h>
#include <oleauto.h>
// clang-format on

#include <mutex>

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts::win {

namespace {

// CoInitializeSecurity may be called once per process; a host program that
// already set it (RPC_E_TOO_LATE) keeps its own settings.
void EnsureComSecurity() {
  static std::once_flag once;
  std::call_once(once, [] {
    CoInitializeSecurity(nullptr, -1, nullptr, nullptr,
                         RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE,
                         nullptr, EOAC_NONE, nullptr);
  });
}

class Bstr {
 public:
  explicit Bstr(std::string_view utf8)
      : value_(SysAllocString(Utf8ToWide(utf8).c_str())) {}
  ~Bstr() { SysFreeString(value_); }
  Bstr(const Bstr&) = delete;
  Bstr& operator=(const Bstr&) = delete;
  BSTR get() const { return value_; }

 private:
  BSTR value_;
};

std::string FromBstr(BSTR b) {
  if (b == nullptr) return {};
  return WideToUtf8(std::wstring_view(b, SysStringLen(b)));
}

WmiValue FromSafeArray(const VARIANT& v) {
  SAFEARRAY* array = V_ARRAY(&v);
  if (array == nullptr || SafeArrayGetDim(array) != 1) return std::monostate{};
  LONG lower = 0;
  LONG upper = -1;
  SafeArrayGetLBound(array, 1, &lower);
  SafeArrayGetUBound(array, 1, &upper);
  const VARTYPE element = V_VT(&v) & VT_TYPEMASK;
  if (element == VT_BSTR) {
    std::vector<std::string> out;
    for (LONG i = lower; i <= upper; ++i) {
      BSTR item = nullptr;
      if (SUCCEEDED(SafeArrayGetElement(array, &i, &item))) {
        out.push_back(FromBstr(item));
        SysFreeString(item);
      }
    }
    return out;
  }
  std::vector<int64_t> out;
  for (LONG i = lower; i <= upper; ++i) {
    switch (element) {
      case VT_I4:
      case VT_UI4: {
        LONG item = 0;
        if (SUCCEEDED(SafeArrayGetElement(array, &i, &item)))
          out.push_back(item);
        break;
      }
      case VT_I2:
      case VT_UI2: {
        SHORT item = 0;
        if (SUCCEEDED(SafeArrayGetElement(array, &i, &item))) {
          out.push_back(element == VT_UI2 ? static_cast<uint16_t>(item) : item);
        }
        break;
      }
      case VT_UI1: {
        BYTE item = 0;
        if (SUCCEEDED(SafeArrayGetElement(array, &i, &item)))
          out.push_back(item);
        break;
      }
      default:
        return std::monostate{};
    }
  }
  return out;
}

}  // namespace

WmiValue FromVariant(const VARIANT& v) {
  if ((V_VT(&v) & VT_ARRAY) != 0) return FromSafeArray(v);
  switch (V_VT(&v)) {
    case VT_BSTR:
      return FromBstr(V_BSTR(&v));
    case VT_BOOL:
      return V_BOOL(&v) != VARIANT_FALSE;
    case VT_I1:
      return static_cast<int64_t>(V_I1(&v));
    case VT_UI1:
      return static_cast<int64_t>(V_UI1(&v));
    case VT_I2:
      return static_cast<int64_t>(V_I2(&v));
    case VT_UI2:
      return static_cast<int64_t>(V_UI2(&v));
    case VT_I4:
      return static_cast<int64_t>(V_I4(&v));
    case VT_UI4:
      return static_cast<int64_t>(V_UI4(&v));
    case VT_INT:
      return static_cast<int64_t>(V_INT(&v));
    case VT_UINT:
      return static_cast<int64_t>(V_UINT(&v));
    case VT_I8:
      return static_cast<int64_t>(V_I8(&v));
    case VT_UI8:
      return static_cast<int64_t>(V_UI8(&v));
    case VT_R4:
      return static_cast<double>(V_R4(&v));
    case VT_R8:
      return V_R8(&v);
    default:
      return std::monostate{};
  }
}

ComScope::ComScope() {
  const HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (SUCCEEDED(hr)) {
    uninitialize_ = true;
    status_ = OkStatus();
  } else if (hr == RPC_E_CHANGED_MODE) {
    // The thread is already in an STA; COM works, we just must not undo it.
    status_ = OkStatus();
  } else {
    status_ = HresultStatus("CoInitializeEx", hr);
  }
}

ComScope::~ComScope() {
  if (uninitialize_) CoUninitialize();
}

void WmiRow::Set(std::string name, WmiValue value) {
  values_[std::move(name)] = std::move(value);
}

const WmiValue* WmiRow::Find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

bool WmiRow::Has(std::string_view name) const {
  const WmiValue* v = Find(name);
  return v != nullptr && !std::holds_alternative<std::monostate>(*v);
}

std::optional<std::string> WmiRow::String(std::string_view name) const {
  const WmiValue* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return std::nullopt;
}

std::optional<int64_t> WmiRow::Int(std::string_view name) const {
  const WmiValue* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* b = std::get_if<bool>(v)) return *b ? 1 : 0;
  if (const auto* s = std::get_if<std::string>(v)) {
    if (auto n = ParseInt64(*s)) return n;
    // uint64 values above INT64_MAX do not occur in the properties we read.
  }
  return std::nullopt;
}

std::optional<bool> WmiRow::Bool(std::string_view name) const {
  const WmiValue* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (const auto* b = std::get_if<bool>(v)) return *b;
  if (const auto* i = std::get_if<int64_t>(v)) return *i != 0;
  return std::nullopt;
}

std::vector<int64_t> WmiRow::IntArray(std::string_view name) const {
  const WmiValue* v = Find(name);
  if (v == nullptr) return {};
  if (const auto* a = std::get_if<std::vector<int64_t>>(v)) return *a;
  return {};
}

std::vector<std::string> WmiRow::StringArray(std::string_view name) const {
  const WmiValue* v = Find(name);
  if (v == nullptr) return {};
  if (const auto* a = std::get_if<std::vector<std::string>>(v)) return *a;
  return {};
}

CollectionStatus WmiSession::Connect(std::string_view wmi_namespace) {
  EnsureComSecurity();
  namespace_ = std::string(wmi_namespace);
  ComPtr<IWbemLocator> locator;
  HRESULT hr =
      CoCreateInstance(CLSID_WbemLocator, nullptr, CLSCTX_INPROC_SERVER,
                       IID_IWbemLocator, locator.ReceiveVoid());
  if (FAILED(hr)) return HresultStatus("CoCreateInstance(WbemLocator)", hr);
  Bstr resource(wmi_namespace);
  hr = locator->ConnectServer(resource.get(), nullptr, nullptr, nullptr, 0,
                              nullptr, nullptr, services_.Receive());
  if (FAILED(hr)) {
    return HresultStatus("WMI ConnectServer " + namespace_, hr);
  }
  hr = CoSetProxyBlanket(services_.get(), RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE,
                         nullptr, RPC_C_AUTHN_LEVEL_CALL,
                         RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE);
  if (FAILED(hr)) {
    services_.Reset();
    return HresultStatus("CoSetProxyBlanket " + namespace_, hr);
  }
  return OkStatus();
}

CollectionStatus WmiSession::Query(std::string_view wql,
                                   const std::vector<std::string>& properties,
                                   std::vector<WmiRow>* rows) const {
  rows->clear();
  if (!services_)
    return ErrorStatus("WMI query before Connect: " + std::string(wql));
  Bstr language("WQL");
  Bstr query(wql);
  ComPtr<IEnumWbemClassObject> enumerator;
  HRESULT hr = services_->ExecQuery(
      language.get(), query.get(),
      WBEM_FLAG_FORWARD_ONLY | WBEM_FLAG_RETURN_IMMEDIATELY, nullptr,
      enumerator.Receive());
  if (FAILED(hr)) {
    return HresultStatus("WMI " + namespace_ + " \"" + std::string(wql) + "\"",
                         hr);
  }
  for (;;) {
    ComPtr<IWbemClassObject> object;
    ULONG returned = 0;
    hr = enumerator->Next(static_cast<LONG>(WBEM_INFINITE), 1, object.Receive(),
                          &returned);
    if (FAILED(hr)) {
      return HresultStatus(
          "WMI " + namespace_ + " \"" + std::string(wql) + "\"", hr);
    }
    if (returned == 0) break;
    WmiRow row;
    for (const std::string& property : properties) {
      VARIANT value;
      VariantInit(&value);
      const std::wstring wide = Utf8ToWide(property);
      if (SUCCEEDED(object->Get(wide.c_str(), 0, &value, nullptr, nullptr))) {
        row.Set(property, FromVariant(value));
      }
      VariantClear(&value);
    }
    rows->push_back(std::move(row));
  }
  return OkStatus();
}

}  // namespace mamori::facts::win
