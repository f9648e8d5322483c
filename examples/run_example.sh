#!/bin/sh
# run_example.sh CGEAR PROGRAM [ARG...] - run an example on the engine
# CGEAR_ENGINE names, as its CTest entry: exit 77 (skipped) with the reason
# when `cgear doctor` says that engine cannot run here, else the example's
# own exit status (0 only if every step it checks worked).
set -eu
cgear=$1
shift
engine=${CGEAR_ENGINE:-}
if [ -n "$engine" ]; then
    line=$(CGEAR_ENGINE= "$cgear" doctor 2>/dev/null | awk -v e="$engine" '$1 == e')
    case $line in
    *" yes "*) ;;
    *)
        echo "SKIP: the $engine engine cannot run here: ${line:-not listed by cgear doctor}" >&2
        exit 77
        ;;
    esac
fi
exec "$@"
