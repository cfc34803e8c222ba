# The package_consumer test: install the built project into a temporary prefix
# and use it from outside, the two ways users will:
#   1. a CMake project: find_package(crmlite REQUIRED) + crmlite::crmlite
#   2. a plain compiler line: cc main.c $(pkg-config --cflags --libs crmlite)
# Run by ctest as
#   cmake -DBUILD_DIR=.. -DCONSUMER_DIR=.. -DWORK_DIR=.. -DCONFIG=.. -DGENERATOR=..
#         -DC_COMPILER=.. -DCXX_COMPILER=.. -DVERSION=.. -DABI_VERSION=..
#         [-DSANITIZE_FLAGS=..] -P package_test.cmake
cmake_minimum_required(VERSION 3.22)

foreach(var BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR C_COMPILER CXX_COMPILER VERSION ABI_VERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "package_test.cmake: -D${var}=... is required")
  endif()
endforeach()
separate_arguments(sanitize UNIX_COMMAND "${SANITIZE_FLAGS}")

# Runs a command and stops the test with its output when it fails.
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " cmd)
    message(FATAL_ERROR "${what} failed (${rc}):\n  ${cmd}\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# ---- install
set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

# GNUInstallDirs chooses lib, lib64 or lib/<multiarch>: find what was used.
file(GLOB_RECURSE libs LIST_DIRECTORIES false "${prefix}/*/libcrmlite.so")
list(LENGTH libs nlibs)
if(NOT nlibs EQUAL 1)
  message(FATAL_ERROR "expected one libcrmlite.so under ${prefix}, found: ${libs}")
endif()
get_filename_component(libdir "${libs}" DIRECTORY)
message(STATUS "installed library directory: ${libdir}")
foreach(f "${prefix}/include/crmlite/crmlite.h" "${prefix}/include/crmlite/crmlite.hpp"
          "${libdir}/libcrmlite.so.${ABI_VERSION}" "${libdir}/pkgconfig/crmlite.pc"
          "${libdir}/cmake/crmlite/crmliteConfig.cmake" "${libdir}/cmake/crmlite/crmliteConfigVersion.cmake")
  if(NOT EXISTS "${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# Only crm_* leaves the shared library (the version script's promise).
find_program(NM nm)
if(NM)
  run("nm -D" "${NM}" -D --defined-only "${libdir}/libcrmlite.so.${ABI_VERSION}")
  string(REGEX MATCHALL "\n[0-9a-fA-F]+ [A-Za-z] [^\n]+" symbols "\n${run_output}")
  set(foreign)
  foreach(s IN LISTS symbols)
    string(REGEX REPLACE "^\n[0-9a-fA-F]+ [A-Za-z] " "" name "${s}")
    if(NOT name MATCHES "^crm_" AND NOT name MATCHES "^CRMLITE_")
      list(APPEND foreign "${name}")
    endif()
  endforeach()
  if(foreign)
    message(FATAL_ERROR "libcrmlite exports symbols outside crm_*: ${foreign}")
  endif()
endif()

# ---- 1. find_package
set(build "${WORK_DIR}/consumer-build")
run("configure the consumer" "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${CONFIG}" "-DCMAKE_C_FLAGS=${SANITIZE_FLAGS}" "-DCMAKE_CXX_FLAGS=${SANITIZE_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${SANITIZE_FLAGS}")
if(NOT run_output MATCHES "crmlite ${VERSION} from ${libdir}/cmake/crmlite")
  message(FATAL_ERROR "the consumer did not find crmlite ${VERSION} in ${prefix}:\n${run_output}")
endif()
run("build the consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})
file(GLOB_RECURSE consumer_c LIST_DIRECTORIES false "${build}/consumer_c")
file(GLOB_RECURSE consumer_cpp LIST_DIRECTORIES false "${build}/consumer_cpp")
# The build tree's RPATH points at ${libdir}: no LD_LIBRARY_PATH needed.
run("run consumer_c" "${consumer_c}" "${WORK_DIR}/cmake_c.db")
message(STATUS "${run_output}")
run("run consumer_cpp" "${consumer_cpp}" "${WORK_DIR}/cmake_cpp.db")
message(STATUS "${run_output}")

# ---- 2. pkg-config
find_program(PKG_CONFIG pkg-config REQUIRED)
set(pc_env "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${libdir}/pkgconfig")
run("pkg-config --modversion" ${pc_env} "${PKG_CONFIG}" --modversion crmlite)
string(STRIP "${run_output}" pc_version)
if(NOT pc_version STREQUAL VERSION)
  message(FATAL_ERROR "crmlite.pc says version ${pc_version}, the project is ${VERSION}")
endif()
run("pkg-config --cflags --libs" ${pc_env} "${PKG_CONFIG}" --cflags --libs crmlite)
string(STRIP "${run_output}" pc_flags)
message(STATUS "pkg-config flags: ${pc_flags}")
# The flags must point into this prefix (pkg-config does not normalise
# "${pcfiledir}/../..", so compare real paths); otherwise the compile below could
# silently pick up some other installed crmlite (e.g. in /usr/local).
separate_arguments(pc_flag_list UNIX_COMMAND "${pc_flags}")
file(REAL_PATH "${prefix}/include" want_include)
file(REAL_PATH "${libdir}" want_lib)
set(include_ok FALSE)
set(lib_ok FALSE)
foreach(flag IN LISTS pc_flag_list)
  # (Two steps: CMAKE_MATCH_1 is only set once MATCHES has been evaluated.)
  if(flag MATCHES "^-([IL])(.+)$")
    set(kind "${CMAKE_MATCH_1}")
    file(REAL_PATH "${CMAKE_MATCH_2}" dir)
    if(kind STREQUAL "I" AND dir STREQUAL want_include)
      set(include_ok TRUE)
    elseif(kind STREQUAL "L" AND dir STREQUAL want_lib)
      set(lib_ok TRUE)
    endif()
  endif()
endforeach()
if(NOT include_ok OR NOT lib_ok)
  message(FATAL_ERROR "crmlite.pc installed under ${prefix} does not point there (flags: ${pc_flags}).\n"
    "Its prefix was fixed at configure time; it must be relative to the .pc file "
    "(prefix=\${pcfiledir}/../..) or written at install time, so that "
    "'cmake --install --prefix <dir>' and DESTDIR installs give a usable file.")
endif()
run("cc main.c $(pkg-config --cflags --libs crmlite)" "${C_COMPILER}" -std=c11 -Wall -Wextra -pedantic -Werror
  ${sanitize} "${CONSUMER_DIR}/main.c" ${pc_flag_list} -o "${WORK_DIR}/pc_consumer")
run("run the pkg-config consumer" ${CMAKE_COMMAND} -E env "LD_LIBRARY_PATH=${libdir}"
  "${WORK_DIR}/pc_consumer" "${WORK_DIR}/pc_c.db")
message(STATUS "${run_output}")

file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "package_consumer: all passed")
