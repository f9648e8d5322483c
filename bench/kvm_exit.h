/* kvm_exit.h - the bare VM exit reference of the benchmarks. */
#ifndef CGEAR_BENCH_KVM_EXIT_H
#define CGEAR_BENCH_KVM_EXIT_H

/* Mean ns of one guest `out` -> KVM_EXIT_IO -> KVM_RUN round trip over
 * @iters exits, or -1 if /dev/kvm cannot run the tiny VM. */
double cg_bench_kvm_exit_ns(long iters);

#endif
