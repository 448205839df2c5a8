# Toolchain for scripts/windows-deps.sh: the same mingw-w64 compilers as
# mingw-w64-x86_64.cmake (posix threads, static, x64) without its
# project-wide definitions. UNICODE/_UNICODE would switch the generic Win32
# names (CreateFile, FormatMessage, ...) in third-party code written for the
# ANSI defaults, and each library picks its own _WIN32_WINNT.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MAMORI_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MAMORI_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MAMORI_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${MAMORI_MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${MAMORI_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
