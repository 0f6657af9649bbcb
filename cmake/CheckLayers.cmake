# Checks that every #include between the project's folders points down the layer table of ARCHITECTURE.md:
#   cmake -DSOURCE_DIR=<repository> -P cmake/CheckLayers.cmake
# A file in folder F may include its own folder and any folder on a line below F's; an include of a folder on
# F's own line or above fails, as does a top-level folder with a CMakeLists.txt that the table does not place.
# tests/ and bench/ sit over everything and are not checked. Exits non-zero and names each offending line.
cmake_minimum_required(VERSION 3.25)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "CheckLayers.cmake needs -DSOURCE_DIR=<repository root>")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/Layers.cmake)
recharged_read_layers(${SOURCE_DIR}/ARCHITECTURE.md layer)

set(unlayered tests bench) # over every layer: they may include anything
set(layered "")
math(EXPR last "${layer_COUNT} - 1")
foreach(i RANGE 0 ${last})
  foreach(f IN LISTS layer_${i})
    set(index_${f} ${i})
    list(APPEND layered ${f})
  endforeach()
endforeach()

set(problems "")
file(GLOB entries LIST_DIRECTORIES true RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*)
foreach(entry IN LISTS entries)
  if(IS_DIRECTORY ${SOURCE_DIR}/${entry} AND EXISTS ${SOURCE_DIR}/${entry}/CMakeLists.txt
     AND NOT entry IN_LIST layered AND NOT entry IN_LIST unlayered)
    list(APPEND problems "${entry}/ builds a library but is not in the layer table of ARCHITECTURE.md: add it to "
                         "the line of the layer it belongs to")
  endif()
endforeach()
foreach(f IN LISTS layered)
  if(NOT IS_DIRECTORY ${SOURCE_DIR}/${f})
    list(APPEND problems "the layer table of ARCHITECTURE.md names ${f}/, which does not exist")
  endif()
endforeach()

set(checked 0)
foreach(f IN LISTS layered)
  set(own ${index_${f}})
  file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${f}/*.cpp ${SOURCE_DIR}/${f}/*.hpp
       ${SOURCE_DIR}/${f}/*.h ${SOURCE_DIR}/${f}/*.cc ${SOURCE_DIR}/${f}/*.ipp)
  foreach(source IN LISTS sources)
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${SOURCE_DIR}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][a-z][a-z0-9_]*/")
    foreach(line IN LISTS includes)
      if(NOT line MATCHES "include[ \t]*[\"<](([a-z][a-z0-9_]*)/[^\">]*)")
        continue()
      endif()
      set(target ${CMAKE_MATCH_2})
      set(path ${CMAKE_MATCH_1})
      if(target STREQUAL f OR NOT DEFINED index_${target})
        continue()
      endif()
      if(NOT index_${target} GREATER own)
        if(index_${target} EQUAL own)
          set(where "on the same line of the layer table")
        else()
          set(where "above it in the layer table")
        endif()
        list(APPEND problems "${source}: includes \"${path}\", but ${target}/ is ${where} of ARCHITECTURE.md; "
                             "${f}/ may include only folders on lines below its own")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  list(LENGTH problems n)
  string(REPLACE ";" "\n  " text "${problems}")
  message(FATAL_ERROR "layering: ${n} problem(s):\n  ${text}")
endif()
message(STATUS "layering: ${checked} files in ${layer_COUNT} layers include only folders below their own")
