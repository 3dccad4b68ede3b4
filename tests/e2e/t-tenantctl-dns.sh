#!/bin/bash
# t-tenantctl-dns.sh - `tenantctl dns` against a real NSD on loopback: one
# scenario per verdict, each asserting the exit code and key facts of the
# text and of the JSON; SERVFAIL and a timeout exit 3 (the timeout within
# dns.timeout); the proposed SPF fix, published, passes for every
# outbound IP with pyspf (an independent implementation) and pyspf counts
# the lookups that tenantctl printed.
. "$(dirname "$0")/harness.sh"
h_init tenantctl-dns
h_plan 37
TCTL="$top_builddir/src/tenantctl/tenantctl -c $H/conf/main.conf"
C=$H/conf K=$H/conf/keys
P_DNS=$(h_port)
mkdir -p "$C/tenants.d" "$K"; chmod 700 "$K"
cat >"$C/main.conf" <<CONF
socket = "inet:$(h_port)@127.0.0.1";
provider = {
  domain = "provider.example";
  outbound_ips = [ "192.0.2.10", "2001:db8::10" ];
  tenant_domain = "%t.provider.example";
  dkim = ( { selector = "p1"; key = "keys/p1.key"; } );
};
identify = { header = "X-Tenant-ID"; trusted_networks = [ "127.0.0.1/32" ]; };
dns = { nameserver = "127.0.0.1@$P_DNS"; timeout = 3; };
CONF
h_genkey rsa "$K/p1.key"
h_zone_add provider.example
h_dkim_publish provider.example p1 "$K/p1.key"
h_spf _spf.provider.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
h_dmarc provider.example "v=DMARC1; p=reject"

# tenant NAME [EXTRA]: customer tenant NAME with domain NAME.example and
# one RSA key, selector s1 (published unless the scenario says otherwise)
tenant() {
	printf 'id = "%s";\nmode = "customer";\nmatch = { sender_domains = [ "%s.example" ]; };\nsender = { from = "info@%s.example"; };\ndkim = ( { domain = "%s.example"; selector = "s1"; key = "../keys/%s.key"; } );\n%s\n' \
		"$1" "$1" "$1" "$1" "$1" "${2:-}" >"$C/tenants.d/$1.conf"
	h_genkey rsa "$K/$1.key"
	[ "$1" = servfail ] || h_zone_add "$1.example"
}
INC="v=spf1 include:_spf.provider.example -all"
publish() { h_dkim_publish "$1.example" s1 "$K/$1.key"; }

tenant ready; h_spf ready.example "$INC"; publish ready; h_dmarc ready.example "v=DMARC1; p=reject"
tenant dkimonly 'spf = { fail = "annotate"; };'
h_spf dkimonly.example "v=spf1 ip4:198.51.100.1 -all"; publish dkimonly; h_dmarc dkimonly.example "v=DMARC1; p=quarantine"
tenant spfonly; h_spf spfonly.example "$INC"; h_dmarc spfonly.example "v=DMARC1; p=reject"
tenant v6missing; h_spf v6missing.example "v=spf1 mx ip4:192.0.2.10 -all"; publish v6missing
h_dmarc v6missing.example "v=DMARC1; p=reject"
tenant keydiff; h_spf keydiff.example "$INC"; h_genkey rsa "$H/other.key"
h_dkim_publish keydiff.example s1 "$H/other.key"; h_dmarc keydiff.example "v=DMARC1; p=reject"
tenant revoked; h_spf revoked.example "$INC"; h_dkim_key revoked.example s1 "v=DKIM1; k=rsa; p="
h_dmarc revoked.example "v=DMARC1; p=reject"
tenant lookups11; publish lookups11; h_dmarc lookups11.example "v=DMARC1; p=reject"
inc11="v=spf1"; for i in 1 2 3 4 5 6 7 8 9 10 11; do
	h_spf "i$i.lookups11.example" "v=spf1 -all"; inc11="$inc11 include:i$i.lookups11.example"; done
