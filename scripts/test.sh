#!/bin/sh
# Run every test (what `make test` and CI do, after building build/ and
# build-asan/):
#   0. the source checks (cheap, first): scripts/check-banned.sh and
#      scripts/check-format.sh (clang-format 14, which make deps installs);
#   1. the whole CTest suite on build/: unit, integration, sim (with the
#      contract test against HubSpot's SDK models, tests/contract), fuzz
#      regressions, the PostgreSQL runs (label pg: a throw-away cluster the
#      suite starts and removes) and the console's browser tests;
#   2. the unit tests and fuzz regressions again under ASan + UBSan;
#   3. a short libFuzzer run of each fuzz target (FUZZ_SECONDS each, default
#      20; 0 skips), with clang.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
scripts/check-banned.sh
scripts/check-format.sh
ctest --test-dir build --output-on-failure -j "$JOBS"
ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L 'unit|fuzz-regression'
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [ "$FUZZ_SECONDS" -gt 0 ] && command -v clang >/dev/null 2>&1; then
    for t in $(sed -n 's/^ed_fuzz_target(\([a-z_]*\).*/\1/p' tests/fuzz/CMakeLists.txt); do
        scripts/fuzz.sh "$FUZZ_SECONDS" "$t" >build/fuzz-$t.log 2>&1 ||
            { tail -40 build/fuzz-$t.log; echo "fuzzing $t found a problem"; exit 1; }
        grep -E "^(#[0-9]+\s+DONE|Done [0-9]+ runs)" build/fuzz-$t.log | tail -1 || true
    done
fi
