# Build options. Developer and CI builds turn on RECHARGED_WERROR (scripts/test does).
option(RECHARGED_WERROR "Treat compiler warnings as errors" OFF)
option(RECHARGED_BUILD_TESTS "Build the test suite" ON)
option(RECHARGED_BUILD_BENCH "Build the benchmark tools in bench/" ON)
option(RECHARGED_FUZZ "Build libFuzzer targets (clang only)" OFF)
set(RECHARGED_SANITIZE "" CACHE STRING "Sanitizers to build with: '' | 'address,undefined' | 'thread'")
# Debug information costs 40-70 % of the compile time at -O2. CI's test stage needs none (-g0); its sanitizer
# stages need file:line in their reports and no more (-g1, line tables). "" keeps what the build type says.
set(RECHARGED_DEBUG_INFO "" CACHE STRING "Debug information: '' (the build type's) | 'none' | 'lines'")
if(RECHARGED_DEBUG_INFO STREQUAL "none")
  add_compile_options(-g0)
elseif(RECHARGED_DEBUG_INFO STREQUAL "lines")
  add_compile_options(-g1)
elseif(NOT RECHARGED_DEBUG_INFO STREQUAL "")
  message(FATAL_ERROR "RECHARGED_DEBUG_INFO is '${RECHARGED_DEBUG_INFO}': use '', 'none' or 'lines'")
endif()

add_library(recharged_warnings INTERFACE)
target_compile_options(recharged_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough)
if(RECHARGED_WERROR)
  target_compile_options(recharged_warnings INTERFACE -Werror)
endif()

if(RECHARGED_SANITIZE)
  add_compile_options(-fsanitize=${RECHARGED_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${RECHARGED_SANITIZE})
endif()
if(RECHARGED_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
