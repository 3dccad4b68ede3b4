#!/bin/bash
# t-relay-mx.sh - relay by MX end to end.  Postfix resolves MX records
# through /etc/resolv.conf, which names no port, so this test runs in its
# own network and mount namespace (unshare -n -m): there NSD may listen on
# 127.0.0.1:53 without touching anything outside, /etc/resolv.conf is a
# private bind mount naming it, and the customer's server listens on
# 127.0.0.2 (the provider Postfix counts 127.0.0.1 as itself and would not
# send to an MX there).  Everything still listens on loopback only and is
# gone with the namespace.
set -u
if [ -z "${HR_IN_NETNS:-}" ]; then
	if ! unshare -n -m true 2>/dev/null; then
		echo "1..0 # SKIP no network namespaces (unshare -n -m) here"
		exit 0
	fi
	HR_IN_NETNS=1 exec unshare -n -m "$BASH" "$0" "$@"
fi
ip link set lo up || { echo "1..0 # SKIP cannot bring up lo in the namespace"; exit 0; }
HR_ADDR=127.0.0.2 HR_ALLOW_NET=127.0.0.0/8
. "$(dirname "$0")/harness.sh"
. "$H_E2E_DIR/milter-lib.sh"
. "$H_E2E_DIR/harness-relay.sh"
h_init relay-mx
h_plan 5
H_DNS_PORT=53			# private to this namespace
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' >"$H/resolv.conf"
mount --bind "$H/resolv.conf" /etc/resolv.conf || h_die "cannot bind-mount resolv.conf"

TCTL=$top_builddir/src/tenantctl/tenantctl
MAPS=$H/conf/relay-maps

mx_tenant() {
	m__tenant rmx "mode = \"relay\";
match = { sender_domains = [ \"rmx.example\" ]; };
sender = { from = \"info@rmx.example\"; };
relay = { mx = \"rmx.example\"; port = $HR_PORT_ALLOW; tls = \"encrypt\"; };"
	MAIL_CONFIG=$HR_CONF "$TCTL" -c "$H/conf/main.conf" postfix-maps --postmap \
		>"$H/maps.out" 2>&1 || h_die "postfix-maps failed: $(cat "$H/maps.out")"
}
mx_zone() {
	h_zone_add rmx.example
	h_mx rmx.example 10 mx1.rmx.example
	h_a mx1.rmx.example 127.0.0.2
}

hr_pki_init
hr_customer_start
M_TENANTS=mx_tenant M_ZONES=mx_zone m_setup
hr_provider_apply "$MAPS"
h_postconf "smtp_dns_support_level = enabled"

h_ok "relayhost entry names the MX domain" sh -c \
	"[ \"\$(postmap -c '$HR_CONF' -q @rmx.example hash:$MAPS/relayhost)\" = rmx.example:$HR_PORT_ALLOW ]"
mx_published() { h_dnsq rmx.example MX | grep -qi "mx1.rmx.example"; }
h_ok "the namespace's NSD on port 53 serves the MX" mx_published
m_send --from info@rmx.example --to student@dest.example --header "X-Tenant-ID: rmx" \
	--header "Subject: by MX"
h_ok "relay tenant by MX: accepted" test "$M_RC" -eq 0
h_ok "... delivered at the customer's sink through the MX host" hr_csink_wait 1 30
h_ok "... the provider's log names the MX host" \
	h_postfix_log_wait "relay=mx1\.rmx\.example\[127\.0\.0\.2\]:$HR_PORT_ALLOW.*status=sent" 10
