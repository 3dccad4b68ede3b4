#!/bin/bash
# t-milter-ops.sh - what an administrator operates, through a real Postfix:
# the annotation header turned off ("" or "none") and back on.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-ops
h_plan 8
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
