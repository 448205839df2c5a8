#pragma once

// An optional library loaded with dlopen() only where it applies (librpm on
// rpm systems, libsolv for dnf's cache), with its functions looked up into
// a typed table (decltype(&function) from the library's own headers).

#include <dlfcn.h>

#include <memory>
#include <string>
#include <vector>

namespace mamori::facts::linux_util {

struct LibraryCloser {
  void operator()(void* handle) const { ::dlclose(handle); }
};

// Owns a dlopen() handle; empty when the library could not be loaded
// (::dlerror() says why).
using LoadedLibrary = std::unique_ptr<void, LibraryCloser>;

inline LoadedLibrary LoadLibrary(const std::string& file) {
  ::dlerror();
  return LoadedLibrary(::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
}

// Sets *slot to `symbol` from `handle`, or adds the symbol to `missing`
// (dlsym also searches the library's own dependencies).
template <typename FunctionPointer>
void BindSymbol(void* handle, const char* symbol, FunctionPointer* slot,
                std::vector<std::string>* missing) {
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) {
    missing->emplace_back(symbol);
    return;
  }
  *slot = reinterpret_cast<FunctionPointer>(address);
}

}  // namespace mamori::facts::linux_util
