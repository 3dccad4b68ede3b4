#!/bin/sh
# tests/t-layering.sh - tests/layering.sh can fail: each case builds a
# small tree in a temporary directory, runs the check on it and asserts
# its exit status and the reason it prints.  TAP.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check=$top/tests/layering.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# tree NAME - a fresh, clean tree: every folder with a header, each
# including the folder below it, and return its path
tree() {
	d=$tmp/$1
	mkdir -p "$d/src/lib/util" "$d/src/lib/dns" "$d/src/lib/msg" \
		"$d/src/lib/spf" "$d/src/lib/dkim" "$d/src/lib/conf" \
		"$d/src/lib/policy" "$d/src/milter" "$d/src/daemon" "$d/src/tenantctl"
	printf '#include "config.h"\nint u;\n' >"$d/src/lib/util/u.h"
	printf '#include "util/u.h"\n' >"$d/src/lib/dns/d.h"
	printf '#include "dns/d.h"\n#include "util/u.h"\n' >"$d/src/lib/msg/m.c"
	printf '#include "msg/m.h"\n' >"$d/src/lib/spf/s.c"
	printf '#include "dns/d.h"\n#include "conf/model.h"\n' >"$d/src/lib/dkim/k.c"
	printf 'struct x;\n' >"$d/src/lib/conf/model.h"
	printf '#include "spf/s.h"\n#include "dkim/k.h"\n' >"$d/src/lib/conf/c.c"
	printf '#include "conf/c.h"\n' >"$d/src/lib/policy/p.c"
	printf '#include "policy/p.h"\n#include "conf/c.h"\n' >"$d/src/lib/snap.c"
	printf '#include "snap.h"\n#include "milter_int.h"\n' >"$d/src/milter/mi.c"
	printf 'int i;\n' >"$d/src/milter/milter_int.h"
	printf '#include "milter/mi.h"\n#include "snap.h"\n' >"$d/src/daemon/main.c"
	printf '#include "snap.h"\n' >"$d/src/tenantctl/t.c"
	mkdir -p "$d/tests"
	echo "$d"
}

n=0 failed=0
# expect NAME WANT_RC PATTERN DIR - run the check on DIR; pass when the
# exit status is WANT_RC and the output matches PATTERN
expect() {
	n=$((n + 1))
	out=$(sh "$check" "$4" 2>&1)
	rc=$?
	if [ "$rc" -eq "$2" ] && printf '%s\n' "$out" | grep -q -- "$3"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: got exit $rc, want $2 and output matching '$3'"
		printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/# /'
		failed=1
	fi
}

echo "1..10"
d=$(tree clean)
expect "a clean tree passes" 0 "^ok .* src/lib/snap.c" "$d"

d=$(tree up)
printf '#include "dns/d.h"\n' >"$d/src/lib/util/bad.c"
expect "util including dns fails" 1 \
	'not ok .* src/lib/util/bad.c; includes "dns/d.h": dns is not below util' "$d"

d=$(tree sibling)
printf '#include "dkim/k.h"\n' >"$d/src/lib/spf/bad.c"
expect "spf including dkim (same rank) fails" 1 \
	'src/lib/spf/bad.c; includes "dkim/k.h": dkim is not below spf' "$d"

d=$(tree snap)
printf '#include "snap.h"\n' >"$d/src/lib/dkim/bad.c"
expect "dkim including snap.h fails" 1 'snap is not below dkim' "$d"

d=$(tree milter)
printf '#include "milter/mi.h"\n' >"$d/src/tenantctl/bad.c"
expect "tenantctl including milter fails" 1 'milter is not below tenantctl' "$d"

d=$(tree nofolder)
printf '#include "d.h"\n' >"$d/src/lib/dns/bad.c"
expect "a lib include without its folder fails" 1 \
	'src/lib/dns/bad.c; includes "d.h" without its folder' "$d"

d=$(tree long)
awk 'BEGIN { for (i = 0; i < 800; i++) print "int x" i ";" }' >"$d/src/lib/util/ok800.c"
awk 'BEGIN { for (i = 0; i < 801; i++) print "int x" i ";" }' >"$d/src/lib/util/big.c"
expect "a file of 801 lines fails" 1 'not ok .* src/lib/util/big.c; 801 lines (at most 800)' "$d"
expect "a file of 800 lines passes" 1 '^ok .* src/lib/util/ok800.c' "$d"

d=$(tree allow)
printf '#include "snap.h"\n' >"$d/src/lib/dkim/guard.c"
printf '# why\nsrc/lib/dkim/guard.c snap.h\n' >"$d/tests/layering.allow"
expect "an allowed exception passes" 0 'ok .* every exception still needed' "$d"
rm "$d/src/lib/dkim/guard.c"
expect "an exception no longer needed fails" 1 \
	'no longer needed, remove: src/lib/dkim/guard.c:snap.h' "$d"
exit $failed
