#!/bin/bash
# t-tenantctl-genkey.sh - `tenantctl genkey`: RSA-2048, RSA-3072 and
# Ed25519 keys (beside RSA) for a customer tenant, written 0600 in new 0700
# directories; the zone-file record exactly as printed, served by the test
# NSD, makes all three verifiers pass mail the milter signed; the one-string
# form is the joined strings; refusal to overwrite, --force; errors name
# the unknown tenant or bad selector.  Also `algorithm` omitted in dkim
# entries (tenant and provider): the key decides, and it signs right.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init tenantctl-genkey
h_plan 26
TCTL="$top_builddir/src/tenantctl/tenantctl -c $H/conf/main.conf"
G=$H/genkey; mkdir -p "$G"

genkey() {	# genkey NAME ARGS...: $G/NAME.out, .err, .rc
	local n=$1; shift
	$TCTL genkey "$@" >"$G/$n.out" 2>"$G/$n.err"; echo $? >"$G/$n.rc"
}
zone_of() { sed -n '/^DNS record, zone-file form:$/,/^$/p' "$G/$1.out" | sed '1d;/^$/d'; }
one_of() { sed -n '/^The same record as one string/{n;p}' "$G/$1.out"; }
mode_of() { stat -c %a "$1"; }

kilo_tenants() {	# M_TENANTS hook: tenants whose keys genkey makes
	m__tenant kilo 'mode = "customer";
match = { sender_domains = [ "kilo.example" ]; };
sender = { from = "info@kilo.example"; };
dkim = ( { domain = "kilo.example"; selector = "k2048"; key = "../keys/kilo/k2048.key"; },
         { domain = "kilo.example"; selector = "k3072"; key = "../keys/kilo/k3072.key"; },
         { domain = "kilo.example"; selector = "ked"; key = "../keys/kilo/ked.key"; } );'
	m__tenant lima 'mode = "customer";
match = { sender_domains = [ "lima.example" ]; };
sender = { from = "info@lima.example"; };'
	# the provider's Ed25519 key without `algorithm`: taken from the key
	sed -i 's/ algorithm = "ed25519-sha256";//' "$H/conf/main.conf"
	genkey k1 kilo --selector k2048
	genkey k1again kilo --selector k2048
	cp "$H/conf/keys/kilo/k2048.key" "$G/k2048.before"
	genkey k1force kilo --selector k2048 --force
	genkey k3 kilo --selector k3072 --algorithm rsa-3072
	genkey ke kilo --selector ked --algorithm ed25519
	genkey l1 lima --selector l1
	genkey p2 --provider --selector p2 --algorithm ed25519
	m__tenant mike 'mode = "customer";
match = { sender_domains = [ "mike.example" ]; };
sender = { from = "news@mike.example"; };'
	chown nobody "$H/conf/main.conf"	# genkey as root: owned like the main file
	genkey m1 mike --selector m1
	chown root "$H/conf/main.conf"
	printf 'dkim = ( %s );\n' "$(sed -n '/^Add to /{n;p}' "$G/m1.out" | sed 's/^ *//')" >>"$H/conf/tenants.d/mike.conf"
	genkey nosuch nosuchtenant --selector x
	genkey badsel kilo --selector 'bad/sel'
	genkey provmode beta --selector b1
	# the printed entries, added as printed
	sed -n '/^Add to /{n;p}' "$G/l1.out" | sed 's/^ *//' >"$G/l1.entry"
	printf 'dkim = ( %s );\n' "$(cat "$G/l1.entry")" >>"$H/conf/tenants.d/lima.conf"
	sed -n '/^Add to /{n;p}' "$G/p2.out" | sed 's/^ *//' >"$G/p2.entry"
	sed -i "s|^  dkim = ( |  dkim = ( $(cat "$G/p2.entry"), |" "$H/conf/main.conf"
}
kilo_zones() {		# M_ZONES hook: the records exactly as printed
	local z
	h_zone_add kilo.example; h_zone_add lima.example; h_zone_add mike.example
	for z in kilo lima; do h_spf "$z.example" "v=spf1 include:_spf.provider.example -all"; done
	for z in k1force k3 ke; do h_rr kilo.example "$(zone_of $z)"; done
	h_rr lima.example "$(zone_of l1)"
	h_rr provider.example "$(zone_of p2)"
}
M_TENANTS=kilo_tenants M_ZONES=kilo_zones m_setup

