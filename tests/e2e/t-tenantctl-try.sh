#!/bin/bash
# t-tenantctl-try.sh - `tenantctl try` decides with the same code as the
# milter: its signed output verifies with the three verifiers, refusals
# exit 2 (reject) or 3 (tempfail) with the SMTP reply, bad input exits 1,
# and the milter behind Postfix reaches the same decision for the same
# message.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init tenantctl-try
h_plan 10
m_setup
TCTL="$top_builddir/src/tenantctl/tenantctl -c $H/conf/main.conf"

try() {		# try TENANT [ARGS] < message: $T_RC, $H/try.out, $H/try.eml
		# (not in a pipeline: T_RC must be set in this shell)
	$TCTL try "$@" >"$H/try.out" 2>"$H/try.err"; T_RC=$?
	sed -n '/^--- message as it would leave ---$/,$p' "$H/try.out" | tail -n +2 >"$H/try.eml"
}
msg() { printf 'From: %s\nTo: u@dest.example\nSubject: %s\nX-Tenant-ID: acme\n\nHello\nworld\n' "$1" "$2"; }

msg '"Doe, Jane" <jane@acme.example>' 'try acme' >"$H/in"; try acme <"$H/in"
h_ok "acme: exit 0, decision accept with both keys" sh -c "[ $T_RC -eq 0 ] && grep -q '^decision: tenant=acme via=try mode=customer from=<jane@acme.example> spf=pass dkim=acme.example/s1,acme.example/s2 action=accept$' '$H/try.out'"
h_ok "acme: the identify header would be removed" grep -q '^  remove   X-Tenant-ID: acme' "$H/try.out"
verify3() { h_verify "$H/try.eml" >"$H/verify.out" && ! grep -q '=fail' "$H/verify.out"; }
h_ok "acme: the signed output passes all three verifiers" verify3

msg 'Boss <boss@elsewhere.example>' 'try beta' >"$H/in"; try beta --from app@beta.provider.example <"$H/in"
h_ok "beta (provider): From rewritten, display name kept" grep -q '^From: Boss <claim@beta.provider.example>$' "$H/try.eml"
h_ok "beta: provider signature verifies (opendkim)" m_verify_sigs "$H/try.eml" opendkim "provider.example/p1 rsa-sha256=pass"

msg 'boss@acme.example' 'try gamma' >"$H/in"; try gamma <"$H/in"
h_ok "gamma, foreign sender: exit 2 and 550 5.7.1" sh -c "[ $T_RC -eq 2 ] && grep -q '^reply: 550 5.7.1 ' '$H/try.out'"
msg 'info@eps.example' 'try eps' >"$H/in"; try eps <"$H/in"
h_ok "eps, key missing: exit 3 and 451 4.7.1" sh -c "[ $T_RC -eq 3 ] && grep -q '^reply: 451 4.7.1 tenant eps cannot sign' '$H/try.out'"
msg 'x@acme.example' 'nobody' >"$H/in"; try nosuchtenant <"$H/in"
h_ok "unknown tenant name: exit 1, says so" sh -c "[ $T_RC -eq 1 ] && grep -q 'no tenant \"nosuchtenant\"' '$H/try.err'"
printf 'this is not a header\n\nbody\n' >"$H/in"; try acme <"$H/in"
h_ok "malformed message on stdin: exit 1, says why" sh -c "[ $T_RC -eq 1 ] && grep -q 'not a header line' '$H/try.err'"

# The same message through Postfix and the milter: the same decision.
msg 'Jane <jane@acme.example>' 'same decision' >"$H/same.msg"
try acme --from claim@acme.example <"$H/same.msg"
m_deliver --from claim@acme.example --to u@dest.example --data "$H/same.msg"
want=$(sed -n 's/^decision: //p' "$H/try.out" | sed 's/ via=try / via=X /')
got=$(grep -o 'tenant=acme via=header .*' "$H/milter.log" | tail -1 | sed 's/ via=header / via=X /')
h_ok "try and the milter decide the same ($want)" test -n "$want" -a "$want" = "$got"
