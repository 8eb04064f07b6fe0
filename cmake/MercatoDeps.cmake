# Finds every third-party library once and exposes imported targets.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

find_package(RocksDB CONFIG REQUIRED)
find_package(CapnProto CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(doctest CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(CURL REQUIRED)  # libcurl4-openssl-dev: webhook delivery (projections outbox)
# prometheus-cpp-dev: only prometheus-cpp::core is linked (http/ metrics); its config also
# finds civetweb, zlib and curl for the pull/push libraries, which are not used.
find_package(prometheus-cpp CONFIG REQUIRED)
pkg_check_modules(PISTACHE REQUIRED IMPORTED_TARGET libpistache)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

# CAF 0.17.6 ships no CMake config or .pc file (docs/library-notes.md): build imported targets by hand.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
find_library(CAF_OPENSSL_LIBRARY caf_openssl REQUIRED)
foreach(part core io openssl)
  string(TOUPPER ${part} upper)
  if(NOT TARGET caf::${part})
    add_library(caf::${part} UNKNOWN IMPORTED)
    set_target_properties(caf::${part} PROPERTIES
      IMPORTED_LOCATION ${CAF_${upper}_LIBRARY}
      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})
  endif()
endforeach()
set_property(TARGET caf::io APPEND PROPERTY INTERFACE_LINK_LIBRARIES caf::core)
set_property(TARGET caf::openssl APPEND PROPERTY INTERFACE_LINK_LIBRARIES caf::io)