K=$H/conf/keys/kilo
h_ok "genkey kilo k2048: exit 0, key 0600, new directory 0700" sh -c \
	"[ $(cat "$G/k1.rc") = 0 ] && [ $(mode_of "$K/k2048.key") = 600 ] && [ $(mode_of "$K") = 700 ]"
h_ok "a second genkey refuses to overwrite (exit 1, says so, key unchanged)" sh -c \
	"[ $(cat "$G/k1again.rc") = 1 ] && grep -q 'exists; not overwritten' '$G/k1again.err' && grep -q 'k2048' '$G/k1again.err'"
h_ok "--force replaces it: exit 0, another key, still 0600" sh -c \
	"[ $(cat "$G/k1force.rc") = 0 ] && ! cmp -s '$G/k2048.before' '$K/k2048.key' && [ $(mode_of "$K/k2048.key") = 600 ] && ! cmp -s '$G/k1.out' '$G/k1force.out'"
h_ok "RSA-2048 by default, RSA-3072 and Ed25519 on request" sh -c \
	"openssl pkey -in '$K/k2048.key' -noout -text | grep -q '2048 bit' && openssl pkey -in '$K/k3072.key' -noout -text | grep -q '3072 bit' && openssl pkey -in '$K/ked.key' -noout -text | grep -q ED25519"
strings_ok() {	# every quoted string <= 255 bytes, the one-string form = joined
	local f=$1 joined
	zone_of "$f" | grep -o '"[^"]*"' | awk '{ if (length($0) - 2 > 255) bad = 1 } END { exit bad }' || return 1
	joined=$(zone_of "$f" | grep -o '"[^"]*"' | tr -d '"\n')
	[ -n "$joined" ] && [ "$joined" = "$(one_of "$f")" ]
}
h_ok "RSA-3072 record: split into more than one string" \
	test "$(zone_of k3 | grep -c '^[^"]*"[^"]*"')" -ge 2
h_ok "zone-file strings <= 255 bytes and the one-string form equals them joined (2048, 3072, ed25519)" \
	sh -c "$(declare -f zone_of one_of strings_ok); G='$G'; strings_ok k1force && strings_ok k3 && strings_ok ke"
h_ok "Ed25519 record: k=ed25519 and the raw 32-byte key (RFC 8463)" sh -c \
	"one=\$(sed -n '/^The same record/{n;p}' '$G/ke.out'); case \$one in 'v=DKIM1; k=ed25519; p='*) ;; *) exit 1;; esac; [ \$(printf %s \"\${one#*p=}\" | base64 -d | wc -c) = 32 ]"
h_ok "zone-file owner is selector._domainkey.domain. with a final dot" \
	grep -q '^k3072._domainkey.kilo.example. IN TXT ( "v=DKIM1; k=rsa; p=' "$G/k3.out"
h_ok "no private key on stdout or stderr" sh -c "! cat '$G'/*.out '$G'/*.err | grep -q 'PRIVATE'"
h_ok "a declared selector: no entry to add is printed" sh -c "! grep -q '^Add to' '$G/k3.out'"
h_ok "an undeclared selector: key next to nothing -> keys/lima/l1.key, the entry to add printed" sh -c \
	"[ $(cat "$G/l1.rc") = 0 ] && [ $(mode_of "$H/conf/keys/lima/l1.key") = 600 ] && grep -qx '{ domain = \"lima.example\"; selector = \"l1\"; key = \"../keys/lima/l1.key\"; }' '$G/l1.entry'"
h_ok "run as root: the new directory and key are owned like the main file" sh -c \
	"[ \$(stat -c %U '$H/conf/keys/mike') = nobody ] && [ \$(stat -c %U '$H/conf/keys/mike/m1.key') = nobody ] && [ \$(stat -c %a '$H/conf/keys/mike/m1.key') = 600 ]"
h_ok "--provider: next to the provider's keys (keys/p2.key), entry without domain" sh -c \
	"[ $(cat "$G/p2.rc") = 0 ] && [ $(mode_of "$H/conf/keys/p2.key") = 600 ] && grep -qx '{ selector = \"p2\"; key = \"keys/p2.key\"; }' '$G/p2.entry'"
