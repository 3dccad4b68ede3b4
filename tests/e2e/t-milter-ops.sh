#!/bin/bash
# t-milter-ops.sh - what an administrator operates, through a real Postfix:
# the annotation header turned off ("" or "none") and back on; the limit
# on the number of header fields.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-ops
h_plan 11
m_setup 'annotate_header = "";'

set_annotate() {	# set_annotate VALUE: rewrite the setting, reload
	sed -i "s|^annotate_header = .*|annotate_header = \"$1\";|" "$H/conf/main.conf"
	m_reload && grep 'configuration reloaded\|reload of' "$H/milter.log" | tail -n 1 |
		grep -q "configuration reloaded"
}
acme_msg() {		# acme_msg SUBJECT: one acme message; $M_FILE
	m_deliver --from claim@acme.example --to u@dest.example --header X-Tenant-ID:acme \
		--header 'From: claim@acme.example' --header "Subject: $1"
}
no_annotation() { [ -n "$M_FILE" ] && [ -z "$(m_hdr "$M_FILE" X-Tenant-Policy)" ]; }
signed() { [ -n "$M_FILE" ] && h_verify "$M_FILE" >"$H/verify.out" && grep -q 'acme.example/s1 rsa-sha256=pass' "$H/verify.out"; }

# --- annotate_header = "": no header, still signed, still logged
acme_msg 'annotate off'
h_ok 'annotate_header = "": no X-Tenant-Policy header' no_annotation
h_ok 'annotate_header = "": signed, all verifiers pass' signed
h_ok 'annotate_header = "": the decision is still logged' \
	m_log_has "tenant=acme via=header mode=customer .*action=accept"

# --- "none" as well
h_ok 'annotate_header = "none" reloads' set_annotate none
acme_msg 'annotate none'
h_ok 'annotate_header = "none": no X-Tenant-Policy header' no_annotation

# --- another name: that header, and only it
h_ok 'annotate_header = "X-Policy-Note" reloads' set_annotate X-Policy-Note
acme_msg 'annotate renamed'
h_ok 'annotate_header = "X-Policy-Note": annotated under that name' \
	sh -c "[ -n '$M_FILE' ] && grep -q '^X-Policy-Note: tenant=acme; mode=customer;' '$M_FILE'"
h_ok 'annotate_header = "X-Policy-Note": no X-Tenant-Policy' no_annotation

# --- limits: more than 1000 header fields is a clear 5.x, not a hang or a 4xx
{ printf 'From: claim@acme.example\r\nTo: u@dest.example\r\nX-Tenant-ID: acme\r\nSubject: many fields\r\n'
  for i in $(seq 1100); do printf 'X-Field-%d: %d\r\n' "$i" "$i"; done
  printf '\r\nbody\r\n'; } >"$H/many.eml"
m_send --from claim@acme.example --to u@dest.example --data "$H/many.eml"
h_ok "1100 header fields: 552 5.3.4 too many header fields (got: $M_REPLY)" \
	sh -c "printf '%s' '$M_REPLY' | grep -q '^552 5.3.4 .*too many header fields'"
h_ok "1100 header fields: decision line, action=reject, the reason" \
	m_log_has 'action=reject reason="message has over 1000 header fields"'
{ printf 'From: claim@acme.example\r\nTo: u@dest.example\r\nX-Tenant-ID: acme\r\nSubject: fields\r\n'
  for i in $(seq 900); do printf 'X-Field-%d: %d\r\n' "$i" "$i"; done
  printf '\r\nbody\r\n'; } >"$H/fields.eml"
m_deliver --from claim@acme.example --to u@dest.example --data "$H/fields.eml"
h_ok "900 header fields: accepted and signed" \
	sh -c "[ -n '$M_FILE' ] && grep -q '^DKIM-Signature:' '$M_FILE'"
