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
