#!/bin/sh
# Run every test: the full suite on build/, then the unit tests again under ASan+UBSan.
set -eu
JOBS=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j "$JOBS"
ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L unit
