#!/bin/bash
# t-milter-sign.sh - signatures made by tenant-milter behind a real Postfix
# verify with Mail::DKIM, dkimpy and libopendkim (keys from the test NSD):
# provider mode, customer mode, RSA, Ed25519, dual, and awkward bodies.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-sign
h_plan 18
m_setup

# --- provider mode: beta is identified by its network (127.0.0.2)
m_deliver --local-interface 127.0.0.2 --from app@beta.provider.example \
	--to u@dest.example --header 'From: "Doe, Jane" <jane@beta-corp.example>' \
	--header 'Subject: provider mode' --body 'hello from beta'
P=$M_FILE
h_ok "provider mode: delivered" test -n "$P"
h_ok "provider mode: From rewritten, display name kept" \
	test "$(m_hdr "$P" From)" = '"Doe, Jane" <claim@beta.provider.example>'
h_ok "provider mode: Reply-To set from sender.reply_to" \
	test "$(m_hdr "$P" Reply-To)" = 'people@beta.example'
h_ok "provider mode: Mail::DKIM passes the RSA signature (d=provider.example)" \
	m_verify_sigs "$P" mail-dkim "provider.example/p1 rsa-sha256=pass"
h_ok "provider mode: dkimpy passes RSA and Ed25519 (dual)" \
	m_verify_sigs "$P" dkimpy "provider.example/p1 rsa-sha256=pass" "provider.example/p1e ed25519-sha256=pass"
h_ok "provider mode: opendkim passes RSA and Ed25519 (dual)" \
	m_verify_sigs "$P" opendkim "provider.example/p1 rsa-sha256=pass" "provider.example/p1e ed25519-sha256=pass"

# --- customer mode: acme by identify header from a trusted client
m_deliver --from claim@acme.example --to u@dest.example \
	--header 'From: Acme HR <claim@acme.example>' --header 'X-Tenant-ID: acme' \
	--header 'Subject: customer mode' --body 'hello from acme'
C=$M_FILE
h_ok "customer mode: allowed From left as it was" test "$(m_hdr "$C" From)" = 'Acme HR <claim@acme.example>'
h_ok "customer mode: Mail::DKIM passes acme.example/s1" m_verify_sigs "$C" mail-dkim "acme.example/s1 rsa-sha256=pass"
h_ok "customer mode: dkimpy passes s1 and s2" m_verify_sigs "$C" dkimpy "acme.example/s1 rsa-sha256=pass" "acme.example/s2 ed25519-sha256=pass"
h_ok "customer mode: opendkim passes s1 and s2" m_verify_sigs "$C" opendkim "acme.example/s1 rsa-sha256=pass" "acme.example/s2 ed25519-sha256=pass"

# --- Ed25519 only (zeta, identified by MAIL FROM): dkimpy and opendkim
m_deliver --local-interface 127.0.0.3 --from info@zeta.example --to u@dest.example \
	--header 'From: info@zeta.example' --header 'Subject: ed25519 only' --body 'zeta'
Z=$M_FILE
ed_only() {
	[ -n "$Z" ] && m_verify_sigs "$Z" dkimpy "zeta.example/z1 ed25519-sha256=pass" &&
		m_verify_sigs "$Z" opendkim "zeta.example/z1 ed25519-sha256=pass"
}
h_ok "Ed25519-only tenant: dkimpy and opendkim pass" ed_only

# --- an existing DKIM-Signature is kept, ours still verifies
m_deliver --from claim@acme.example --to u@dest.example --header 'X-Tenant-ID: acme' \
	--header 'DKIM-Signature: v=1; a=rsa-sha256; d=old.example; s=x; h=from; bh=AAAA; b=BBBB' \
	--header 'Subject: resigned' --body 'body'
E=$M_FILE
h_ok "existing DKIM-Signature kept" sh -c "m=\$(grep -c '^DKIM-Signature:' '$E'); [ \"\$m\" -eq 3 ] && grep -q 'd=old.example' '$E'"
h_ok "existing DKIM-Signature: our signatures pass dkimpy" sh -c \
	"/usr/bin/python3 '$H_E2E_DIR/verify-dkimpy.py' '$H_DNS_PORT' '$E' | grep -q 'acme.example/s1 rsa-sha256=pass'"

# --- awkward bodies: all must verify with every verifier
body_case() {	# body_case DESC FILE
	local f
	m_deliver --from claim@acme.example --to u@dest.example --header 'X-Tenant-ID: acme' --data "$2"
	f=$M_FILE
	[ -n "$f" ] && h_verify "$f" >"$H/verify.out" && ! grep -q '=fail' "$H/verify.out" \
		&& grep -q 's1 rsa-sha256=pass' "$H/verify.out"
}
mk_msg() {	# mk_msg FILE SUBJECT EXTRA_HEADERS ; body from stdin
	{ printf 'From: claim@acme.example\r\nTo: u@dest.example\r\nSubject: %s\r\n%s\r\n' "$2" "$3"
	  cat; } >"$1"
}
printf 'Gr\303\274\303\237e aus K\303\266ln\r\n\303\251t\303\251\r\n' | mk_msg "$H/m8bit" "8-bit" $'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n'
: | mk_msg "$H/mempty" "empty body" ""
printf '\r\n\r\n\r\n\r\n' | mk_msg "$H/mcrlf" "crlf only" ""
{ for i in 1 2 3; do head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 990; printf '\r\n'; done; } | sed 's/$/\r/' | mk_msg "$H/mlong" "long lines" ""
{ printf -- '--b1\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
  head -c 786432 /dev/urandom | base64 -w 76 | sed 's/$/\r/'
  printf '\r\n--b1--\r\n'; } | mk_msg "$H/mbig" "1 MB attachment" $'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n'

h_ok "8-bit body verifies everywhere" body_case 8bit "$H/m8bit"
h_ok "empty body verifies everywhere" body_case empty "$H/mempty"
h_ok "CRLF-only body verifies everywhere" body_case crlf "$H/mcrlf"
h_ok "long lines (990 chars) verify everywhere" body_case long "$H/mlong"
h_ok "1 MB attachment verifies everywhere" body_case big "$H/mbig"
