# Compiles through ccache when it is installed (scripts/deps installs it) and no launcher was chosen: a
# rebuild after `git checkout`, a second build directory with the same flags, or a CI stage repeating another's
# flags then costs a cache lookup per file. -DRECHARGED_CCACHE=OFF turns it off.
option(RECHARGED_CCACHE "Compile through ccache when it is installed" ON)
if(RECHARGED_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(RECHARGED_CCACHE_PROGRAM ccache)
  if(RECHARGED_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${RECHARGED_CCACHE_PROGRAM})
  endif()
endif()
