#!/bin/bash
# bench-dns.sh [N] - how long `tenantctl dns` takes for N customer tenants
# (default 1000) against the loopback NSD of the e2e harness.  A figure,
# never an assertion: run it by hand (as root, like the e2e tests) and
# compare the ratios it prints side by side, on the same machine.
#
# Every tenant tNNNN has its own domain tNNNN.bench.example with an SPF
# record including the provider's, the provider-made DKIM key published
# (one shared RSA key: this measures DNS and the checks, not key parsing)
# and DMARC at the organizational domain bench.example; so each tenant
# costs the DNS lookups of a ready customer: SPF (and its include) per
# outbound IP, the key, DMARC (exact name, then organizational domain).
# Prints: one tenant, then N, wall time and per-tenant time, and the
# queries NSD answered.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/e2e/harness.sh"
N=${1:-1000}
h_init bench-dns
C=$H/conf
mkdir -p "$C/tenants.d" "$C/keys"; chmod 700 "$C/keys"
h_genkey rsa "$C/keys/shared.key"
cat >"$C/main.conf" <<CONF
socket = "inet:$(h_port)@127.0.0.1";
provider = {
  domain = "provider.example";
  outbound_ips = [ "192.0.2.10", "2001:db8::10" ];
  tenant_domain = "%t.provider.example";
  spf_include = "_spf.provider.example";
  dkim = ( { selector = "p1"; key = "keys/shared.key"; } );
};
dns = { nameserver = "127.0.0.1@$H_DNS_PORT"; timeout = 5; };
CONF
h_zone_add provider.example; h_zone_add bench.example
h_spf _spf.provider.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
h_dkim_publish provider.example p1 "$C/keys/shared.key"
h_dmarc bench.example "v=DMARC1; p=reject"
txt=$(h_dkim_txt "$C/keys/shared.key")
strings=$(h__txt_strings "$txt")
awk -v n="$N" -v dir="$C/tenants.d" -v rr="$H/dns/bench.example.rr" -v s="$strings" 'BEGIN {
	for (i = 1; i <= n; i++) {
		id = sprintf("t%04d", i); d = id ".bench.example"
		f = dir "/" id ".conf"
		printf "id = \"%s\";\nmode = \"customer\";\nmatch = { sender_domains = [ \"%s\" ]; };\n", id, d > f
		printf "sender = { from = \"info@%s\"; };\n", d > f
		printf "dkim = ( { domain = \"%s\"; selector = \"s1\"; key = \"../keys/shared.key\"; } );\n", d > f
		close(f)
		printf "%s. 300 IN TXT \"v=spf1 include:_spf.provider.example -all\"\n", d >> rr
		printf "s1._domainkey.%s. 300 IN TXT %s\n", d, s >> rr
	}
}'
h_dns_start
TCTL="$top_builddir/src/tenantctl/tenantctl -c $C/main.conf"
secs() {	# secs CMD...: "SECONDS EXIT"
	local s e rc
	s=$(date +%s.%N); "$@" >"$H/bench.out" 2>&1; rc=$?; e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" -v rc="$rc" 'BEGIN { printf "%.3f %d", e - s, rc }'
}
read -r one rc1 <<<"$(secs $TCTL dns t0001)"
read -r all rcn <<<"$(secs $TCTL dns --json)"
cp "$H/bench.out" "$H/bench-all.json"
printf 'tenantctl dns, loopback NSD, %d customer tenants, 16 at a time\n' "$N"
printf '  1 tenant:     %6.3f s  (exit %d)\n' "$one" "$rc1"
printf '  %d tenants: %6.3f s  (exit %d)  %.2f ms per tenant, %.1fx the time of one\n' \
	"$N" "$all" "$rcn" "$(awk -v a="$all" -v n="$N" 'BEGIN { print a * 1000 / n }')" \
	"$(awk -v a="$all" -v o="$one" 'BEGIN { print a / o }')"
