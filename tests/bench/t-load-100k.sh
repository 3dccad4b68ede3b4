#!/bin/bash
# t-load-100k.sh - a generated configuration of 100,000 tenants (1% of them
# customer mode with keys) validates with `tenant-milter -t`.  The time it
# took and bench_load's figures are printed as TAP diagnostics: a figure,
# never a timed assertion (shared machines are noisy).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
N=${TM_LOAD_TENANTS:-100000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tm-load.XXXXXX")
trap 'rm -rf "$dir"' EXIT
echo "1..3"
t0=$(date +%s%N)
if bash "$top_srcdir/tests/bench/gen-tenants.sh" "$dir/conf" "$N" >"$dir/gen.out" 2>&1; then
	echo "ok 1 - generated $N tenants in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
	echo "not ok 1 - generate $N tenants"; sed 's/^/# /' "$dir/gen.out"; exit 1
fi
t0=$(date +%s%N)
"$top_builddir/src/daemon/tenant-milter" -t -c "$dir/conf/tenant-milter.conf" >"$dir/t.out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ $rc -eq 0 ] && grep -q "configuration valid: $N tenants" "$dir/t.out"; then
	echo "ok 2 - tenant-milter -t: $N tenants valid in $ms ms"
else
	echo "not ok 2 - tenant-milter -t on $N tenants (exit $rc)"; head -5 "$dir/t.out" | sed 's/^/# /'
fi
if out=$("$top_builddir/tests/bench/bench_load" "$dir/conf/tenant-milter.conf" 2>&1); then
	echo "ok 3 - bench_load"
else
	echo "not ok 3 - bench_load"
fi
printf '%s\n' "$out" | sed 's/^/# /'
