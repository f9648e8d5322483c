# cgear_e2e_test(<name>
#     ENCLAVE <target>                  the enclave the suite runs
#     [EDL <file.edl>]                  its interface: needed to build the
#                                       enclave or the host here
#     [ENCLAVE_SOURCES <src>...         build ENCLAVE here from these, with
#      [THREADS <n>] [HEAP_SIZE <bytes>] [OUTPUT_NAME <file>]
#      [ENCLAVE_INCLUDE_DIRECTORIES <dir>...]]  (cgear_add_enclave); without
#                                       ENCLAVE_SOURCES, ENCLAVE is another
#                                       suite's
#     [HOST <target> HOST_SOURCES <src>...  build the host program here,
#      [HOST_INCLUDE_DIRECTORIES <dir>...] [HOST_LINK_LIBRARIES <lib>...]]
#                                       with cmocka, threads, the host
#                                       flags and src/abi (pvm_detect.h:
#                                       the hosts ask which KVM this is)
#     [COMMAND <program> <arg>...]      what each test runs (default:
#                                       HOST $<TARGET_FILE:ENCLAVE>)
#     [LABELS <label>...]               besides e2e (first) and the engine (last)
#     [ENVIRONMENT <var=value>...]      besides CGEAR_ENGINE=<engine> (first)
#     [VALGRIND <test name> <engine>...]  HOST under valgrind on an engine
#     [VALGRIND_ENVIRONMENT <var=value>...])  besides CGEAR_ENGINE=<engine>
#
# Registers <name>_<engine> for every engine in CGEAR_TEST_ENGINES: TIMEOUT
# 300, SKIP_RETURN_CODE 77 (the host's exit status for an engine that
# cannot run here).
# The VALGRIND runs exist where CGEAR_TEST_VALGRIND (tests/CMakeLists.txt)
# holds the valgrind command line: LABELS valgrind, TIMEOUT 900, and
# SKIP_RETURN_CODE 77 on the kvm engine only, as they were registered
# before this function (the process engine's runs have none).
function(cgear_e2e_test name)
  cmake_parse_arguments(A "" "ENCLAVE;EDL;THREADS;HEAP_SIZE;OUTPUT_NAME;HOST"
    "ENCLAVE_SOURCES;ENCLAVE_INCLUDE_DIRECTORIES;HOST_SOURCES;HOST_INCLUDE_DIRECTORIES;HOST_LINK_LIBRARIES;COMMAND;LABELS;ENVIRONMENT;VALGRIND;VALGRIND_ENVIRONMENT"
    ${ARGN})
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cgear_e2e_test(${name}): unknown arguments ${A_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT A_ENCLAVE)
    message(FATAL_ERROR "cgear_e2e_test(${name}): ENCLAVE is required")
  endif()

  if(A_ENCLAVE_SOURCES)
    set(opts)
    foreach(kw THREADS HEAP_SIZE OUTPUT_NAME)
      if(A_${kw})
        list(APPEND opts ${kw} ${A_${kw}})
      endif()
    endforeach()
    if(A_ENCLAVE_INCLUDE_DIRECTORIES)
      list(APPEND opts INCLUDE_DIRECTORIES ${A_ENCLAVE_INCLUDE_DIRECTORIES})
    endif()
    cgear_add_enclave(${A_ENCLAVE} EDL ${A_EDL} SOURCES ${A_ENCLAVE_SOURCES} ${opts})
  endif()

  if(A_HOST AND A_HOST_SOURCES)
    add_executable(${A_HOST} ${A_HOST_SOURCES})
    cgear_add_untrusted(${A_HOST} EDL ${A_EDL})
    target_link_libraries(${A_HOST} PRIVATE cgear_host_flags ${A_HOST_LINK_LIBRARIES} PkgConfig::CMOCKA
                                            Threads::Threads)
    target_include_directories(${A_HOST} PRIVATE ${A_HOST_INCLUDE_DIRECTORIES} ${CGEAR_SOURCE_DIR}/src/abi)
    add_dependencies(${A_HOST} ${A_ENCLAVE})
  endif()

  if(A_COMMAND)
    set(command ${A_COMMAND})
  elseif(A_HOST)
    set(command ${A_HOST} $<TARGET_FILE:${A_ENCLAVE}>)
  else()
    message(FATAL_ERROR "cgear_e2e_test(${name}): HOST or COMMAND is required")
  endif()

  # Lists built with list(APPEND): an empty LABELS or ENVIRONMENT adds no
  # empty entry.
  foreach(engine IN LISTS CGEAR_TEST_ENGINES)
    set(labels e2e ${A_LABELS} ${engine})
    set(env CGEAR_ENGINE=${engine} ${A_ENVIRONMENT})
    add_test(NAME ${name}_${engine} COMMAND ${command})
    set_tests_properties(${name}_${engine} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 300 LABELS "${labels}"
                                                      SKIP_RETURN_CODE 77)
  endforeach()

  list(LENGTH A_VALGRIND n)
  math(EXPR odd "${n} % 2")
  if(odd OR (A_VALGRIND AND NOT A_HOST))
    message(FATAL_ERROR "cgear_e2e_test(${name}): VALGRIND takes pairs <test name> <engine>, and a HOST")
  endif()
  if(A_VALGRIND AND CGEAR_TEST_VALGRIND)
    math(EXPR last "${n} - 2")
    foreach(i RANGE 0 ${last} 2)
      math(EXPR j "${i} + 1")
      list(GET A_VALGRIND ${i} test)
      list(GET A_VALGRIND ${j} engine)
      set(env CGEAR_ENGINE=${engine} ${A_VALGRIND_ENVIRONMENT})
      add_test(NAME ${test} COMMAND ${CGEAR_TEST_VALGRIND} $<TARGET_FILE:${A_HOST}> $<TARGET_FILE:${A_ENCLAVE}>)
      set_tests_properties(${test} PROPERTIES LABELS valgrind ENVIRONMENT "${env}" TIMEOUT 900)
      if(engine STREQUAL "kvm")
        set_tests_properties(${test} PROPERTIES SKIP_RETURN_CODE 77)
      endif()
    endforeach()
  endif()
endfunction()
