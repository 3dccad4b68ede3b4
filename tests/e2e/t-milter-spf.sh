#!/bin/bash
# t-milter-spf.sh - customer mode for real (DESIGN.md step 4) through a real
# Postfix and NSD: one scenario per SPF result and its configured action,
# IPv6 outbound IPs, fallback mail verified by three verifiers, temperror
# (SERVFAIL and a name that never answers) keeping mail queued until DNS
# answers, the DMARC guard before and after a key is published, and the
# resolver cache counted at the DNS proxy.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-spf
h_plan 25

# Tenant sp: every SPF scenario domain; no dkim, so DMARC rests on SPF and
# dmarc_guard = "annotate" keeps the guard from hiding the SPF actions.
# Tenant gd: a key that is not published at first; guard = fallback.
doms="pass v6ok v6miss fail soft neut none perm2 permsyn perm11 permvoid tempsf tempto cache"
sp_tenants() {
	local list="" d
	for d in $doms; do list="$list\"$d.example\", "; done
	m__tenant sp "mode = \"customer\";
match = { sender_domains = [ ${list%, } ]; };
sender = { from = \"claim@pass.example\"; allowed = [ ${list%, } ]; };
dmarc_guard = \"annotate\";
spf = { fail = \"reject\"; softfail = \"annotate\"; neutral = \"fallback\"; none = \"fallback\";
        temperror = \"tempfail\"; permerror = \"reject\"; };"
	h_genkey rsa "$H/conf/keys/gd.key"
	m__tenant gd 'mode = "customer";
match = { sender_domains = [ "gd.example" ]; };
sender = { from = "news@gd.example"; };
dkim = ( { domain = "gd.example"; selector = "k1"; key = "../keys/gd.key"; } );'
}
sp_zones() {
	local d i list
	for d in $doms gd; do [ "$d" = tempsf ] || h_zone_add "$d.example"; done
	h_zone_servfail tempsf.example
	h_spf pass.example "v=spf1 include:_spf.provider.example -all"
	h_spf v6ok.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
	h_spf v6miss.example "v=spf1 ip4:192.0.2.10 -all"
	h_spf fail.example "v=spf1 -all"
	h_spf soft.example "v=spf1 ~all"
	h_spf neut.example "v=spf1 ?all"
	h_spf perm2.example "v=spf1 ip4:192.0.2.10 -all"
	h_rr perm2.example '@ 5 IN TXT "v=spf1 ip6:2001:db8::10 -all"'
	h_spf permsyn.example "v=spf1 ip4:192.0.2.300 -all"
	list=""; for i in 1 2 3 4 5 6 7 8 9 10 11; do
		list="$list include:i$i.perm11.example"; h_spf "i$i.perm11.example" "v=spf1 ?all"
	done
	h_spf perm11.example "v=spf1$list ip4:192.0.2.10 ip6:2001:db8::10 -all"
	h_spf permvoid.example "v=spf1 a:v1.permvoid.example a:v2.permvoid.example a:v3.permvoid.example ip4:192.0.2.10 ip6:2001:db8::10 -all"
	h_spf tempto.example "v=spf1 include:_spf.provider.example -all"
	h_spf gd.example "v=spf1 ~all"
	h_txt cache.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all" 60
}
M_TENANTS=sp_tenants M_ZONES=sp_zones
m_setup
m_drop tempto.example

# send_as DOMAIN - from an untrusted client, envelope and From in DOMAIN
send_as() { m_deliver --local-interface 127.0.0.3 --from "claim@$1.example" --to u@dest.example \
	--header "From: Claim <claim@$1.example>" --header "Subject: spf $1"; }
ann() { m_hdr "$M_FILE" X-Tenant-Policy; }
replied() { case $M_REPLY in "$1"*) return 0 ;; esac; h_diag "reply: $M_REPLY"; return 1; }
annotated() { ann | grep -q -- "$1" || { h_diag "annotation: $(ann)"; return 1; }; }

send_as pass;	h_ok "pass via include: delivered, From unchanged, spf=pass" sh -c "[ -n '$M_FILE' ] && grep -q '^From: Claim <claim@pass.example>' '$M_FILE' && grep -q 'spf=pass;' '$M_FILE'"
send_as v6ok;	h_ok "IPv4 and IPv6 both authorized (ip4: + ip6:): pass" annotated "spf=pass;"
send_as v6miss;	h_ok "IPv6 outbound IP not authorized: its fail is the worst result, rejected 5.7.1" replied "550 5.7.1 SPF fail"
send_as fail;	h_ok "fail -> reject: 550 5.7.1" replied "550 5.7.1 SPF fail: fail.example does not authorize"
send_as soft;	h_ok "softfail -> annotate: delivered, reason in the annotation" annotated 'spf=softfail; .*action=accept; reason="spf=softfail'
send_as neut
h_ok "neutral -> fallback: From moves to the tenant's provider domain" \
	test "$(m_hdr "$M_FILE" From)" = "Claim <claim@sp.provider.example>"
h_ok "fallback: Reply-To is the customer's original address" test "$(m_hdr "$M_FILE" Reply-To)" = "claim@neut.example"
h_ok "fallback: provider signature passes Mail::DKIM" m_verify_sigs "$M_FILE" mail-dkim "provider.example/p1 rsa-sha256=pass"
h_ok "fallback: provider signatures pass dkimpy" m_verify_sigs "$M_FILE" dkimpy "provider.example/p1 rsa-sha256=pass" "provider.example/p1e ed25519-sha256=pass"
h_ok "fallback: provider signatures pass opendkim" m_verify_sigs "$M_FILE" opendkim "provider.example/p1 rsa-sha256=pass" "provider.example/p1e ed25519-sha256=pass"
send_as none;	h_ok "none -> fallback (the default)" annotated "spf=none; .*action=fallback"
for d in perm2 permsyn perm11 permvoid; do
	send_as $d
	case $d in perm2) what="two SPF records" ;; permsyn) what="a syntax error" ;;
		perm11) what="11 DNS-querying terms" ;; permvoid) what="3 void lookups" ;; esac
	h_ok "permerror from $what -> reject" replied "550 5.7.1 SPF permerror"