h_spf lookups11.example "$inc11 -all"
tenant voids3; publish voids3; h_dmarc voids3.example "v=DMARC1; p=reject"
h_spf voids3.example "v=spf1 a:n1.voids3.example a:n2.voids3.example a:n3.voids3.example -all"
tenant twospf; publish twospf; h_dmarc twospf.example "v=DMARC1; p=reject"
h_spf twospf.example "$INC"; h_spf twospf.example "v=spf1 ip4:192.0.2.10 -all"
tenant syntax; publish syntax; h_dmarc syntax.example "v=DMARC1; p=reject"
h_spf syntax.example "v=spf1 ip4:192.0.2.300 include:_spf.provider.example -all"
tenant nodmarc; h_spf nodmarc.example "$INC"; publish nodmarc
tenant servfail; h_zone_servfail servfail.example
tenant slow; h_spf slow.example "$INC"; publish slow; h_dmarc slow.example "v=DMARC1; p=reject"
h_dns_start
: >"$H/dns-drop"; : >"$H/dns-queries"
h_daemon dnsproxy /usr/bin/python3 "$H_E2E_DIR/dnsproxy.py" "$P_DNS" "$H_DNS_PORT" \
	"$H/dns-drop" "$H/dns-queries"
echo slow.example >"$H/dns-drop"
h_wait_for 10 sh -c "/usr/bin/python3 '$H_E2E_DIR/dnsq.py' $P_DNS ready.example TXT | grep NOERROR >/dev/null" ||
	h_die "DNS proxy did not come up"

D=$H/out; mkdir -p "$D"
run() {		# run NAME: text and JSON of one tenant; $D/NAME.{txt,json,rc,jrc}
	$TCTL dns "$1" >"$D/$1.txt" 2>"$D/$1.err"; echo $? >"$D/$1.rc"
	$TCTL dns "$1" --json >"$D/$1.json" 2>>"$D/$1.err"; echo $? >"$D/$1.jrc"
}
rc() { [ "$(cat "$D/$1.rc")" = "$2" ] && [ "$(cat "$D/$1.jrc")" = "$2" ]; }
txt() { grep -q -- "$2" "$D/$1.txt" || { h_diag "no /$2/ in:" "$(cat "$D/$1.txt")"; return 1; }; }
# j NAME EXPR: EXPR (Python, t = the tenant object) must be true
j() {
	/usr/bin/python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['tenants'][0]; sys.exit(0 if ($2) else 1)" "$D/$1.json" ||
		{ h_diag "JSON of $1 fails: $2"; return 1; }
}
for s in ready dkimonly spfonly v6missing keydiff revoked lookups11 voids3 twospf syntax nodmarc servfail; do run $s; done

h_ok "ready: exit 0; text says ready through DKIM and SPF" sh -c "$(declare -f rc txt h_diag); D=$D; rc ready 0 && txt ready '^ready (customer)  ready: DMARC passes through DKIM and SPF; the milter would accept'"
h_ok "ready: JSON verdict, both IPs pass via the include, key published" j ready \
	"t['verdict']=='ready' and t['dmarc_pass']=={'spf':True,'dkim':True} and [i['result'] for i in t['spf']['ips']]==['pass','pass'] and t['spf']['ips'][1]['matched']=='include:_spf.provider.example' and t['dkim'][0]['state']=='published' and t['dkim'][0]['bits']==2048 and t['spf']['fix'] is None and t['dmarc']['found']=='exact' and t['dmarc']['p']=='reject'"
h_ok "ready: text rows for SPF per IP and the selector" sh -c "$(declare -f txt h_diag); D=$D; txt ready 'spf  *192.0.2.10  *pass  *include:_spf.provider.example  *lookups 1/10' && txt ready 'dkim  *s1._domainkey.ready.example  *published  *rsa-2048'"

h_ok "DKIM only: exit 1, passes through DKIM only" sh -c "$(declare -f rc txt h_diag); D=$D; rc dkimonly 1 && txt dkimonly 'ready with warnings: DMARC passes through DKIM only'"
h_ok "DKIM only: JSON spf fail for both IPs, fix with ip4 and ip6 terms" j dkimonly \
	"t['verdict']=='warnings' and t['dmarc_pass']=={'spf':False,'dkim':True} and t['spf']['worst']=='fail' and t['spf']['fix']['record']=='v=spf1 ip4:198.51.100.1 ip4:192.0.2.10 ip6:2001:db8::10 -all' and t['spf']['fix']['passes'] and t['spf']['ips'][0]['matched']=='-all'"

