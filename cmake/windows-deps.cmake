# The Windows agent's libraries for the mingw cross build: included by the
# top-level CMakeLists.txt when MAMORI_WINDOWS_DEPS names a prefix built by
# scripts/windows-deps.sh (static zlib, OpenSSL, c-ares, abseil, re2,
# protobuf, gRPC, SQLite, yaml-cpp, Boost.ProgramOptions from Debian's source
# packages). Code generation uses the host's protoc and grpc_cpp_plugin of the
# same versions: the prefix has no code generators.
if(NOT EXISTS "${MAMORI_WINDOWS_DEPS}/.complete")
  message(FATAL_ERROR
    "MAMORI_WINDOWS_DEPS=${MAMORI_WINDOWS_DEPS} is not a complete prefix "
    "(no .complete marker): run scripts/windows-deps.sh, which prints the "
    "prefix to use")
endif()

# The toolchain file roots every search in the mingw sysroot; the prefix is a
# second root (CMAKE_PREFIX_PATH alone would be re-rooted under the first).
list(PREPEND CMAKE_FIND_ROOT_PATH "${MAMORI_WINDOWS_DEPS}")
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(OPENSSL_ROOT_DIR "${MAMORI_WINDOWS_DEPS}")
set(Boost_USE_STATIC_LIBS ON)
set(Boost_NO_BOOST_CMAKE ON)
set(BOOST_ROOT "${MAMORI_WINDOWS_DEPS}")

find_package(Threads REQUIRED)
find_package(protobuf CONFIG REQUIRED)
find_package(gRPC CONFIG REQUIRED)
# One imported OpenSSL for every user (transport, sha256, the service
# exposure family's TLS probe). Static OpenSSL on Windows needs these system
# libraries; FindOpenSSL adds ws2_32 and crypt32 only.
find_package(OpenSSL REQUIRED)
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY
  INTERFACE_LINK_LIBRARIES ws2_32 crypt32 bcrypt advapi32 user32)

find_program(MAMORI_HOST_PROTOC protoc REQUIRED)
find_program(MAMORI_HOST_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
execute_process(COMMAND "${MAMORI_HOST_PROTOC}" --version
  OUTPUT_VARIABLE _host_protoc_version OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE "^libprotoc (3\\.)?" "" _host_protoc_version
       "${_host_protoc_version}")
string(REGEX REPLACE "^3\\." "" _prefix_protobuf_version "${protobuf_VERSION}")
if(NOT _host_protoc_version VERSION_EQUAL _prefix_protobuf_version)
  message(FATAL_ERROR "host protoc ${_host_protoc_version} does not match the "
    "prefix's protobuf ${protobuf_VERSION}: generated code would not compile")
endif()
if(NOT TARGET protobuf::protoc)
  add_executable(protobuf::protoc IMPORTED)
  set_target_properties(protobuf::protoc PROPERTIES
    IMPORTED_LOCATION "${MAMORI_HOST_PROTOC}")
endif()
if(NOT TARGET gRPC::grpc_cpp_plugin)
  add_executable(gRPC::grpc_cpp_plugin IMPORTED)
  set_target_properties(gRPC::grpc_cpp_plugin PROPERTIES
    IMPORTED_LOCATION "${MAMORI_HOST_GRPC_CPP_PLUGIN}")
endif()
message(STATUS "Windows libraries: ${MAMORI_WINDOWS_DEPS} (protobuf "
  "${protobuf_VERSION}, gRPC ${gRPC_VERSION}, OpenSSL ${OPENSSL_VERSION})")
