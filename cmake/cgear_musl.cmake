# Locate musl's gcc specs: enclave code is compiled and linked with them.
find_file(CGEAR_MUSL_SPECS musl-gcc.specs
  PATHS /usr/lib/x86_64-linux-musl /usr/local/musl/lib /usr/lib/musl/lib
  NO_DEFAULT_PATH)
if(NOT CGEAR_MUSL_SPECS)
  message(FATAL_ERROR "musl-gcc.specs not found: install the Debian packages musl-dev and musl-tools "
                      "(make deps does it)")
endif()

# Compile and link options that make a target enclave code.
set(CGEAR_ENCLAVE_C_FLAGS -specs=${CGEAR_MUSL_SPECS} -fno-plt -fstack-protector-strong)
set(CGEAR_ENCLAVE_LINK_FLAGS -specs=${CGEAR_MUSL_SPECS} -static -Wl,-z,noexecstack -Wl,-z,relro,-z,now)

# BearSSL headers for enclave code (the runtime's sealing, and application
# enclaves that want their own crypto): musl-gcc's specs leave /usr/include
# out, and adding it would pull glibc headers in, so a build folder holds
# only links to bearssl.h and bearssl/ (Debian libbearssl-dev).
set(CGEAR_MUSL_BEARSSL_INC ${CMAKE_BINARY_DIR}/musl-bearssl-headers)
file(MAKE_DIRECTORY ${CGEAR_MUSL_BEARSSL_INC})
foreach(f bearssl.h bearssl)
  if(NOT EXISTS /usr/include/${f})
    message(FATAL_ERROR "/usr/include/${f} not found: install the Debian package libbearssl-dev (make deps does it)")
  endif()
  if(NOT EXISTS ${CGEAR_MUSL_BEARSSL_INC}/${f})
    file(CREATE_LINK /usr/include/${f} ${CGEAR_MUSL_BEARSSL_INC}/${f} SYMBOLIC)
  endif()
endforeach()
