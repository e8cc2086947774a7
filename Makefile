# elementsd: top-level entry points (CMake underneath).
#   make        build only (build/elementsd, build/hubspot-sim)
#   make deps   install missing Debian packages (as root; otherwise print the command)
#   make run    deps + build + start hubspot-sim and elementsd (SQLite under ./var)
#   make test   deps + build + every test through CTest (also an ASan+UBSan unit run)
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps run test asan clean

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DED_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh

run: deps build
	@scripts/run.sh

test: deps build asan
	@scripts/test.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
