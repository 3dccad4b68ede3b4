#!/bin/bash
# t-dkim-diff.sh - differential test of the native signer: dkim-diff makes
# and signs DIFF_COUNT (default 3000) messages of awkward shapes through
# the signer calls the milter makes; libopendkim, dkimpy and Mail::DKIM
# verify every one against keys in the test NSD (Ed25519: libopendkim and
# dkimpy; Debian 12's Mail::DKIM has none).  The last message is changed
# after signing and must fail with all three.  The Postfix batch (the
# same shapes through the real milter) is tests/e2e/t-milter-sign-shapes.sh.
. "$(dirname "$0")/../e2e/harness.sh"
h_init dkim-diff
h_plan 7
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
N=${DIFF_COUNT:-3000}
K=$H/keys
h_genkey rsa "$K/r.key"; h_genkey ed25519 "$K/e.key"
h_zone_add diff.example
h_dkim_publish diff.example r "$K/r.key"
h_dkim_publish diff.example e "$K/e.key"
h_dns_start
mkdir -p "$H/m"
h_ok "dkim-diff signs $N generated messages" \
	"$top_builddir/tests/diff/dkim-diff" "$H/m" "$N" "${DIFF_SEED:-1}" "$K/r.key" "$K/e.key"
h_diag "shapes: $(sed -n 's/^X-Shape: *//p' "$H"/m/*.eml | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
last=$(printf '%s/m/m%05d.eml' "$H" $((N - 1)))
ls "$H"/m/*.eml | grep -v "$last" >"$H/list"

bin=$(h__verify_opendkim_bin)
"$bin" "$H_DNS_PORT" $(cat "$H/list") "$last" >"$H/opendkim.out"
/usr/bin/python3 "$H_E2E_DIR/verify-dkimpy.py" "$H_DNS_PORT" $(cat "$H/list") "$last" >"$H/dkimpy.out"
perl "$H_E2E_DIR/verify-mail-dkim.pl" "$H_DNS_PORT" $(cat "$H/list") "$last" >"$H/mail-dkim.out"

# all_pass OUT WANT: every message but the control has a line that passes
# with exactly WANT's results per signature kind
all_pass() {
	local out=$1 bad
	bad=$(grep -v "^$last: " "$out" | grep -v -E "$2" | head -3)
	[ -z "$bad" ] && [ "$(grep -v "^$last: " "$out" | wc -l)" -eq $((N - 1)) ] && return 0
	h_diag "$out: $(grep -v "^$last: " "$out" | grep -c -v -E "$2") failing, e.g.:" "$bad"
	return 1
}
RSA='diff.example/r rsa-sha256=pass'
ED='diff.example/e ed25519-sha256'
h_ok "libopendkim passes all $((N - 1)) (RSA and Ed25519)" all_pass "$H/opendkim.out" \
	"^[^ ]+: opendkim: pass \\($RSA(, $ED=pass)?\\)\$"
h_ok "dkimpy passes all $((N - 1)) (RSA and Ed25519)" all_pass "$H/dkimpy.out" \
	"^[^ ]+: dkimpy: pass \\($RSA(, $ED=pass)?\\)\$"
h_ok "Mail::DKIM passes all $((N - 1)) RSA signatures" all_pass "$H/mail-dkim.out" \
	"^[^ ]+: mail-dkim: pass \\($RSA(, $ED=skip: .*)?\\)\$"
for v in opendkim dkimpy mail-dkim; do
	h_ok "$v fails the message changed after signing" \
		grep -q -E "^$last: $v: fail \\(diff.example/r rsa-sha256=fail" "$H/$v.out"
done
