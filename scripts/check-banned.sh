#!/bin/sh
# SPDX-License-Identifier: MIT
# Banned-function check (STYLE.md rule 21): untrusted input goes through the
# bounded parsers (src/core/strparse.h, sim/util.c), strings through snprintf
# and the capped buffers. Fails, listing file:line, when a C file under src/,
# sim/ or tests/{unit,fuzz,support}/ calls one of the functions below.
#
# A call is the name as a whole word followed by "(" (so snprintf, vsnprintf
# and ed_parse_i64 pass, and a comment saying "atoi is banned" is fine; a
# comment showing a call, "atoi(s)", is not: reword it).
#
# Usage: scripts/check-banned.sh [FILE...]   (default: the tree)
set -eu
cd "$(dirname "$0")/.."

# name: why (and what to use instead)
BANNED='
atoi:     no error reporting; ed_parse_i64 / ed_parse_u64 (sim_parse_i64)
atol:     no error reporting; ed_parse_i64
atoll:    no error reporting; ed_parse_i64
atof:     no error reporting; sim_parse_double or jansson
strtol:   easy to misuse (errno, end pointer, range); ed_parse_i64
strtoul:  accepts "-1"; ed_parse_u64
strtoll:  ed_parse_i64
strtoull: accepts "-1"; ed_parse_u64
strtoimax: ed_parse_i64
strtoumax: ed_parse_u64
strtod:   locale, hex, inf/nan; sim_parse_double or jansson
strtof:   as strtod
strtold:  as strtod
sscanf:   unbounded %s, silent partial matches; a bounded parser
vsscanf:  as sscanf
scanf:    as sscanf
fscanf:   as sscanf
gets:     unbounded
strcpy:   unbounded; snprintf, struct ed_buf (sim_strlcpy in the sim)
strncpy:  does not terminate; snprintf or a bounded copy
strcat:   unbounded; struct ed_buf / snprintf
strncat:  easy to overflow; struct ed_buf / snprintf
sprintf:  unbounded; snprintf
vsprintf: unbounded; vsnprintf
strtok:   hidden state, not thread-safe; split by hand
strtok_r: modifies its input; split by hand
'

names=$(printf '%s\n' "$BANNED" | sed -n 's/^\([a-z_]*\):.*/\1/p' | paste -sd'|' -)
pattern="(^|[^A-Za-z0-9_.>])($names)[[:space:]]*\\("

if [ "$#" -gt 0 ]; then
    files="$*"
else
    files=$(find src sim tests/unit tests/fuzz tests/support \
                -name '*.c' -o -name '*.h' 2>/dev/null | sort)
fi

# shellcheck disable=SC2086
hits=$(grep -nE "$pattern" $files /dev/null || true)
if [ -n "$hits" ]; then
    echo "banned functions used (see STYLE.md rule 21):" >&2
    printf '%s\n' "$hits" >&2
    echo >&2
    printf '%s\n' "$hits" | grep -oE "$pattern" | grep -oE "($names)" |
        sort -u | while read -r f; do
            printf '%s\n' "$BANNED" | grep "^$f:" | sed 's/^/  /' >&2
        done
    exit 1
fi
echo "check-banned: $(printf '%s\n' $files | wc -l) files clean"
