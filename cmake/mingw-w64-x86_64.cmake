# Toolchain for cross-building the Windows fact library and mamori-facts.exe
# on Debian with mingw-w64, and running their tests under Wine.
#
# The -posix compilers are required: the win32 thread model of GCC 12 has no
# std::mutex/std::thread, which googletest and our code need. Everything is
# linked statically so the .exe files run without libstdc++/libgcc DLLs (and
# therefore also run as-is on a real Windows machine). x64 only: Debian's
# Wine has no 32-bit side unless wine32:i386 is installed.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MAMORI_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MAMORI_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MAMORI_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${MAMORI_MINGW_TRIPLE}-windres)

# Search libraries, headers and CMake packages only in the mingw sysroot;
# programs (protoc, python) still come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${MAMORI_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest and gtest_discover_tests start the test executables through Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR wine)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Windows 10 APIs (RtlGetVersion, GetExtendedTcpTable owner modules, ...).
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 UNICODE _UNICODE
                        WIN32_LEAN_AND_MEAN NOMINMAX)

# Header-only nlohmann-json from Debian's package, without /usr/include.
set(nlohmann_json_DIR ${CMAKE_CURRENT_LIST_DIR}/mingw/nlohmann_json
    CACHE PATH "nlohmann-json config for the mingw build")
