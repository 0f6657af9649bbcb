# Build options. Developer and CI builds turn on RECHARGED_WERROR (scripts/test does).
option(RECHARGED_WERROR "Treat compiler warnings as errors" OFF)
option(RECHARGED_BUILD_TESTS "Build the test suite" ON)
option(RECHARGED_BUILD_BENCH "Build the benchmark tools in bench/" ON)
option(RECHARGED_FUZZ "Build libFuzzer targets (clang only)" OFF)
set(RECHARGED_SANITIZE "" CACHE STRING "Sanitizers to build with: '' | 'address,undefined' | 'thread'")

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
