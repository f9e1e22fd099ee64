# Helpers shared by every folder: one library per folder, warnings as errors
# on our own code, sanitizers when SLUICE_SANITIZE (or SLUICE_TSAN) is on.

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
  elseif(SLUICE_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()

# sluice_add_library(NAME SOURCES... ) -> target sluice_NAME, alias sluice::NAME
function(sluice_add_library name)
  add_library(sluice_${name} STATIC ${ARGN})
  add_library(sluice::${name} ALIAS sluice_${name})
  target_include_directories(sluice_${name} PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  sluice_target_defaults(sluice_${name})
endfunction()

# sluice_add_test(NAME SOURCES LIBS... [LABEL label]) -> a GoogleTest binary
# registered with ctest, every case labelled `label` when given; SOURCES is
# one file or a ;-list given quoted.
function(sluice_add_test name sources)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "LABEL" "")
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${arg_UNPARSED_ARGUMENTS} GTest::gtest GTest::gtest_main)
  sluice_target_defaults(${name})
  include(GoogleTest)
  if(arg_LABEL)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${arg_LABEL})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# The library graph: one library per folder, declared with what it depends
# on. DEPENDS names the sluice libraries (sluice_NAME) whose headers the
# folder includes, every one of them (not only the nearest: the check is not
# transitive); LIBRARIES the other targets it links (Debian's packages).
# scripts/check-includes.py reads these calls as the graph that every
# #include must follow and that has no cycle (docs/ARCHITECTURE.md, "The
# library graph"); FOLDER tells it the folder when it is not the
# CMakeLists.txt's own.
#
# sluice_folder_library(NAME [FOLDER dir] [SOURCES files...] DEPENDS names... [LIBRARIES targets...])
#   -> static library sluice_NAME (alias sluice::NAME) of SOURCES, by default
#      the folder's *.cc but main.cc.
function(sluice_folder_library name)
  cmake_parse_arguments(ARG "" "FOLDER" "SOURCES;DEPENDS;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    set(folder ${CMAKE_CURRENT_SOURCE_DIR})
    if(ARG_FOLDER)
      set(folder ${CMAKE_SOURCE_DIR}/${ARG_FOLDER})
    endif()
    file(GLOB ARG_SOURCES CONFIGURE_DEPENDS ${folder}/*.cc)
    list(FILTER ARG_SOURCES EXCLUDE REGEX "/main\\.cc$")
  endif()
  sluice_add_library(${name} ${ARG_SOURCES})
  sluice_folder_dependencies(${name} DEPENDS ${ARG_DEPENDS} LIBRARIES ${ARG_LIBRARIES})
endfunction()

# sluice_folder_dependencies(NAME [FOLDER dir] DEPENDS names... [LIBRARIES targets...])
#   -> links an existing target sluice_NAME (made without sluice_folder_library).
function(sluice_folder_dependencies name)
  cmake_parse_arguments(ARG "" "FOLDER" "DEPENDS;LIBRARIES" ${ARGN})
  foreach(dependency ${ARG_DEPENDS})
    target_link_libraries(sluice_${name} PUBLIC sluice::${dependency})
  endforeach()
  if(ARG_LIBRARIES)
    target_link_libraries(sluice_${name} PUBLIC ${ARG_LIBRARIES})
  endif()
endfunction()

# sluice_folder_executable(NAME [FOLDER dir] SOURCES files... DEPENDS names... [LIBRARIES targets...])
#   -> the executable NAME.
function(sluice_folder_executable name)
  cmake_parse_arguments(ARG "" "FOLDER" "SOURCES;DEPENDS;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  foreach(dependency ${ARG_DEPENDS})
    target_link_libraries(${name} PRIVATE sluice::${dependency})
  endforeach()
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  sluice_target_defaults(${name})
endfunction()
