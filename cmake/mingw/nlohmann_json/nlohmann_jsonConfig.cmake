# nlohmann-json for the mingw cross build. The library is header-only, but
# Debian's package config points at /usr/include, and putting all of
# /usr/include on the mingw include path would shadow the Windows C headers
# with glibc's. So expose only the nlohmann/ directory, through a link in the
# build tree.
if(NOT TARGET nlohmann_json::nlohmann_json)
  set(_mamori_nlohmann_root ${CMAKE_BINARY_DIR}/mingw-include)
  if(NOT EXISTS ${_mamori_nlohmann_root}/nlohmann/json.hpp)
    file(MAKE_DIRECTORY ${_mamori_nlohmann_root})
    file(CREATE_LINK /usr/include/nlohmann ${_mamori_nlohmann_root}/nlohmann SYMBOLIC)
  endif()
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${_mamori_nlohmann_root})
  set(nlohmann_json_FOUND TRUE)
endif()
