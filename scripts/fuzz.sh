#!/bin/sh
# SPDX-License-Identifier: MIT
# Build a libFuzzer target with clang into build-fuzz/ and run it for N
# seconds on a scratch copy of its corpus (the checked-in corpus is not
# touched). Crashers are written to build-fuzz/artifacts/<target>/; copy the
# ones you fix into tests/fuzz/regressions/<target>/ so CTest replays them.
#   scripts/fuzz.sh [SECONDS] [TARGET]     defaults: 60 ceql
# Needs clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
set -eu
SECONDS_TO_RUN=${1:-60}
TARGET=${2:-ceql}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-fuzz"
JOBS=$(nproc 2>/dev/null || echo 2)

# The whole project when tests/CMakeLists.txt includes tests/fuzz, else the
# fuzz directory on its own (same targets, fewer dependencies).
if grep -q 'add_subdirectory(fuzz)' "$ROOT/tests/CMakeLists.txt" 2>/dev/null; then
    SRC="$ROOT"
else
    SRC="$ROOT/tests/fuzz"
fi
if [ -f "$BUILD/CMakeCache.txt" ] &&
   ! grep -q "^CMAKE_HOME_DIRECTORY:INTERNAL=$SRC\$" "$BUILD/CMakeCache.txt"; then
    rm -rf "$BUILD"
fi
cmake -S "$SRC" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DED_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target "fuzz_$TARGET"
BIN=$(find "$BUILD" -type f -name "fuzz_$TARGET" -perm -u+x | head -n 1)
[ -n "$BIN" ] || { echo "fuzz.sh: fuzz_$TARGET was not built" >&2; exit 1; }

WORK="$BUILD/corpus-work/$TARGET"
ART="$BUILD/artifacts/$TARGET"
mkdir -p "$WORK" "$ART"
cp "$ROOT/tests/fuzz/corpus/$TARGET/"* "$WORK/"
# Regressions join the run as seeds (dot-files such as .gitkeep excluded).
for f in "$ROOT/tests/fuzz/regressions/$TARGET/"*; do
    [ -f "$f" ] && cp "$f" "$WORK/"
done
echo "fuzz.sh: running $BIN for ${SECONDS_TO_RUN}s on $WORK"
exec "$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len=12000 -timeout=10 \
     -print_final_stats=1 -artifact_prefix="$ART/" "$WORK"
