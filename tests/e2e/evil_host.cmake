# The hostile-host suite: tests/e2e/host/evil_host.c is a host that attacks
# a real enclave (the e2e enclave, tests/e2e/e2e.edl) through the call
# window. It finds the window memfd the runtime created in its own process,
# maps it itself and writes forged and corrupted messages into the slots,
# behind the runtime's back. Every attack must end with the enclave
# refusing the message (ECALL_RET with an error) and serving on; the
# enclave must never crash or hang. Run on every engine.
add_executable(evil_host host/evil_host.c)
cgear_add_untrusted(evil_host EDL e2e.edl)
target_link_libraries(evil_host PRIVATE cgear_host_flags PkgConfig::CMOCKA Threads::Threads)
# window.h (the layout) and futex.h (the wake) of the call window.
target_include_directories(evil_host PRIVATE ${CGEAR_SOURCE_DIR}/src/window)
add_dependencies(evil_host e2e_enclave)
foreach(engine IN LISTS CGEAR_TEST_ENGINES)
  add_test(NAME e2e_evil_host_${engine} COMMAND evil_host $<TARGET_FILE:e2e_enclave>)
  set_tests_properties(e2e_evil_host_${engine} PROPERTIES ENVIRONMENT "CGEAR_ENGINE=${engine};CGEAR_LOG=quiet"
                                                          TIMEOUT 300 LABELS "e2e;hostile;${engine}"
                                                          SKIP_RETURN_CODE 77)
endforeach()
