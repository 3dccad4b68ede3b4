#!/bin/bash
# t-tenantctl-verify.sh - `tenantctl verify < message` checks every
# DKIM-Signature with libopendkim, keys from the test NSD through
# dns.nameserver: a message signed by the milter behind Postfix passes
# (one line per signature), a changed body fails, no signature exits 2,
# a key that cannot be looked up is a temporary error (exit 3), not a fail.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init tenantctl-verify
h_plan 6
m_setup
TCTL="$top_builddir/src/tenantctl/tenantctl -c $H/conf/main.conf"
v() { $TCTL verify <"$1" >"$H/v.out" 2>"$H/v.err"; V_RC=$?; h_diag "$(cat "$H/v.out" "$H/v.err")"; }

m_deliver --from claim@acme.example --to u@dest.example --header 'X-Tenant-ID: acme' \
	--header 'Subject: verify me' --body 'hello from acme'
F=$M_FILE
v "$F"
h_ok "signed by the milter: exit 0, a pass line per signature" sh -c "[ $V_RC -eq 0 ] &&
	[ \"\$(sort '$H/v.out')\" = \"\$(printf 'acme.example/s1 rsa-sha256: pass\nacme.example/s2 ed25519-sha256: pass')\" ]"
h_ok "the verdict agrees with dkimpy" m_verify_sigs "$F" dkimpy "acme.example/s1 rsa-sha256=pass" "acme.example/s2 ed25519-sha256=pass"

sed 's/hello from acme/hello from someone else/' "$F" >"$H/changed"
v "$H/changed"
h_ok "body changed: exit 2, both fail with body hash mismatch" sh -c "[ $V_RC -eq 2 ] &&
	[ \$(grep -c ': fail (body hash mismatch' '$H/v.out') -eq 2 ]"

printf 'From: a@b.example\r\nSubject: x\r\n\r\nno signature\r\n' >"$H/nosig"
v "$H/nosig"
h_ok "no signature: exit 2, says so" sh -c "[ $V_RC -eq 2 ] && grep -qx 'no DKIM-Signature' '$H/v.out'"

sed 's/s=s1;/s=nosuch;/' "$F" >"$H/nokey"
v "$H/nokey"
h_ok "no key record: that signature fails, naming the name" sh -c "[ $V_RC -eq 2 ] &&
	grep -q '^acme.example/nosuch rsa-sha256: fail (nosuch._domainkey.acme.example TXT: nxdomain)' '$H/v.out'"

m_drop s2._domainkey.acme.example
v "$F"
h_ok "key lookup times out: exit 3, temperror, not fail" sh -c "[ $V_RC -eq 3 ] &&
	grep -q '^acme.example/s2 ed25519-sha256: temperror (s2._domainkey.acme.example TXT: ' '$H/v.out' &&
	grep -q '^acme.example/s1 rsa-sha256: pass' '$H/v.out'"
