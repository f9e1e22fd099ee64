# Helpers shared by every folder: one library per folder, warnings as errors
# on our own code, sanitizers when SLUICE_SANITIZE is on.

set(SLUICE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
# GCC 12 reports false -Wrestrict positives at -O3 (std::string inlining).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND SLUICE_WARNINGS -Wno-restrict)
endif()
set(SLUICE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(sluice_target_defaults target)
  target_compile_options(${target} PRIVATE ${SLUICE_WARNINGS})
  if(SLUICE_SANITIZE)
    target_compile_options(${target} PRIVATE ${SLUICE_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${SLUICE_SANITIZER_FLAGS})
  endif()
endfunction()

# sluice_add_library(NAME SOURCES... ) -> target sluice_NAME, alias sluice::NAME
function(sluice_add_library name)
  add_library(sluice_${name} STATIC ${ARGN})
  add_library(sluice::${name} ALIAS sluice_${name})
  target_include_directories(sluice_${name} PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  sluice_target_defaults(sluice_${name})
endfunction()

# sluice_add_test(NAME SOURCES LIBS...) -> a GoogleTest binary registered with
# ctest; SOURCES is one file or a ;-list given quoted.
function(sluice_add_test name sources)
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${ARGN} GTest::gtest GTest::gtest_main)
  sluice_target_defaults(${name})
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
endfunction()
