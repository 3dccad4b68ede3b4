#!/bin/bash
# tests/fuzz/run.sh [SECONDS [HARNESS...]] - build the libFuzzer harnesses
# of tests/fuzz (clang, with AddressSanitizer and UndefinedBehaviorSanitizer)
# and run each for SECONDS (default 10) over a copy of its seed corpus in
# tests/fuzz/corpus/HARNESS; print the executions per harness.  Exit 1 when
# a harness finds a crash, a leak or undefined behaviour (the input is kept
# in $TM_FUZZ_DIR as crash-*, leak-*, ...), 0 otherwise.
#
#   tests/fuzz/run.sh                  # CI: 10 s each
#   tests/fuzz/run.sh 3600 spf         # a long run of one harness
#
# Harnesses: addr (From/Reply-To mailboxes, SMTP paths), spf (SPF record
# syntax), conf (the configuration loader), message (the per-message
# decision at the end of headers).  Needs a configured tree (config.h).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${top_builddir:-$top}
secs=${1:-10}
[ $# -gt 0 ] && shift
harnesses=${*:-addr spf conf message}
out=${TM_FUZZ_DIR:-$build/fuzz-out}
CC=${TM_FUZZ_CC:-clang}

[ -f "$build/config.h" ] || { echo "fuzz: no config.h in $build: run ./configure first" >&2; exit 1; }
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found" >&2; exit 1; }
mkdir -p "$out/obj" || exit 1
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 $san -std=c11 -D_GNU_SOURCE -I$build -I$top/src/lib -DSYSCONFDIR=\"/etc\"
	$(pkg-config --cflags libcrypto libconfig opendkim 2>/dev/null)"
libs="$(pkg-config --libs libcrypto libconfig opendkim 2>/dev/null) -lspf2 -lunbound -lpthread"

# The library once, instrumented for coverage, then one binary per harness.
# A header newer than the last build (or config.h) rebuilds every object.
if [ -f "$out/obj/.stamp" ] &&
   [ -n "$(find "$top/src/lib" "$build/config.h" -name '*.h' -newer "$out/obj/.stamp" | head -1)" ]; then
	rm -f "$out"/obj/*.o
fi
srcs=$(cd "$top" && find src/lib -name '*.c' | LC_ALL=C sort)
obj_of() { echo "$out/obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')"; }
objs=
for s in $srcs; do objs="$objs $(obj_of "$s")"; done
for s in $srcs; do
	o=$(obj_of "$s")
	if [ ! -f "$o" ] || [ "$top/$s" -nt "$o" ]; then
		echo "$CC -c $top/$s -o $o"
	fi
done | sed "s|^$CC|$CC -fsanitize=fuzzer-no-link $(echo $cflags)|" |
	xargs -P "$(nproc)" -I{} sh -c '{}' || { echo "fuzz: library build failed" >&2; exit 1; }
touch "$out/obj/.stamp"
rc=0
for h in $harnesses; do
	bin=$out/fuzz_$h
	# shellcheck disable=SC2086
	$CC -fsanitize=fuzzer $cflags "$top/tests/fuzz/fuzz_$h.c" $objs $libs -o "$bin" ||
		{ echo "fuzz_$h: build failed"; rc=1; continue; }
	rm -rf "$out/corpus-$h" "$out/tmp"; mkdir -p "$out/corpus-$h" "$out/tmp"
	cp "$top/tests/fuzz/corpus/$h"/* "$out/corpus-$h/"
	(cd "$out" && TMPDIR=$out/tmp LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1 "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$out/$h-" "corpus-$h" >"$out/$h.log" 2>&1)
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log")
	units=$(ls "$out/corpus-$h" | wc -l)
	if [ $st -eq 0 ]; then
		echo "fuzz_$h: ${execs:-?} executions in ${secs} s, corpus $units inputs, no finding"
	else
		echo "fuzz_$h: FINDING after ${execs:-?} executions (exit $st); see $out/$h.log"
		grep -m3 -E 'ERROR|SUMMARY|runtime error' "$out/$h.log"
		rc=1
	fi
done
exit $rc
