# cgear: thin wrapper over CMake. `make demo` and `make test` work on a new
# Debian machine: they install what is missing first.
BUILD      ?= build
TEST_BUILD ?= build-test
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo test test-asan test-valgrind test-fuzz fuzz install doctor clean bench kvm-summary

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# The helloworld demo on the best engine this machine offers.
demo: build
	@$(BUILD)/tools/cgear/cgear doctor || true
	@echo
	$(BUILD)/examples/helloworld/helloworld

FUZZ_BUILD ?= build-fuzz
SECONDS    ?= 300

# The whole suite: everything under ASan/UBSan, then the valgrind pass and
# the install test on the plain build, then each fuzzer briefly.
# Then the kvm tests once more on the emulated SVM machine, and a summary
# of the KVMs exercised (a run where no kvm test ran fails).
test: test-asan test-valgrind test-fuzz test-kvm-vm kvm-summary

test-asan: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCGEAR_SANITIZE=ON
	cmake --build $(TEST_BUILD) -j $(JOBS)
	$(TEST_BUILD)/tools/cgear/cgear doctor --kvm-kind > $(TEST_BUILD)/kvm-kind.txt 2>/dev/null || true
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS) -LE valgrind --output-junit junit.xml

test-valgrind: build
	$(BUILD)/tools/cgear/cgear doctor --kvm-kind > $(BUILD)/kvm-kind.txt 2>/dev/null || true
	cd $(BUILD) && ctest --output-on-failure -L 'valgrind|install|plain' --output-junit junit-valgrind.xml

# Which KVMs the kvm tests ran on, natively and emulated (scripts/kvm-summary.py).
kvm-summary:
	@python3 scripts/kvm-summary.py \
	    --native "$$(cat $(TEST_BUILD)/kvm-kind.txt 2>/dev/null || echo none)" $(TEST_BUILD)/junit.xml \
	    --native "$$(cat $(BUILD)/kvm-kind.txt 2>/dev/null || echo none)" $(BUILD)/junit-valgrind.xml \
	    --emulated $(BUILD)/kvm-vm/ctest-kvm.xml

# The emulated SVM machine (docs/testing.md): Debian's stock kernel in
# qemu-system-x86_64 under TCG (-cpu max: AMD SVM with nested paging)
# loads kvm_amd and runs cgear doctor, the helloworld demo and the kvm
# tests of the plain build on it. Needs no /dev/kvm here. Serial log:
# $(BUILD)/kvm-vm/console.log.
KVM_VM_TIMEOUT ?= 2400
KVM_VM_CYCLES  ?= 20

.PHONY: test-kvm-vm
test-kvm-vm: build
	KVM_VM_TIMEOUT=$(KVM_VM_TIMEOUT) KVM_VM_CYCLES=$(KVM_VM_CYCLES) scripts/kvm-vm/run-tests.sh $(BUILD)

# Every libFuzzer harness for a short time (CGEAR_FUZZ_SECONDS each).
test-fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCGEAR_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

# One harness for longer: make fuzz NAME=edl SECONDS=600
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCGEAR_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_$(NAME)
	fuzz/run_fuzzer.sh $(FUZZ_BUILD)/fuzz/$(NAME)/fuzz_$(NAME) fuzz/$(NAME)/corpus $(SECONDS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

doctor: build
	$(BUILD)/tools/cgear/cgear doctor

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)

# Benchmarks with full iteration counts (JSON on stdout).
# Each program's JSON goes to $(BUILD)/bench-out/ (and to the terminal);
# bench/publish.py then writes the tables into docs/performance.md (between
# its bench:begin/end markers) and the plots and the combined JSON into
# docs/perf/, with the machine they ran on.
BENCH_OUT = $(BUILD)/bench-out
bench: build
	mkdir -p $(BENCH_OUT)
	CGEAR_LOG=quiet $(BUILD)/bench/bench_calls $(BUILD)/bench/bench.enclave | tee $(BENCH_OUT)/calls.json
	CGEAR_LOG=quiet $(BUILD)/bench/bench_sc $(BUILD)/bench/bench_sc.enclave | tee $(BENCH_OUT)/sc.json
	CGEAR_LOG=quiet $(BUILD)/bench/bench_scale $(BUILD)/bench/bench.enclave | tee $(BENCH_OUT)/scale.json
	CGEAR_LOG=quiet $(BUILD)/bench/bench_snapshot $(BUILD)/bench/bench.enclave | tee $(BENCH_OUT)/snapshot.json
	python3 bench/publish.py --calls $(BENCH_OUT)/calls.json --sc $(BENCH_OUT)/sc.json \
	    --scale $(BENCH_OUT)/scale.json --snapshot $(BENCH_OUT)/snapshot.json --doc docs/performance.md --plots docs/perf \
	    --kvm-kind "$$($(BUILD)/tools/cgear/cgear doctor --kvm-kind 2>/dev/null || echo none)"
