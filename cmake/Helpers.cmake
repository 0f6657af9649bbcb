# recharged_library(<name> SOURCES ... DEPS ...): a static library for one folder, include root = repo.
function(recharged_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE recharged_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# recharged_unit_tests(<module> DEPS ...): one doctest binary per module from tests/unit/<module>/*_test.cpp.
# A module may split its tests into several binaries: NAME (default unit_<module>) with the files matching GLOB
# (default *_test.cpp) and not matching the regular expression EXCLUDE.
function(recharged_unit_tests module)
  cmake_parse_arguments(ARG "" "NAME;GLOB;EXCLUDE" "DEPS;LABELS" ${ARGN})
  if(NOT ARG_GLOB)
    set(ARG_GLOB *_test.cpp)
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/${module}/${ARG_GLOB})
  if(ARG_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${ARG_EXCLUDE}")
  endif()
  set(target unit_${module})
  if(ARG_NAME)
    set(target ${ARG_NAME})
  endif()
  add_executable(${target} ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} recharged_test_support recharged_warnings)
  add_test(NAME ${target} COMMAND ${target} --no-version=true)
  set_tests_properties(${target} PROPERTIES LABELS "unit;${ARG_LABELS}" TIMEOUT 300
    ENVIRONMENT "RECHARGED_SOURCE_DIR=${PROJECT_SOURCE_DIR};RECHARGED_BINARY=$<TARGET_FILE:recharged>")
endfunction()
