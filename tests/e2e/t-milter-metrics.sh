#!/bin/bash
# t-milter-metrics.sh - the metrics file through a real Postfix: it parses
# as Prometheus text (prometheus_client's parser), its counters match the
# messages sent in this test (by tenant and action, unknown senders as
# "-"), reloads ok and refused, the configuration generation, the guard's
# state per key; `tenantctl status` shows the same figures.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-metrics
h_plan 11
M=$H/metrics.prom
m_setup "metrics = { file = \"$M\"; interval = 1; };"
TCTL=$top_builddir/src/tenantctl/tenantctl

h_ok "the metrics file appears" h_wait_for 10 test -s "$M"
for i in 1 2 3; do		# acme: customer, accepted
	m_deliver --from claim@acme.example --header X-Tenant-ID:acme --header 'From: claim@acme.example' \
		--to u@dest.example --header "Subject: acme $i"
done
for i in 1 2; do		# beta: provider, by network
	m_deliver --local-interface 127.0.0.2 --from app@beta.provider.example --to u@dest.example \
		--header 'From: app@beta.provider.example' --header "Subject: beta $i"
done
m_send --from info@gamma.example --to u@dest.example --header 'From: boss@elsewhere.example'	# gamma: reject
m_send --local-interface 127.0.0.3 --from x@nowhere.example --to u@dest.example				# unknown: reject
m_reload			# ok
cp "$H/conf/main.conf" "$H/main.good"
echo 'socket = ;' >>"$H/conf/main.conf"
m_reload			# refused
cp "$H/main.good" "$H/conf/main.conf"

samples() { /usr/bin/python3 "$H_E2E_DIR/promcheck.py" "$M" >"$H/samples" 2>"$H/promcheck.err"; }
has() { grep -qxF "$1" "$H/samples"; }
settled() { samples && has 'tenant_milter_reloads_total{result=refused} 1' &&
	has 'tenant_milter_messages_total{action=reject,tenant=-} 1'; }
h_wait_for 15 settled
h_diag "$(cat "$H/samples" 2>/dev/null | head -30)"
h_ok "parses as Prometheus text, every family typed, no duplicate series" samples
h_ok "acme: 3 accepted" has 'tenant_milter_messages_total{action=accept,tenant=acme} 3'
h_ok "beta: 2 accepted" has 'tenant_milter_messages_total{action=accept,tenant=beta} 2'
h_ok "gamma: 1 rejected (foreign From)" has 'tenant_milter_messages_total{action=reject,tenant=gamma} 1'
h_ok "unknown sender: 1 rejected, tenant \"-\"" has 'tenant_milter_messages_total{action=reject,tenant=-} 1'
total() { awk '/^tenant_milter_messages_total/ { n += $2 } END { print n + 0 }' "$H/samples"; }
h_ok "no other message counted (7 in all, got $(total))" test "$(total)" -eq 7
h_ok "reloads: 1 ok, 1 refused; generation 2" \
	sh -c "grep -qxF 'tenant_milter_reloads_total{result=ok} 1' '$H/samples' && grep -qxF 'tenant_milter_config_generation{} 2' '$H/samples'"
h_ok "guard state per key: acme.example/s1 published, eps's key unusable" \
	sh -c "grep -qxF 'tenant_milter_dkim_key{domain=acme.example,selector=s1,state=published,tenant=acme} 1' '$H/samples' &&
	       grep -qxF 'tenant_milter_dkim_key{domain=eps.example,selector=e1,state=unusable,tenant=eps} 1' '$H/samples'"
"$TCTL" -c "$H/conf/main.conf" status >"$H/status.out" 2>&1; st=$?
h_diag "$(cat "$H/status.out")"
h_ok "tenantctl status: exit 0, generation 2, reloads 1 ok 1 refused" \
	sh -c "[ $st -eq 0 ] && grep -q '^configuration generation 2, 5 tenants' '$H/status.out' &&
	       grep -q '^reloads: 1 ok, 1 refused' '$H/status.out'"
h_ok "tenantctl status: the same counts per tenant, and the key states" \
	sh -c "grep -Eq '^acme +3 +0 +0 +0 +0 +0 +0 +0$' '$H/status.out' && grep -Eq '^beta +2 ' '$H/status.out' &&
	       grep -Eq '^gamma +0 +0 +0 +0 +1 ' '$H/status.out' && grep -Eq '^acme.example/s1 +acme +published$' '$H/status.out'"