h_ok "SPF only (key not published): exit 1, SPF only, DKIM record to publish" sh -c "$(declare -f rc txt h_diag); D=$D; rc spfonly 1 && txt spfonly 'passes through SPF only' && txt spfonly 'fix dkim  *s1._domainkey.spfonly.example. IN TXT ( \"v=DKIM1; k=rsa; p='"
h_ok "SPF only: JSON key unpublished, not found, fix zone given" j spfonly \
	"t['dmarc_pass']=={'spf':True,'dkim':False} and t['dkim'][0]['state']=='unpublished' and not t['dkim'][0]['found'] and t['dkim'][0]['fix_zone'].startswith('s1._domainkey.spfonly.example. IN TXT (')"

h_ok "v4 authorized, v6 not: exit 2, the milter would fall back" sh -c "$(declare -f rc txt h_diag); D=$D; rc v6missing 2 && txt v6missing 'not ready: the milter would fallback' && txt v6missing 'spf  *2001:db8::10  *fail  *-all'"
h_ok "v6 missing: JSON v4 pass via ip4, v6 fail, fix adds ip6 only" j v6missing \
	"t['verdict']=='not-ready' and t['action']=='fallback' and t['spf']['ips'][0]['result']=='pass' and t['spf']['ips'][0]['matched']=='ip4:192.0.2.10' and t['spf']['ips'][1]['result']=='fail' and t['spf']['fix']['record']=='v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 -all' and t['spf']['fix']['passes']"

h_ok "key published but different: exit 1, mismatch" sh -c "$(declare -f rc txt h_diag); D=$D; rc keydiff 1 && txt keydiff 'dkim  *s1._domainkey.keydiff.example  *mismatch  *rsa-2048' && txt keydiff 'publishes another key than ours'"
h_ok "key different: JSON state mismatch, found, not revoked, fix given" j keydiff \
	"t['dkim'][0]['state']=='mismatch' and t['dkim'][0]['found'] and not t['dkim'][0]['revoked'] and t['dkim'][0]['fix_zone'] and t['dmarc_pass']['dkim']==False"

h_ok "key revoked: exit 1, revoked" sh -c "$(declare -f rc txt h_diag); D=$D; rc revoked 1 && txt revoked 'revoked (p= empty)' && txt revoked 'is revoked (empty p=)'"
h_ok "key revoked: JSON revoked true, mismatch" j revoked "t['dkim'][0]['revoked'] and t['dkim'][0]['state']=='mismatch'"

h_ok "11 lookups: exit 1 (DKIM carries DMARC), permerror with the limit" sh -c "$(declare -f rc txt h_diag); D=$D; rc lookups11 1 && txt lookups11 'spf  *192.0.2.10  *permerror' && txt lookups11 'passes through DKIM only'"
h_ok "11 lookups: JSON permerror, lookups beyond 9 counted, warning, no deciding term" j lookups11 \
	"t['spf']['ips'][0]['matched']=='' and t['spf']['worst']=='permerror' and t['spf']['lookups']>=10 and any('DNS lookups' in w for w in t['warnings']) and any('10' in i['why'] for i in t['spf']['ips'])"
h_ok "3 void lookups: exit 1, permerror, voids counted" j voids3 \
	"t['exit']==1 and t['spf']['worst']=='permerror' and t['spf']['voids']==3 and 'void' in t['spf']['ips'][0]['why']"
h_ok "3 void lookups: text" sh -c "$(declare -f rc txt h_diag); D=$D; rc voids3 1 && txt voids3 'voids 3/2'"
h_ok "two SPF records: exit 1, permerror, warned" sh -c "$(declare -f rc txt h_diag); D=$D; rc twospf 1 && txt twospf 'publishes 2 SPF records'"
h_ok "two SPF records: JSON records 2, permerror" j twospf "t['spf']['records']==2 and t['spf']['worst']=='permerror'"
h_ok "syntax error: exit 1, permerror naming the bad term" sh -c "$(declare -f rc txt h_diag); D=$D; rc syntax 1 && txt syntax 'permerror'"
h_ok "syntax error: JSON permerror with the reason" j syntax "t['spf']['worst']=='permerror' and '192.0.2.300' in t['spf']['ips'][0]['why']"
h_ok "no DMARC record: exit 1, warned, starter record proposed" sh -c "$(declare -f rc txt h_diag); D=$D; rc nodmarc 1 && txt nodmarc 'no record for nodmarc.example' && txt nodmarc 'fix dmarc  *_dmarc.nodmarc.example. IN TXT ( \"v=DMARC1; p=none\" )'"
h_ok "no DMARC record: JSON found none, fix at the organizational domain" j nodmarc \
	"t['dmarc']['found']=='none' and t['dmarc']['fix']=='v=DMARC1; p=none' and t['dmarc']['fix_name']=='_dmarc.nodmarc.example' and t['dmarc_pass']=={'spf':True,'dkim':True}"
