#!/bin/sh
# SPDX-License-Identifier: MIT
# Formatting check (STYLE.md rule 25): fails when a C file or header under
# src/ or sim/ differs from what clang-format makes of it with the checked-in
# .clang-format. Fix with: clang-format -i FILE (or the same over the tree).
# The output of clang-format depends on its version: this check is pinned to
# the major version the tree is formatted with (CLANG_FORMAT_MAJOR, or
# CLANG_FORMAT to pick the binary).
#
# Usage: scripts/check-format.sh [FILE...]   (default: src/ and sim/)
set -eu
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-clang-format}
WANT=${CLANG_FORMAT_MAJOR:-14}

if ! command -v "$CF" >/dev/null 2>&1; then
    echo "check-format: $CF not found (apt-get install clang-format)" >&2
    exit 2
fi
have=$("$CF" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$have" != "$WANT" ]; then
    echo "check-format: $CF is version $have, the tree is formatted with" \
         "$WANT (set CLANG_FORMAT to a clang-format-$WANT)" >&2
    exit 2
fi
if [ "$#" -gt 0 ]; then
    files="$*"
else
    files=$(find src sim -name '*.c' -o -name '*.h' | sort)
fi
# shellcheck disable=SC2086
if ! "$CF" --style=file --dry-run --Werror $files; then
    echo "check-format: files above need clang-format -i" >&2
    exit 1
fi
echo "check-format: $(printf '%s\n' $files | wc -l) files formatted"
