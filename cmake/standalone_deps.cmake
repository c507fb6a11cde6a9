# The libraries of a standalone (release) build, included by CMakeLists.txt when
# COMPANION_STANDALONE is on. Defines the same targets the host build finds with find_package:
# SQLite::SQLite3 (SQLite's amalgamation compiled in), fmt::fmt (header-only) and
# nlohmann_json::nlohmann_json, and ASIO_INCLUDE_DIR, all from the folders scripts/release stages.
foreach(required COMPANION_THIRD_PARTY_INCLUDE COMPANION_SQLITE_AMALGAMATION)
  if(NOT IS_DIRECTORY "${${required}}")
    message(FATAL_ERROR "COMPANION_STANDALONE needs -D${required}=<folder> (scripts/release stages it)")
  endif()
endforeach()
foreach(header asio.hpp fmt/format.h nlohmann/json.hpp)
  if(NOT EXISTS "${COMPANION_THIRD_PARTY_INCLUDE}/${header}")
    message(FATAL_ERROR "${COMPANION_THIRD_PARTY_INCLUDE} has no ${header}")
  endif()
endforeach()

enable_language(C)
add_library(companion_sqlite3 STATIC ${COMPANION_SQLITE_AMALGAMATION}/sqlite3.c)
target_include_directories(companion_sqlite3 SYSTEM PUBLIC ${COMPANION_SQLITE_AMALGAMATION})
# SQLite's defaults (as Debian's library), less extension loading: the store loads none, and a
# static musl binary has no dlopen.
target_compile_definitions(companion_sqlite3 PRIVATE SQLITE_OMIT_LOAD_EXTENSION)
# Its code is not ours: its warnings are not errors here.
target_compile_options(companion_sqlite3 PRIVATE -w)
add_library(SQLite::SQLite3 ALIAS companion_sqlite3)

add_library(companion_header_only INTERFACE)
target_include_directories(companion_header_only SYSTEM INTERFACE ${COMPANION_THIRD_PARTY_INCLUDE})
target_compile_definitions(companion_header_only INTERFACE FMT_HEADER_ONLY=1)
add_library(fmt::fmt ALIAS companion_header_only)
add_library(nlohmann_json::nlohmann_json ALIAS companion_header_only)
set(ASIO_INCLUDE_DIR ${COMPANION_THIRD_PARTY_INCLUDE})
