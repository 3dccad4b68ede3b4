#!/bin/bash
# t-milter-ident.sh - which tenant sent a message (DESIGN.md step 1), through
# a real Postfix: SASL (real SMTP AUTH), identify header (trusted clients
# only; always removed), client network, MAIL FROM domain (trusted clients
# only); unknown_tenant reject / tempfail / accept (untouched), switched by
# SIGHUP.  t-milter-ident-matrix.sh has every client kind x claim.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-ident
h_plan 17
m_setup
h_postfix_enable_sasl lms-beta s3cret
h_postfix_enable_sasl app s3cret

# annotation of the last delivered message has tenant=$1
tenant_is() { m_hdr "$M_FILE" X-Tenant-Policy | grep -q "^tenant=$1;"; }
qid_line() {	# the milter's decision line for the last delivered message
	local q; q=$(grep -o 'with [A-Z]* id [0-9A-F]*' "$M_FILE" | head -1 | awk '{print $NF}')
	grep "tenant-milter: $q: " "$H/milter.log"
}

# SASL wins over the sender domain (acme.example) and the network
m_deliver --auth PLAIN --auth-user lms-beta --auth-password s3cret \
	--from claim@acme.example --to u@dest.example --header 'Subject: sasl'
h_ok "sasl: {auth_authen} lms-beta identifies beta" tenant_is beta
via_sasl() { qid_line | grep -q 'tenant=beta via=sasl mode=provider'; }
h_ok "sasl: log line says via=sasl" via_sasl

# identify header from the trusted client 127.0.0.1
m_deliver --from someone@nowhere.example --to u@dest.example \
	--header 'X-Tenant-ID: acme' --header 'From: claim@acme.example' --header 'Subject: header'
h_ok "header: X-Tenant-ID from a trusted client identifies acme" tenant_is acme
h_ok "header: the identify header is removed" test -z "$(m_hdr "$M_FILE" X-Tenant-ID)"

# network: 127.0.0.2 is beta's
m_deliver --local-interface 127.0.0.2 --from x@nowhere.example --to u@dest.example --header 'Subject: net'
h_ok "network: client 127.0.0.2 identifies beta" tenant_is beta

# sender: trusted client 127.0.0.3, MAIL FROM in gamma.example
m_deliver --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example \
	--header 'From: info@gamma.example' --header 'Subject: sender'
h_ok "sender: MAIL FROM domain identifies gamma (trusted client)" tenant_is gamma

# identify header from an untrusted client: ignored (beta's network decides), removed
m_deliver --local-interface 127.0.0.2 --from x@nowhere.example --to u@dest.example \
	--header 'X-Tenant-ID: acme' --header 'x-tenant-id: acme' --header 'Subject: forged header'
h_ok "untrusted client: identify header ignored (network decides: beta)" tenant_is beta
h_ok "untrusted client: every copy of the identify header removed, any case" \
	sh -c "! grep -qi '^x-tenant-id:' '$M_FILE'"
h_ok "untrusted client: not signed for acme.example" sh -c "! grep -q 'd=acme.example' '$M_FILE'"

# identify header in a session authenticated with a login of no tenant: not trusted
m_send --local-interface 127.0.0.4 --auth PLAIN --auth-user app --auth-password s3cret \
	--from x@nowhere.example --to u@dest.example --header 'X-Tenant-ID: acme' \
	--header 'From: claim@acme.example' --header 'Subject: auth header'
h_ok "login of no tenant: identify header not trusted, unknown tenant (550)" \
	sh -c "echo '$M_REPLY' | grep -q '^550 5.7.1 sender is not a known tenant'"

# a forged annotation header is removed
m_deliver --from claim@acme.example --to u@dest.example --header 'X-Tenant-ID: acme' \
	--header 'X-Tenant-Policy: tenant=beta; action=accept' --header 'x-tenant-policy: forged' \
	--header 'From: claim@acme.example'
h_ok "incoming X-Tenant-Policy copies removed, ours added once" \
	test "$(m_hdr "$M_FILE" X-Tenant-Policy | wc -l)" -eq 1 -a "$(m_hdr "$M_FILE" X-Tenant-Policy | grep -c forged)" -eq 0

# unknown tenant: reject (default), then tempfail and accept via SIGHUP reload
m_send --local-interface 127.0.0.4 --from x@nowhere.example --to u@dest.example
h_ok "unknown tenant, reject: 550 5.7.1" sh -c "echo '$M_REPLY' | grep -q '^550 5.7.1 sender is not a known tenant'"
echo 'unknown_tenant = "tempfail";' >>"$H/conf/main.conf"
m_reload
m_send --local-interface 127.0.0.4 --from x@nowhere.example --to u@dest.example
# The milter's own text: Postfix's milter_default_action would also say 451.
h_ok "unknown tenant, tempfail (after SIGHUP reload): 451 4.7.1" sh -c "echo '$M_REPLY' | grep -q '^451 4.7.1 sender is not a known tenant'"
sed -i 's/unknown_tenant = "tempfail";/unknown_tenant = "accept";/' "$H/conf/main.conf"
m_reload
m_deliver --local-interface 127.0.0.4 --from x@nowhere.example --to u@dest.example \
	--header 'X-Tenant-ID: nobody' --header 'Subject: unknown'
h_ok "unknown tenant, accept: delivered untouched (unsigned, no annotation, headers kept)" \
	sh -c "test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE' && ! grep -qi '^X-Tenant-Policy:' '$M_FILE' && grep -q '^X-Tenant-ID: nobody' '$M_FILE'"

# a broken configuration on reload: the old one stays in force
echo 'this is not libconfig' >>"$H/conf/tenants.d/gamma.conf"
m_reload
h_ok "reload with a broken tenant file is refused and logged with FILE:LINE" \
	m_log_has "gamma.conf:[0-9]+: syntax error"
m_deliver --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example \
	--header 'From: info@gamma.example' --header 'Subject: after bad reload'
h_ok "after a refused reload the old configuration serves gamma" tenant_is gamma
h_ok "milter still running after the refused reload" h_alive "$(h_pid milter)"