done
t0=$(date +%s%N); send_as tempto; t1=$(date +%s%N)
h_ok "temperror from a name that never answers: 451 4.7.1 from the milter" replied "451 4.7.1 SPF temperror for tempto.example"
h_ok "the timing-out lookup ended within dns.timeout (3 s): $(( (t1 - t0) / 1000000 )) ms" test $(( (t1 - t0) / 1000000 )) -lt 4500
send_as tempsf;	h_ok "temperror from SERVFAIL: 451 4.7.1" replied "451 4.7.1 SPF temperror for tempsf.example"

# A temperror message submitted with sendmail stays queued; once DNS answers it goes.
printf 'From: claim@tempsf.example\nTo: u@dest.example\nSubject: queued\n\nkeep\n' |
	sendmail -C "$H_POSTFIX_CONF" -f claim@tempsf.example u@dest.example
h_ok "temperror: sendmail submission stays in Postfix's queue" \
	h_wait_for 15 sh -c "postqueue -c '$H_POSTFIX_CONF' -p | grep -q claim@tempsf.example"
sed -i '/^tempsf.example servfail$/d' "$H/dns/zones"	# the zone starts answering
h_zone_add tempsf.example; h_spf tempsf.example "v=spf1 include:_spf.provider.example -all"; h_dns_reload
h_postqueue -f
h_ok "temperror: delivered once DNS answers" h_sink_wait $((M_SENT + 1)) 60
M_SENT=$((M_SENT + 1)); M_FILE=$(h_sink_last)

# The DMARC guard: gd's key is not published -> fallback, and the log says why.
send_as gd
h_ok "guard: unpublished key -> fallback" annotated "action=fallback"
h_ok "guard: log line names the unpublished key and the reason" \
	m_log_has 'tenant=gd via=sender mode=customer from=<news@gd.provider.example> spf=softfail dkim=provider.example/p1,provider.example/p1e,gd.example/k1\(unpublished\) action=fallback reason=".*spf=softfail, no published aligned key"'
h_dkim_publish gd.example k1 "$H/conf/keys/gd.key"; h_dns_reload
sleep 6		# the negative answer's TTL (5 s) runs out
send_as gd
h_ok "guard: once published (TTL waited out), signed by the customer's key" \
	sh -c "grep -q 'd=gd.example' '$M_FILE' && grep -q '^From: Claim <claim@gd.example>' '$M_FILE'"
h_ok "guard: that signature passes all three verifiers" m_verify_sigs "$M_FILE" opendkim "gd.example/k1 rsa-sha256=pass"

# Cache: the same domain twice within its TTL (60 s) costs one set of queries.
send_as cache; first=$(m_dns_count cache.example 16)
send_as cache; second=$(m_dns_count cache.example 16)
h_ok "cache: two messages for cache.example within its TTL: one TXT query (after the first $first, after the second $second)" \
	test "$first" -eq 1 -a "$second" -eq 1
