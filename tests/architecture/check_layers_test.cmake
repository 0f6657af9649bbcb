# Proves cmake/CheckLayers.cmake can fail: on copies of the layered folders (never the tree itself) it plants an
# upward include, a same-layer include and an unplaced folder, and expects each to be refused by name; and it
# adds a layer with one line of ARCHITECTURE.md, as a maintainer would.
#   cmake -DSOURCE_DIR=<repository> -DSCRATCH_DIR=<empty dir to use> -P check_layers_test.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT SOURCE_DIR OR NOT SCRATCH_DIR)
  message(FATAL_ERROR "check_layers_test.cmake needs -DSOURCE_DIR=<repository> -DSCRATCH_DIR=<dir>")
endif()
set(check ${SOURCE_DIR}/cmake/CheckLayers.cmake)
include(${SOURCE_DIR}/cmake/Layers.cmake)
recharged_read_layers(${SOURCE_DIR}/ARCHITECTURE.md layer)
set(copy ${SCRATCH_DIR}/tree)

# A fresh copy of ARCHITECTURE.md and every layered folder.
function(fresh_copy)
  file(REMOVE_RECURSE ${copy})
  file(MAKE_DIRECTORY ${copy})
  file(COPY ${SOURCE_DIR}/ARCHITECTURE.md DESTINATION ${copy})
  foreach(f IN LISTS layer_FOLDERS)
    file(COPY ${SOURCE_DIR}/${f} DESTINATION ${copy})
  endforeach()
endfunction()

# expect(<PASS|FAIL> <what> [<text the output must contain>…])
function(expect outcome what)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${copy} -P ${check} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  set(said "${out}${err}")
  if(outcome STREQUAL "PASS" AND NOT rc EQUAL 0)
    message(FATAL_ERROR "${what}: the check failed but should pass:\n${said}")
  endif()
  if(outcome STREQUAL "FAIL" AND rc EQUAL 0)
    message(FATAL_ERROR "${what}: the check passed but should fail:\n${said}")
  endif()
  foreach(needle IN LISTS ARGN)
    string(FIND "${said}" "${needle}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${what}: the output does not mention '${needle}':\n${said}")
    endif()
  endforeach()
  message(STATUS "ok: ${what}")
endfunction()

# plant(<file relative to the copy> <line>): appends `line` to a copied file.
function(plant file line)
  file(APPEND ${copy}/${file} "\n${line}\n")
endfunction()

fresh_copy()
expect(PASS "the tree as it is")

plant(core/time.cpp "#include \"cli/app.hpp\"")
expect(FAIL "core including cli" "core/time.cpp" "\"cli/app.hpp\"" "above it")

fresh_copy()
plant(storage/order_store.cpp "#include <engine/order_service.hpp>")
expect(FAIL "storage including engine with angle brackets" "storage/order_store.cpp" "engine/order_service.hpp")

fresh_copy()
plant(daemon/daemon.cpp "#include \"sandbox/sandbox.hpp\"")
expect(FAIL "daemon including sandbox, its neighbour on the same line" "daemon/daemon.cpp" "same line")

fresh_copy()
file(MAKE_DIRECTORY ${copy}/reports)
file(WRITE ${copy}/reports/CMakeLists.txt "")
expect(FAIL "a library folder the table does not place" "reports/ builds a library")

# Adding a layer is one line: exports and reports between daemon and the notify line.
file(READ ${copy}/ARCHITECTURE.md doc)
string(REGEX REPLACE "\n(notify[ ,\t])" "\nexports, reports\n\\1" doc "${doc}")
file(WRITE ${copy}/ARCHITECTURE.md "${doc}")
file(MAKE_DIRECTORY ${copy}/exports)
file(WRITE ${copy}/exports/CMakeLists.txt "")
file(WRITE ${copy}/exports/server.cpp "#include \"engine/order_service.hpp\"\n#include \"notify/notification_handler.hpp\"\n")
file(WRITE ${copy}/reports/sender.cpp "#include \"engine/order_service.hpp\"\n")
expect(PASS "a new layer placed with one line, including below it")
plant(daemon/daemon.cpp "#include \"reports/sender.hpp\"")
expect(PASS "daemon including the new layer below it")
plant(exports/server.cpp "#include \"reports/sender.hpp\"")
expect(FAIL "exports including reports on its own line" "exports/server.cpp" "same line")
fresh_copy()
plant(engine/order_service.cpp "#include \"notify/notification_handler.hpp\"")
expect(FAIL "engine including notify, the layer above" "engine/order_service.cpp" "notify/notification_handler.hpp")

file(REMOVE_RECURSE ${SCRATCH_DIR})
