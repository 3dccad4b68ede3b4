#!/bin/bash
# demo.sh - the README's first quick-start command.  On Debian 12, as root:
# installs what is needed, builds, then runs tenant-milter with conf/'s
# demo tenants behind a private loopback Postfix (with a loopback NSD
# serving the demo domains' DKIM keys), sends one message per tenant and
# shows what arrived: headers, three DKIM verifiers' verdicts, log lines.
# Everything it starts listens on 127.0.0.1 and is stopped by PID at exit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
[ -n "${TM_NO_DEPS:-}" ] || contrib/deps.sh || exit 1
if [ ! -x src/daemon/tenant-milter ]; then
	{ [ -x configure ] || autoreconf -fi; } && { [ -f Makefile ] || ./configure -q; } &&
		make -j"$(nproc)" >/dev/null || { echo "demo: build failed" >&2; exit 1; }
fi
export top_builddir=$top
# shellcheck source=../tests/e2e/harness.sh
. tests/e2e/harness.sh
h_init demo

# The demo configuration, with fresh keys, listening on a free port.
cp -r conf "$H/conf"
rm -rf "$H/conf/keys" "$H/conf/secrets"
contrib/demo-keys.sh "$H/conf" >/dev/null
sed -i "s|^socket = .*|socket = \"inet:$H_MILTER_PORT@127.0.0.1\";|" "$H/conf/tenant-milter.conf"
sed -i "s|^dns = .*|dns = { nameserver = \"127.0.0.1@$H_DNS_PORT\"; timeout = 5; };|" "$H/conf/tenant-milter.conf"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say "tenantctl postfix-maps (the Postfix tables for relay tenant initech)"
src/tenantctl/tenantctl -c "$H/conf/tenant-milter.conf" postfix-maps | sed -n 1p || exit 1
say "tenantctl check"
src/tenantctl/tenantctl -c "$H/conf/tenant-milter.conf" check || exit 1

# DNS as the customers' IT would publish it.
for z in provider.example acme.example initech.example; do h_zone_add "$z"; done
h_dkim_publish provider.example p2026 "$H/conf/keys/provider/p2026.key"
h_dkim_publish acme.example lms2026 "$H/conf/keys/acme/lms2026.key"
h_dkim_publish acme.example lms2026e "$H/conf/keys/acme/lms2026e.key"
h_spf provider.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
h_spf acme.example "v=spf1 include:provider.example -all"
h_dmarc provider.example "v=DMARC1; p=reject"
h_dmarc acme.example "v=DMARC1; p=quarantine"
h_dns_start
h_sink_start
h_daemon milter src/daemon/tenant-milter -f -c "$H/conf/tenant-milter.conf"
h_nudge_port milter "$H_MILTER_PORT"
h_wait_port "$H_MILTER_PORT" || h_die "milter did not start: $(cat "$H/milter.log")"
h_postfix_start "inet:127.0.0.1:$H_MILTER_PORT"
h_postfix_enable_sasl lms-acme demo
h_postfix_enable_sasl lms-beta demo
h_postfix_enable_sasl lms-initech demo

n=0
headers() {	# the interesting headers of a message, unfolded and short
	awk '/^$/ { exit } /^[ \t]/ { cur = cur " " $0; next } { if (cur != "") print cur; cur = $0 }
	     END { if (cur != "") print cur }' "$1" |
	awk '/^(From|Reply-To|Subject|X-Tenant-Policy):/ { print "   " $0 }
	     /^DKIM-Signature:/ { a = d = s = ""; n = split($0, f, ";")
		for (i = 1; i <= n; i++) { g = f[i]; gsub(/[ \t]/, "", g)
			if (g ~ /^a=/) a = g; if (g ~ /^d=/) d = g; if (g ~ /^s=/) s = g }
		print "   DKIM-Signature: " a " " d " " s }'
}
show() {	# show TITLE SWAKS-ARGS...
	local title=$1 f; shift
	say "$title"
	if ! h_send --to student@dest.example "$@" >/dev/null 2>&1; then
		echo "   refused: $(h_send_reply)"
		return
	fi
	h_sink_wait $((n + 1)) 20 || { echo "   (not delivered)"; return; }
	n=$((n + 1)); f=$(h_sink_last)
	echo "   delivered; headers as they left:"
	headers "$f"
	if grep -q '^DKIM-Signature:' "$f"; then
		echo "   verifiers (keys from the demo DNS):"
		h_verify "$f" | sed 's/^/     /'
	fi
}
show "acme (customer mode, SASL lms-acme): signed as acme.example, RSA + Ed25519" \
	--auth PLAIN --auth-user lms-acme --auth-password demo --from claim@acme.example \
	--header 'From: "Acme Learning" <claim@acme.example>' --header 'Subject: Your enrolment'
show "beta (provider mode, SASL lms-beta): From moves to beta.provider.example" \
	--auth PLAIN --auth-user lms-beta --auth-password demo --from app@beta-corp.example \
	--header 'From: "Beta Corp HR" <hr@beta-corp.example>' --header 'Subject: Welcome'
# The demo Postfix does not load the relay tables (initech's server is
# fictitious), so initech's message ends at the demo sink as well.
show "initech (relay mode, SASL lms-initech): sender policy applied, no dkim list, not signed" \
	--auth PLAIN --auth-user lms-initech --auth-password demo --from noreply@initech.example \
	--header 'From: noreply@initech.example' --header 'Subject: Invitation'
show "acme sending as someone else's domain: rewritten to acme's own sender" \
	--auth PLAIN --auth-user lms-acme --auth-password demo --from claim@acme.example \
	--header 'From: "CEO" <ceo@beta-corp.example>' --header 'Subject: Spoof attempt'
show "no tenant (unknown_tenant = reject)" --local-interface 127.0.0.5 --from x@stranger.example

say "tenant-milter log lines"
grep -v '^tenant-milter: \(starting\|stopping\|stopped\)' "$H/milter.log"
echo
echo "demo done: everything started is stopped by PID on exit"
