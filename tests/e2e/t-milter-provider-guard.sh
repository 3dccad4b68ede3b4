#!/bin/bash
# t-milter-provider-guard.sh - the DMARC guard for the provider's own keys
# (issue 7 item 6), through a real Postfix and NSD: an unpublished or
# mismatching provider selector does not sign and is logged at error
# severity once per change of state; provider-mode mail then rests on SPF
# of the tenant's provider subdomain, or dmarc_guard decides.
#
# Provider keys: p1 (RSA) unpublished from the start, p1e (Ed25519)
# published, later replaced by another key (mismatch).  Provider-mode
# tenants: beta (no SPF at beta.provider.example, dmarc_guard default
# fallback), delta (SPF at delta.provider.example authorizes the outbound
# IPs), eta (dmarc_guard annotate), theta (dmarc_guard reject).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-provider-guard
h_plan 13

pg_tenants() {
	local t g
	for t in delta:fallback eta:annotate theta:reject; do
		g=${t#*:}; t=${t%%:*}
		m__tenant "$t" "mode = \"provider\";
sender = { from = \"claim@$t.provider.example\"; };
dmarc_guard = \"$g\";"
	done
}
pg_zones() {
	h_rr_del p1._domainkey.provider.example TXT
	h_spf delta.provider.example "v=spf1 include:_spf.provider.example -all"
}
M_TENANTS=pg_tenants M_ZONES=pg_zones
m_setup

send_as() {	# send_as TENANT: from the trusted client, identified by header
	m_deliver --from "claim@$1.provider.example" --to u@dest.example \
		--header "X-Tenant-ID: $1" --header "From: App <app@$1.example>" \
		--header "Subject: provider guard $1"
}
note_of() { m_hdr "$M_FILE" X-Tenant-Policy; }

h_ok "p1 unpublished at start: logged at error severity" h_wait_for 20 m_log_has \
	'error: dmarc guard: provider: dkim provider.example/p1 unpublished'
h_ok "p1e published: logged at info, not error" sh -c \
	"grep -q 'dmarc guard: provider: dkim provider.example/p1e published' '$H/milter.log' && ! grep -q 'error: .*provider.example/p1e' '$H/milter.log'"

send_as beta
h_ok "beta: delivered, signed by p1e only" sh -c \
	"test -n '$M_FILE' && [ \$(grep -c '^DKIM-Signature:' '$M_FILE') -eq 1 ] && grep -q 's=p1e' '$M_FILE'"
h_ok "beta: annotation lists p1 as unpublished" sh -c \
	"echo '$(note_of)' | grep -q 'dkim=provider.example/p1e,provider.example/p1(unpublished); action=accept'"
h_ok "beta: dkimpy passes p1e" m_verify_sigs "$M_FILE" dkimpy "provider.example/p1e ed25519-sha256=pass"

# p1e now publishes another key: nothing of the provider's signs
h_genkey ed25519 "$H/other.key"
h_rr_del p1e._domainkey.provider.example TXT
h_dkim_publish provider.example p1e "$H/other.key"
h_dns_reload
h_ok "p1e mismatch: logged at error severity when the prober sees it" h_wait_for 30 m_log_has \
	'error: dmarc guard: provider: dkim provider.example/p1e mismatch'

send_as beta
h_ok "beta (no SPF for its provider subdomain, dmarc_guard fallback): 451 4.7.1 would fail DMARC" sh -c \
	"echo '$M_REPLY' | grep -q '^451 4.7.1 would fail DMARC: no published aligned provider key, spf=none for beta.provider.example'"
h_ok "beta: its decision line says why" m_log_has \
	'tenant=beta via=header mode=provider .* action=tempfail reason="would fail DMARC: no published aligned provider key, spf=none for beta.provider.example"'

send_as delta
h_ok "delta (SPF passes for delta.provider.example): delivered, rests on SPF, not signed" sh -c \
	"test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE' && echo '$(note_of)' | grep -q 'spf=pass; dkim=provider.example/p1(unpublished),provider.example/p1e(mismatch); action=accept; reason=\"no published aligned provider key, spf=pass for delta.provider.example\"'"

send_as eta
h_ok "eta (dmarc_guard annotate): delivered unsigned, reason annotated" sh -c \
	"test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE' && echo '$(note_of)' | grep -q 'tenant=eta; .*reason=\"no published aligned provider key, spf=none for eta.provider.example\"'"

m_send --from claim@theta.provider.example --to u@dest.example --header 'X-Tenant-ID: theta'
h_ok "theta (dmarc_guard reject): 550 5.7.1 would fail DMARC" sh -c \
	"echo '$M_REPLY' | grep -q '^550 5.7.1 would fail DMARC: no published aligned provider key'"

h_ok "each provider key state logged once per change (no repeats across rounds)" sh -c \
	"[ \$(grep -c 'error: dmarc guard: provider: dkim provider.example/p1 unpublished' '$H/milter.log') -eq 1 ] && [ \$(grep -c 'dmarc guard: provider: dkim provider.example/p1e mismatch' '$H/milter.log') -eq 1 ]"
h_ok "milter still running" h_alive "$(h_pid milter)"