h_ok "SERVFAIL: exit 3, could not check" sh -c "$(declare -f rc txt h_diag); D=$D; rc servfail 3 && txt servfail 'could not check'"
h_ok "SERVFAIL: JSON unchecked, the failure named" j servfail "t['verdict']=='unchecked' and t['exit']==3 and any('servfail' in p for p in t['problems'])"

start=$(date +%s.%N); $TCTL dns slow --json >"$D/slow.json" 2>"$D/slow.err"; echo $? >"$D/slow.jrc"; end=$(date +%s.%N)
echo 99 >"$D/slow.rc"
h_ok "timeout: exit 3" test "$(cat "$D/slow.jrc")" = 3
h_ok "timeout: reported as such" j slow "t['verdict']=='unchecked' and any('timeout' in p for p in t['problems'])"
h_ok "timeout: done within dns.timeout (3 s, plus 2 s to start and print)" \
	awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 5) }'

# --- several tenants: worst exit over all named; unknown tenant named
$TCTL dns ready nodmarc v6missing >"$D/many.txt" 2>&1; echo $? >"$D/many.rc"
h_ok "three tenants: exit 2 (the worst), one block each, in order" sh -c \
	"[ $(cat "$D/many.rc") = 2 ] && [ \$(grep -c '^[a-z0-9]* (customer)  ' '$D/many.txt') = 3 ]"
$TCTL dns nosuch >"$D/nosuch.txt" 2>&1; echo $? >"$D/nosuch.rc"
h_ok "unknown tenant: exit 1 naming it" sh -c "[ $(cat "$D/nosuch.rc") = 1 ] && grep -q 'no tenant \"nosuch\"' '$D/nosuch.txt'"
h_ok "no colour codes when not a terminal" sh -c "! grep -q \$'\\033' '$D/ready.txt'"
h_ok "nothing secret in the output" sh -c "! cat '$D'/*.txt '$D'/*.json | grep -q PRIVATE"

# --- the proposed SPF fixes, published, checked with pyspf
pyspf() { /usr/bin/python3 "$H_E2E_DIR/pyspf-check.py" "$H_DNS_PORT" "$@"; }
for s in dkimonly v6missing; do
	/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tenants'][0]['spf']['fix']['record'])" "$D/$s.json" >"$D/$s.fix"
	/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tenants'][0]['spf']['fix']['lookups'])" "$D/$s.json" >"$D/$s.fixn"
	h_rr_del "$s.example" TXT; h_spf "$s.example" "$(cat "$D/$s.fix")"
done
h_dns_reload
for s in dkimonly v6missing; do pyspf "$s.example" "info@$s.example" 192.0.2.10 2001:db8::10 >"$D/$s.pyspf"; done
pyspf_ok() {	# NAME: pass for both IPs, lookups = what tenantctl printed
	awk -v n="$(cat "$D/$1.fixn")" '$2 != "pass" || $3 != n { bad = 1 } END { exit bad || NR != 2 }' "$D/$1.pyspf" ||
		{ h_diag "pyspf: $(cat "$D/$1.pyspf"); tenantctl: $(cat "$D/$1.fixn") lookups"; return 1; }
}
h_ok "DKIM only: the proposed record passes pyspf for both IPs, same lookup count" pyspf_ok dkimonly
h_ok "v6 missing: the proposed record passes pyspf for both IPs, same lookup count" pyspf_ok v6missing
h_ok "v6 missing: the fix counts mx: 1 lookup (pyspf agrees)" test "$(cat "$D/v6missing.fixn")" = 1
run v6missing; run dkimonly
h_ok "after publishing the fix: v6missing ready (exit 0)" rc v6missing 0
h_ok "after publishing the fix: dkimonly ready (exit 0), SPF passes" sh -c "$(declare -f rc); D=$D; rc dkimonly 0"
