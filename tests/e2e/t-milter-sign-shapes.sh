#!/bin/bash
# t-milter-sign-shapes.sh - the differential test's message shapes
# (tests/diff/dkim-diff.c, unsigned) sent through the real Postfix and
# milter as tenant acme (RSA s1 + Ed25519 s2); every delivered message
# verifies with libopendkim and dkimpy (both signatures) and Mail::DKIM
# (RSA).  The large generated batch without Postfix is tests/diff.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-sign-shapes
N=${SHAPES_COUNT:-40}
h_plan 4
m_setup
mkdir -p "$H/raw" "$H/out"
"$top_builddir/tests/diff/dkim-diff" "$H/raw" "$N" 7 "$H/conf/keys/acme.key" \
	"$H/conf/keys/acme-e.key" raw || h_die "dkim-diff failed"
sent=0
for f in "$H"/raw/*.eml; do
	# acme's sender and identify header, each line end as the file has it
	awk 'NR == 1 { cr = /\r$/ ? "\r" : ""; print; print "X-Tenant-ID: acme" cr; next }
	     !done && sub(/^[Ff][Rr][Oo][Mm]: App <app@diff.example>/, "From: App <claim@acme.example>") { done = 1 }
	     { print }' "$f" >"$f.acme"
	m_deliver --from claim@acme.example --to u@dest.example --data "$f.acme"
	[ -n "$M_FILE" ] && cp "$M_FILE" "$H/out/$(basename "$f")" && sent=$((sent + 1))
done
h_ok "all $N messages delivered through Postfix and the milter" test "$sent" -eq "$N"
bin=$(h__verify_opendkim_bin)
"$bin" "$H_DNS_PORT" "$H"/out/*.eml >"$H/opendkim.out"
/usr/bin/python3 "$H_E2E_DIR/verify-dkimpy.py" "$H_DNS_PORT" "$H"/out/*.eml >"$H/dkimpy.out"
perl "$H_E2E_DIR/verify-mail-dkim.pl" "$H_DNS_PORT" "$H"/out/*.eml >"$H/mail-dkim.out"
each() {	# each OUT REGEX: every line matches
	local bad
	bad=$(grep -v -E "$2" "$1" | head -3)
	[ -z "$bad" ] && [ "$(wc -l <"$1")" -eq "$N" ] && return 0
	h_diag "$1:" "$bad"; return 1
}
S1='acme.example/s1 rsa-sha256=pass' S2='acme.example/s2 ed25519-sha256'
h_ok "libopendkim passes both signatures of every message" each "$H/opendkim.out" \
	"^[^ ]+: opendkim: pass \\(($S2=pass, $S1|$S1, $S2=pass)\\)\$"
h_ok "dkimpy passes both signatures of every message" each "$H/dkimpy.out" \
	"^[^ ]+: dkimpy: pass \\(($S2=pass, $S1|$S1, $S2=pass)\\)\$"
h_ok "Mail::DKIM passes the RSA signature of every message" each "$H/mail-dkim.out" \
	"^[^ ]+: mail-dkim: pass \\(.*$S1"
