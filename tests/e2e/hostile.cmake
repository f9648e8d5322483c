# The hostile-enclave suite: an enclave built to attack its host
# (hostile.edl), a small heap so that its budget is easy to exceed, three
# threads. Run on every engine; each attack must end or confine only that
# enclave, with a clear error, and leave the host healthy.
cgear_add_enclave(hostile_enclave EDL hostile.edl SOURCES enclave/hostile_enclave.c
                  THREADS 3 HEAP_SIZE 67108864 OUTPUT_NAME hostile.enclave
                  INCLUDE_DIRECTORIES ${CGEAR_SOURCE_DIR}/src/window)
add_executable(hostile_host host/hostile_host.c)
cgear_add_untrusted(hostile_host EDL hostile.edl)
target_link_libraries(hostile_host PRIVATE cgear_host_flags PkgConfig::CMOCKA Threads::Threads)
target_include_directories(hostile_host PRIVATE ${CGEAR_SOURCE_DIR}/src/window ${CGEAR_SOURCE_DIR}/src/abi)
add_dependencies(hostile_host hostile_enclave)
foreach(engine IN LISTS CGEAR_TEST_ENGINES)
  add_test(NAME e2e_hostile_${engine} COMMAND hostile_host $<TARGET_FILE:hostile_enclave>)
  set_tests_properties(e2e_hostile_${engine} PROPERTIES ENVIRONMENT "CGEAR_ENGINE=${engine}"
                                                        TIMEOUT 300 LABELS "e2e;hostile;${engine}" SKIP_RETURN_CODE 77)
endforeach()
