#!/bin/sh
# Install cgear into a scratch prefix, then build and run the helloworld
# example as an outside project would: find_package(cgear) and pkg-config.
# Usage: install_test.sh <cgear build dir> <cgear source dir>
set -eu
build=$1
src=$2
work=$(mktemp -d /tmp/cgear-install-XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/cgear include/cgear/enclave.h include/cgear/status.h include/cgear/secgear_random.h \
         lib/libcgear_urts.so lib/libcgear_trts.a lib/cmake/cgear/cgearConfig.cmake \
         lib/pkgconfig/cgear-urts.pc lib/pkgconfig/cgear-trts.pc share/cgear/edl/secgear_tstdc.edl \
         share/cgear/edl/secure_channel.edl include/cgear/secure_channel_client.h \
         include/cgear/secure_channel_host.h include/cgear/secure_channel_enclave.h \
         lib/libcgear_secure_channel_client.so lib/libcgear_secure_channel_host.a \
         lib/libcgear_secure_channel_enclave.a lib/pkgconfig/cgear-secure-channel-client.pc \
         lib/pkgconfig/cgear-secure-channel-host.pc lib/pkgconfig/cgear-secure-channel-enclave.pc \
         share/cgear/python/cgear_sc_client.py; do
    [ -e "$work/prefix/$f" ] || { echo "install_test: missing $f in the installed tree" >&2; exit 1; }
done

# find_package(cgear) from a copy of the example outside the source tree.
cp -r "$src/examples/helloworld" "$work/app"
cmake -S "$work/app" -B "$work/app-build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/app-build" >/dev/null
out=$(LD_LIBRARY_PATH="$work/prefix/lib" "$work/app-build/helloworld")
echo "$out"
echo "$out" | grep -q "get_string: secgear hello world!" || { echo "install_test: wrong demo output" >&2; exit 1; }

# pkg-config: a host program compiled and linked with the flags it gives.
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
cat > "$work/pc.c" <<'C'
#include <enclave.h>
#include <stdio.h>
int main(void) { printf("%s\n", cc_enclave_res2_str(CC_ERROR_BAD_PARAMETERS)); return 0; }
C
# shellcheck disable=SC2046
cc -Wall -Werror "$work/pc.c" -o "$work/pc" $(pkg-config --cflags --libs cgear-urts)
LD_LIBRARY_PATH="$work/prefix/lib" "$work/pc" | grep -qi "param" || { echo "install_test: pkg-config build failed" >&2; exit 1; }

# The secure channel example from the installed package: client, server
# and enclave built with cgear::secure_channel_*, run on the best engine.
cp -r "$src/examples/secure_channel" "$work/sc"
cmake -S "$work/sc" -B "$work/sc-build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/sc-build" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/sc/test_secure_channel.sh" "$work/sc-build/sc_server" \
    "$work/sc-build/sc_client" "$work/sc-build/sc_demo.enclave" "$work/prefix/bin/cgear" >/dev/null ||
    { echo "install_test: the installed secure channel example failed" >&2; exit 1; }

# pkg-config: a secure-channel client built with the flags it gives.
cat > "$work/scc.c" <<'C'
#include <secure_channel_client.h>
#include <stdio.h>
int main(void)
{
    cc_sec_chl_ctx_t ctx = {0};
    cc_enclave_result_t rc = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_MAX, &ctx);
    printf("%s\n", cc_enclave_res2_str(rc));
    return 0;
}
C
# shellcheck disable=SC2046
cc -Wall -Werror "$work/scc.c" -o "$work/scc" $(pkg-config --cflags --libs cgear-secure-channel-client)
LD_LIBRARY_PATH="$work/prefix/lib" "$work/scc" | grep -qi "param" ||
    { echo "install_test: pkg-config secure channel client failed" >&2; exit 1; }
pkg-config --libs cgear-secure-channel-host | grep -q -- "-lcgear_secure_channel_host.*-lcgear_urts" ||
    { echo "install_test: cgear-secure-channel-host.pc" >&2; exit 1; }
echo "install_test: OK"
