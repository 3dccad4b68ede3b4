#!/bin/bash
# t-manpage.sh - tenantctl(8) documents every command tenantctl has (from
# its own usage list), and the dns --json fields it prints.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MAN=$top_srcdir/man/tenantctl.8

cmds=$("$TCTL" 2>&1 | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
if [ -n "$cmds" ]; then ok "tenantctl lists its commands"; else not_ok "tenantctl lists its commands"; fi
for c in $cmds; do
	if grep -q "^\.It Cm $c\b" "$MAN" && grep -q "^\.Cm $c\$" "$MAN"; then
		ok "tenantctl(8) documents $c (synopsis and description)"
	else
		not_ok "tenantctl(8) documents $c (synopsis and description)" "no .Cm $c / .It Cm $c in $MAN"
	fi
done
for f in verdict headline dmarc_pass matched fix_zone fix_name warnings problems; do
	if grep -q "Li $f\b\|Li .*, $f\b\|, $f ,\|Li $f ," "$MAN"; then ok "dns --json field $f documented"
	else not_ok "dns --json field $f documented"; fi
done
done_testing
