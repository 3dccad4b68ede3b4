#!/bin/bash
# t-milter-policy.sh - sender policy through a real Postfix: no tenant ever
# signs for another tenant's domain, From errors get a precise 5.7.1, a
# missing From is added, a tenant whose key is missing tempfails (and its
# mail is not lost) while the others go on, and the log line of each
# action matches DESIGN.md.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-policy
h_plan 15
m_setup

# --- cross-tenant matrix: identity x foreign From domain
# identity: how to send as that tenant; own: its sender.from; fate: rewrite|reject
ids="acme beta gamma zeta"
ident_args() {
	case $1 in
	acme) echo "--from claim@acme.example --header X-Tenant-ID:acme" ;;
	beta) echo "--local-interface 127.0.0.2 --from claim@beta.provider.example" ;;
	gamma) echo "--local-interface 127.0.0.3 --from info@gamma.example" ;;
	zeta) echo "--local-interface 127.0.0.3 --from info@zeta.example" ;;
	esac
}
own_from() {
	case $1 in acme) echo claim@acme.example ;; beta) echo claim@beta.provider.example ;;
	gamma) echo info@gamma.example ;; zeta) echo info@zeta.example ;; esac
}
dom() { case $1 in beta) echo beta.provider.example ;; *) echo "$1.example" ;; esac; }
bad=0 cases=0
for who in $ids; do
	for other in $ids; do
		[ "$who" = "$other" ] && continue
		cases=$((cases + 1))
		# shellcheck disable=SC2046
		m_deliver $(ident_args "$who") --to u@dest.example \
			--header "From: Boss <boss@$(dom "$other")>" --header "Subject: $who as $other"
		if [ "$who" = gamma ]; then	# on_foreign = reject
			case $M_REPLY in "550 5.7.1"*) ;; *) bad=$((bad + 1)); h_diag "$who as $other: got '$M_REPLY'" ;; esac
			continue
		fi
		if [ -z "$M_FILE" ]; then bad=$((bad + 1)); h_diag "$who as $other: not delivered"; continue; fi
		if grep -q "d=$(dom "$other")" "$M_FILE"; then bad=$((bad + 1)); h_diag "$who signed for $other"; fi
		f=$(m_hdr "$M_FILE" From)
		if [ "$f" != "Boss <$(own_from "$who")>" ]; then bad=$((bad + 1)); h_diag "$who as $other: From '$f'"; fi
	done
done
h_ok "cross-tenant matrix ($cases cases): never signed for another tenant, From rewritten or 550" test "$bad" -eq 0

# --- From errors
m_send --from claim@acme.example --to u@dest.example --header X-Tenant-ID:acme \
	--header 'From: claim@acme.example' --add-header 'From: other@acme.example'
h_ok "two From headers: 550 5.7.1" sh -c "echo '$M_REPLY' | grep -q '^550 5.7.1 message has 2 From headers'"
# Postfix rewrites and completes headers of local clients (127.0.0.1,
# local_header_rewrite_clients) before a milter sees them: use 127.0.0.3.
m_send --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example \
	--header 'From: "Unterminated <info@gamma.example>'
h_ok "unparsable From: 550 5.7.1 with the reason" sh -c "echo '$M_REPLY' | grep -q '^550 5.7.1 From: unterminated quoted string'"
printf 'To: u@dest.example\r\nSubject: no from\r\n\r\nbody\r\n' >"$H/nofrom"
m_deliver --local-interface 127.0.0.3 --from info@zeta.example --to u@dest.example --data "$H/nofrom"
h_ok "missing From: added from sender.from" test "$(m_hdr "$M_FILE" From)" = '<info@zeta.example>'
h_ok "missing From: the added From is signed and verifies" m_verify_sigs "$M_FILE" opendkim "zeta.example/z1 ed25519-sha256=pass"

# --- a tenant whose key file is missing: the milter started, eps tempfails
m_send --local-interface 127.0.0.3 --from info@eps.example --to u@dest.example --header 'From: info@eps.example'
h_ok "missing key: eps's mail is tempfailed 451 4.7.1" sh -c "echo '$M_REPLY' | grep -q '^451 4.7.1'"
h_ok "missing key: logged at error severity naming the key file" m_log_has "error: .*eps.*keys/eps.key"
m_deliver --from claim@acme.example --to u@dest.example --header X-Tenant-ID:acme --header 'Subject: others go on'
h_ok "missing key: other tenants go on" test -n "$M_FILE"

# Mail submitted with sendmail(1) (non_smtpd_milters) stays in Postfix's queue
printf 'From: info@eps.example\nTo: u@dest.example\nSubject: queued\n\nkeep me\n' |
	sendmail -C "$H_POSTFIX_CONF" -f info@eps.example u@dest.example
h_ok "missing key: sendmail submission stays queued in Postfix" \
	h_wait_for 15 sh -c "postqueue -c '$H_POSTFIX_CONF' -p | grep -q 'info@eps.example'"
h_genkey rsa "$H/conf/keys/eps.key"
h_dkim_publish eps.example e1 "$H/conf/keys/eps.key"; h_dns_reload
m_reload
h_postqueue -f; sleep 1; h_postqueue -f
h_ok "missing key: once the key exists and the milter reloads, the queued mail is delivered" \
	h_sink_wait $((M_SENT + 1)) 60
M_SENT=$((M_SENT + 1)); M_FILE=$(h_sink_last)
h_ok "missing key: the delivered mail is eps's, signed and verified" \
	m_verify_sigs "$M_FILE" dkimpy "eps.example/e1 rsa-sha256=pass"

# --- the decision line of each action (queue id first, DESIGN.md step 7);
# spf=unchecked: the message was refused before SPF was evaluated; a
# refusal ends with what identification saw
Q='[0-9A-F]{6,}'
h_ok "log: accept" m_log_has "^tenant-milter: $Q: tenant=acme via=header mode=customer from=<claim@acme.example> spf=pass dkim=acme.example/s1,acme.example/s2 action=accept$"
h_ok "log: rewrite, with reason" m_log_has "^tenant-milter: $Q: tenant=acme via=header mode=customer from=<claim@acme.example> spf=pass dkim=acme.example/s1,acme.example/s2 action=rewrite reason=\"From <boss@beta.provider.example> not allowed\"$"
h_ok "log: reject, with reason" m_log_has "^tenant-milter: ($Q|NOQUEUE): tenant=gamma via=sender mode=customer from=<> spf=unchecked dkim=none action=reject reason=\"From <boss@acme.example> is not allowed for tenant gamma\" client=127.0.0.3 client_kind=trusted login=\"-\" header=\"-\" sender_domain=gamma.example$"
h_ok "log: tempfail, with reason" m_log_has "^tenant-milter: ($Q|NOQUEUE): tenant=eps via=sender mode=customer from=<> spf=unchecked dkim=none action=tempfail reason=\"tenant eps cannot sign: .*\" client=127.0.0.3 client_kind=trusted login=\"-\" header=\"-\" sender_domain=eps.example$"
