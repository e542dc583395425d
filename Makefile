# pagewalk front door. Everything real lives in CMake; this file installs what a fresh
# Debian 12 machine is missing, configures, builds, and runs or tests.
#
#   make run    build and boot the bundled kernel (window if a display works, else terminal)
#   make test   build, then run the whole test suite through ctest (plus the unit tests
#               again under AddressSanitizer + UBSan)
#   make bench  build, then run the benchmarks side by side with QEMU and Bochs

# The one list of Debian packages pagewalk needs (build, run, test).
PACKAGES := cmake ninja-build make gcc clang lld llvm libclang-rt-14-dev pkg-config python3 \
            libsdl2-dev libcapstone-dev libunicorn-dev qemu-system-x86 xvfb xauth psf-unifont
# Extra packages only the benchmarks need.
BENCH_PACKAGES := bochs bochsbios vgabios

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
RUN_ARGS   ?=

.PHONY: all deps bench-deps configure build run test test-fast asan bench clean

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "pagewalk: installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "pagewalk: missing Debian packages:$$missing (run 'make' as root to install them)" >&2; exit 1; \
	  fi; \
	fi

bench-deps: deps
	@$(MAKE) --no-print-directory deps PACKAGES="$(BENCH_PACKAGES)"

configure: deps
	@[ -f $(BUILD)/build.ninja ] || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/pagewalk $(RUN_ARGS)

asan: deps
	@[ -f $(ASAN_BUILD)/build.ninja ] || cmake -S . -B $(ASAN_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=Debug -DPAGEWALK_SANITIZE=ON -DPAGEWALK_GUEST=OFF -DCMAKE_C_COMPILER=clang
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

bench: bench-deps build
	@cmake --build $(BUILD) --target bench-images
	@python3 tests/bench/run.py --build $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