h_ok "unknown tenant: exit 1 naming it" sh -c "[ $(cat "$G/nosuch.rc") = 1 ] && grep -q 'no tenant \"nosuchtenant\"' '$G/nosuch.err'"
h_ok "bad selector: exit 1 naming it" sh -c "[ $(cat "$G/badsel.rc") = 1 ] && grep -q 'selector \"bad/sel\"' '$G/badsel.err'"
h_ok "provider-mode tenant: exit 1, points to --provider" sh -c "[ $(cat "$G/provmode.rc") = 1 ] && grep -q 'tenant beta is in provider mode.*--provider' '$G/provmode.err'"
h_ok "the configuration with the new keys and entries is valid" sh -c "$TCTL check >'$G/check.out' 2>&1; grep -q '^kilo .*dkim=kilo.example/k2048(rsa-2048),kilo.example/k3072(rsa-3072),kilo.example/ked(ed25519)  ok' '$G/check.out' && grep -q '^lima .*lima.example/l1(rsa-2048)  ok' '$G/check.out'"

# --- mail signed with the new keys, records as printed
m_deliver --local-interface 127.0.0.3 --from info@kilo.example --to u@dest.example \
	--header 'From: info@kilo.example' --header 'Subject: genkey keys' --body 'kilo'
KF=$M_FILE
h_ok "kilo: all three verifiers pass (Mail::DKIM skips Ed25519)" h_verify "$KF"
h_ok "kilo: dkimpy passes k2048, k3072 and ked" m_verify_sigs "$KF" dkimpy \
	"kilo.example/k2048 rsa-sha256=pass" "kilo.example/k3072 rsa-sha256=pass" "kilo.example/ked ed25519-sha256=pass"
h_ok "kilo: opendkim passes k2048, k3072 and ked" m_verify_sigs "$KF" opendkim \
	"kilo.example/k2048 rsa-sha256=pass" "kilo.example/k3072 rsa-sha256=pass" "kilo.example/ked ed25519-sha256=pass"
h_ok "kilo: Mail::DKIM passes k2048 and k3072" m_verify_sigs "$KF" mail-dkim \
	"kilo.example/k2048 rsa-sha256=pass" "kilo.example/k3072 rsa-sha256=pass"
m_deliver --local-interface 127.0.0.2 --from app@beta.provider.example --to u@dest.example \
	--header 'From: x@beta.provider.example' --header 'Subject: provider keys' --body 'beta'
h_ok "provider entries without algorithm sign right: p1 (rsa), p1e and p2 (ed25519) pass opendkim" \
	m_verify_sigs "$M_FILE" opendkim "provider.example/p1 rsa-sha256=pass" \
	"provider.example/p1e ed25519-sha256=pass" "provider.example/p2 ed25519-sha256=pass"
m_deliver --local-interface 127.0.0.3 --from info@lima.example --to u@dest.example \
	--header 'From: info@lima.example' --header 'Subject: printed entry' --body 'lima'
lima_ok() { [ -n "$M_FILE" ] && grep -q 's=l1;' "$M_FILE" && h_verify "$M_FILE"; }
h_ok "lima: the printed entry signs; all three verifiers pass l1" lima_ok

# --- the README's onboarding, end to end: genkey (above) -> records ->
# publish what the sheet says -> dns says ready -> mail signed with the
# customer's key
$TCTL records mike >"$G/mike.sheet" 2>&1
value_of() { awk -v n="$1" '/^[0-9]+\. / { k = $2 } /^   Value:  / && k == n { sub(/^   Value:  /, ""); print; exit }' "$G/mike.sheet"; }
h_ok "records mike: SPF, DKIM and DMARC to publish" sh -c \
	"[ \$(grep -c '^   To do:  publish' '$G/mike.sheet') = 3 ] && grep -q '^   Name:   m1._domainkey.mike.example' '$G/mike.sheet'"
h_spf mike.example "$(value_of SPF:)"
h_dkim_key mike.example m1 "$(value_of DKIM:)"
h_dmarc mike.example "$(value_of DMARC)"
h_dns_reload
$TCTL dns mike >"$G/mike.dns" 2>&1; echo $? >"$G/mike.dnsrc"
h_ok "after publishing the sheet: tenantctl dns mike exits 0 (ready)" sh -c \
	"[ \$(cat '$G/mike.dnsrc') = 0 ] || { cat '$G/mike.dns'; exit 1; }"
m_reload
m_deliver --local-interface 127.0.0.3 --from news@mike.example --to u@dest.example \
	--header 'From: news@mike.example' --header 'Subject: onboarded' --body 'mike'
mike_ok() { [ -n "$M_FILE" ] && m_verify_sigs "$M_FILE" opendkim "mike.example/m1 rsa-sha256=pass" && h_verify "$M_FILE" && m_log_has 'tenant=mike .*dkim=mike.example/m1 action=accept'; }
h_ok "mail from mike: signed with the customer's key, all three verifiers pass, action accept" mike_ok
