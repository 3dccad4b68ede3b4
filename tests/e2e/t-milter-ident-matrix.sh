#!/bin/bash
# t-milter-ident-matrix.sh - identification as an attacker tries it (issue 7),
# through a real Postfix with real SMTP AUTH (Cyrus SASL, sasldb): every
# client kind x every claim of another tenant.  A = acme (login lms-acme),
# B = gamma (identify header "gamma", gamma.example).
#
#   client kinds: trusted network (127.0.0.3), untrusted unauthenticated
#   (127.0.0.4), authenticated as A, authenticated with a login of no tenant
#   (app), A's login realm-qualified (lms-acme@mx.harness.test, realm not
#   listed in identify.sasl_realms)
#   claims: identify header of B, MAIL FROM of B, From of B
#
# Never signed for B, never annotated tenant=B, except from trusted
# networks, which speak for any tenant by design; A's mail signed as A;
# strangers under unknown_tenant = accept pass untouched.  Then: realms per
# setting, login case, the inbound-style stranger under reject, and the
# decision line of every refusal (unknown tenant, 553, 552) with what
# identification saw.  The table of outcomes is $H/matrix.txt (and in the
# log as comments).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-ident-matrix
h_plan 31
m_setup 'unknown_tenant = "accept";'
h_postfix_enable_sasl lms-acme s3cret
h_postfix_enable_sasl app s3cret
h_postfix_enable_sasl LMS-Acme s3cret

A_AUTH="--auth PLAIN --auth-password s3cret --auth-user"
kind_args() {
	case $1 in
	trusted) echo "--local-interface 127.0.0.3" ;;
	untrusted) echo "--local-interface 127.0.0.4" ;;
	login-A) echo "--local-interface 127.0.0.4 $A_AUTH lms-acme" ;;
	login-none) echo "--local-interface 127.0.0.4 $A_AUTH app" ;;
	realm-A) echo "--local-interface 127.0.0.4 $A_AUTH lms-acme@mx.harness.test" ;;
	esac
}
claim_args() {
	case $1 in
	header-B) echo "--from x@nowhere.example --header From:x@nowhere.example --header X-Tenant-ID:gamma" ;;
	mailfrom-B) echo "--from info@gamma.example --header From:info@gamma.example" ;;
	from-B) echo "--from x@nowhere.example --header From:info@gamma.example" ;;
	esac
}

# outcome - "tenant | signatures | annotation | From | reply" of the last
# send; the tenant and action from its decision line (the last one logged)
outcome() {
	local t sigs=none note=none from=- reply line
	line=$(grep 'tenant-milter: [0-9A-Z]*: tenant=' "$H/milter.log" | tail -1)
	t=$(echo "$line" | sed -n 's/.*: tenant=\([^ ]*\) via=\([^ ]*\) .* action=\([a-z]*\).*/\1 (via=\2, action=\3)/p')
	reply=$(echo "$M_REPLY" | cut -c1-9)
	if [ -n "$M_FILE" ]; then
		note=$(m_hdr "$M_FILE" X-Tenant-Policy | head -1)
		[ -n "$note" ] || note=none
		sigs=$(m_hdr "$M_FILE" DKIM-Signature | perl -ne 'my ($d) = /(?:^|;)\s*d=([^;\s]+)/;
			my ($s) = /(?:^|;)\s*s=([^;\s]+)/; print "$d/$s\n"' | paste -sd, -)
		[ -n "$sigs" ] || sigs=none
		from=$(m_hdr "$M_FILE" From | head -1)
	else
		note="-"; sigs="-"; from="(refused)"
	fi
	echo "$t | $sigs | ${note%%; dkim=*} | $from | $reply"
}

printf '| client kind | claim | tenant | signatures | annotation | From | reply |\n|---|---|---|---|---|---|---|\n' >"$H/matrix.txt"
bad_b=0 bad_a=0 bad_stranger=0 bad_trusted=0 cells=0
for kind in trusted untrusted login-A login-none realm-A; do
	for claim in header-B mailfrom-B from-B; do
		cells=$((cells + 1))
		# shellcheck disable=SC2046
		m_deliver $(kind_args "$kind") $(claim_args "$claim") --to u@dest.example \
			--header "Subject: $kind claims $claim"
		o=$(outcome)
		echo "| $kind | $claim | $o |" >>"$H/matrix.txt"
		h_diag "$kind x $claim -> $o"
		sigs=$(echo "$o" | cut -d'|' -f2)
		t=$(echo "$o" | cut -d'|' -f1 | awk '{print $1}')
		case $kind in
		trusted)	# may speak for any tenant: header and MAIL FROM name B
			case $claim in
			from-B) [ "$t" = - ] && [ -n "$M_FILE" ] && [ "$sigs" = " none " ] || bad_trusted=$((bad_trusted + 1)) ;;
			*) [ "$t" = gamma ] || bad_trusted=$((bad_trusted + 1)) ;;
			esac
			continue ;;
		esac
		case $sigs in *gamma.example/*) bad_b=$((bad_b + 1)) ;; esac
		[ "$t" = gamma ] && bad_b=$((bad_b + 1))
		[ -n "$M_FILE" ] && grep -q '^X-Tenant-Policy: tenant=gamma' "$M_FILE" && bad_b=$((bad_b + 1))
		if [ "$kind" = login-A ]; then
			[ "$t" = acme ] && [ -n "$M_FILE" ] && case $sigs in *acme.example/s1*) true ;; *) false ;; esac &&
				case $sigs in *acme.example/s2*) true ;; *) false ;; esac &&
				[ "$(m_hdr "$M_FILE" From)" = "<claim@acme.example>" ] || bad_a=$((bad_a + 1))
		else	# strangers, unknown_tenant = accept: untouched
			[ "$t" = - ] && [ -n "$M_FILE" ] && [ "$sigs" = " none " ] &&
				[ -z "$(m_hdr "$M_FILE" X-Tenant-Policy)" ] || bad_stranger=$((bad_stranger + 1))
		fi
	done
done
while read -r l; do h_diag "$l"; done <"$H/matrix.txt"
h_ok "matrix: $cells cells sent" test "$cells" -eq 15
h_ok "matrix: no client but a trusted one got mail signed or annotated for B" test "$bad_b" -eq 0
h_ok "matrix: login of A: tenant A, signed d=acme.example, From rewritten to A's, whatever the claim" test "$bad_a" -eq 0
h_ok "matrix: strangers (untrusted, login of no tenant, unlisted realm) pass untouched under accept" test "$bad_stranger" -eq 0
h_ok "matrix: trusted network: header and MAIL FROM name B (by design; gamma then refuses the foreign From), From alone names nobody" test "$bad_trusted" -eq 0

# A's own mail, signed as A, verifies at all three verifiers after Postfix
# shellcheck disable=SC2046
m_deliver $(kind_args login-A) --from claim@acme.example --to u@dest.example \
	--header 'From: Claims <claim@acme.example>' --header 'Subject: own mail'
h_ok "login of A, own mail: tenant=acme" grep -q '^X-Tenant-Policy: tenant=acme;' "$M_FILE"
h_ok "login of A, own mail: Mail::DKIM, dkimpy and opendkim all pass" h_verify "$M_FILE"

# the decision lines of the strangers: via=sasl with the login, or the client
qid_of() { grep -o 'with [A-Z]* id [0-9A-F]*' "$1" | head -1 | awk '{print $NF}'; }
h_ok "log: login of no tenant: via=sasl, login and claims shown" m_log_has \
	'tenant=- via=sasl mode=- .* action=accept reason="unknown tenant, passed untouched" client=127\.0\.0\.4 client_kind=other-login login="app" header="gamma" sender_domain=nowhere\.example'
h_ok "log: unlisted realm: the realm-qualified login is shown" m_log_has \
	'tenant=- via=sasl .* client_kind=other-login login="lms-acme@mx\.harness\.test" header="-" sender_domain=gamma\.example'
h_ok "log: untrusted client: via=-, client address and kind shown" m_log_has \
	'tenant=- via=- .* client=127\.0\.0\.4 client_kind=untrusted login="-" header="-" sender_domain=gamma\.example'

# --- realms per setting, login case
# shellcheck disable=SC2046
m_deliver $(kind_args realm-A) --from claim@acme.example --to u@dest.example \
	--header 'From: claim@acme.example' --header 'Subject: realm before'
h_ok "realm-qualified login, realm not listed: untouched" sh -c \
	"test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE'"
sed -i 's/^identify = { /identify = { sasl_realms = [ "MX.Harness.Test" ]; /' "$H/conf/main.conf"
m_reload
# shellcheck disable=SC2046
m_deliver $(kind_args realm-A) $(claim_args header-B) --to u@dest.example --header 'Subject: realm listed'
h_ok "realm listed (any case): lms-acme@mx.harness.test is A's login, signed as A" sh -c \
	"grep -q '^X-Tenant-Policy: tenant=acme;' '$M_FILE' && grep -q 'd=acme.example' '$M_FILE' && ! grep -q 'd=gamma' '$M_FILE'"
m_deliver --local-interface 127.0.0.4 --auth PLAIN --auth-user LMS-Acme --auth-password s3cret \
	$(claim_args mailfrom-B) --to u@dest.example --header 'Subject: login case'
h_ok "login LMS-Acme matches sasl_users lms-acme (case-insensitive)" sh -c \
	"grep -q '^X-Tenant-Policy: tenant=acme;' '$M_FILE' && ! grep -q 'd=gamma' '$M_FILE'"
h_ok "log: via=sasl for the login in another case" m_log_has \
	"$(qid_of "$M_FILE"): tenant=acme via=sasl mode=customer"

# --- trust_other_logins: a login of no tenant may use header and sender
sed -i 's/^identify = { /identify = { trust_other_logins = true; /' "$H/conf/main.conf"
m_reload
# shellcheck disable=SC2046
m_deliver $(kind_args login-none) $(claim_args header-B) --to u@dest.example --header 'Subject: trust other'
h_ok "trust_other_logins = true: login of no tenant may use the identify header (gamma decides)" \
	m_log_has 'tenant=gamma via=header .*action=reject reason=".* not allowed for tenant gamma" client=127\.0\.0\.4 client_kind=other-login login="app"'

# shellcheck disable=SC2046
m_deliver $(kind_args login-A) $(claim_args header-B) --to u@dest.example --header 'Subject: trust other A'
h_ok "trust_other_logins = true: a tenant's login still decides" \
	grep -q '^X-Tenant-Policy: tenant=acme;' "$M_FILE"
sed -i 's/trust_other_logins = true; //' "$H/conf/main.conf"

# --- inbound-style: an untrusted client, no auth, MAIL FROM of a tenant's domain
m_deliver --local-interface 127.0.0.4 --from news@acme.example --to u@dest.example \
	--header 'From: news@acme.example' --header 'Subject: inbound'
h_ok "inbound-style stranger with acme's MAIL FROM, accept: untouched, not signed" sh -c \
	"test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE' && ! grep -qi '^X-Tenant-Policy:' '$M_FILE'"
sed -i 's/^unknown_tenant = "accept";/unknown_tenant = "reject";/' "$H/conf/main.conf"
m_reload
m_send --local-interface 127.0.0.4 --from news@acme.example --to u@dest.example \
	--header 'From: news@acme.example' --header 'Subject: inbound'
h_ok "inbound-style stranger under reject: 550 5.7.1" sh -c "echo '$M_REPLY' | grep -q '^550 5.7.1 sender is not a known tenant'"
h_ok "log: unknown tenant refusal line: action=reject, what identification saw" m_log_has \
	': tenant=- via=- mode=- from=<> spf=- dkim=none action=reject reason="unknown tenant" client=127\.0\.0\.4 client_kind=untrusted login="-" header="-" sender_domain=acme\.example$'
m_send --local-interface 127.0.0.4 $A_AUTH app --from x@nowhere.example --to u@dest.example \
	--header 'X-Tenant-ID: acme' --header 'From: claim@acme.example'
h_ok "login of no tenant under reject: 550, logged via=sasl with the login" sh -c \
	"echo '$M_REPLY' | grep -q '^550 5.7.1' && grep -Eq 'tenant=- via=sasl .*action=reject reason=\"unknown tenant\" client=127\.0\.0\.4 client_kind=other-login login=\"app\" header=\"acme\" sender_domain=nowhere\.example' '$H/milter.log'"

# --- 553: MAIL FROM syntax, with its decision line
m_send --local-interface 127.0.0.3 --from 'a..b@gamma.example' --to u@dest.example
h_ok "bad MAIL FROM syntax: 553 5.1.7" sh -c "echo '$M_REPLY' | grep -q '^553 5.1.7 bad sender address syntax'"
h_ok "log: 553 decision line with the parser's reason and the client" m_log_has \
	'tenant=- via=- mode=- from=<> spf=- dkim=none action=reject reason="bad sender address syntax: MAIL FROM: bad local part \\"a\.\.b\\"" client=127\.0\.0\.3 client_kind=trusted login="-" header="-" sender_domain=gamma\.example'
m_send --local-interface 127.0.0.4 $A_AUTH lms-acme --from 'a..b@acme.example' --to u@dest.example
h_ok "log: 553 for a tenant's login names the tenant (via=sasl)" m_log_has \
	'tenant=acme via=sasl mode=customer from=<> spf=- dkim=none action=reject reason="bad sender address syntax'

# --- 552: headers over the milter's limit (1 MiB), with its decision line
{
	printf 'From: info@gamma.example\r\nSubject: big headers\r\n'
	pad=$(head -c 30000 /dev/zero | tr '\0' 'a' | sed 's/a\{50\}/& /g')
	for i in $(seq 1 36); do printf 'X-Pad-%d: %s\r\n' "$i" "$pad"; done
	printf '\r\nbody\r\n'
} >"$H/big.eml"
m_send --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example --data "$H/big.eml"
h_ok "headers over 1 MiB: 552 5.3.4" sh -c "echo '$M_REPLY' | grep -q '^552 5.3.4 message headers too large'"
h_ok "log: 552 decision line names the tenant so far and the client" m_log_has \
	'tenant=gamma via=sender mode=customer from=<> spf=- dkim=none action=reject reason="message headers over 1048576 bytes" client=127\.0\.0\.3 client_kind=trusted'

# --- every refusal of the policy has its line too: foreign From under reject
m_send --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example \
	--header 'From: boss@elsewhere.example'
h_ok "foreign From (gamma, on_foreign=reject): 550 and a decision line with the client" sh -c \
	"echo '$M_REPLY' | grep -q '^550 5.7.1 From <boss@elsewhere.example> is not allowed' && grep -q 'tenant=gamma via=sender .*action=reject reason=\"From <boss@elsewhere.example> is not allowed for tenant gamma\" client=127.0.0.3 client_kind=trusted' '$H/milter.log'"

# --- an unusable key: the reply and the decision line name it (domain/selector)
m_send --local-interface 127.0.0.3 --from info@eps.example --to u@dest.example --header 'From: info@eps.example'
h_ok "unusable key: 451 4.7.1 naming the key eps.example/e1" sh -c \
	"echo '$M_REPLY' | grep -q '^451 4.7.1 tenant eps cannot sign: DKIM key eps.example/e1$'"
h_ok "log: tempfail line names the key and why, error line too" sh -c \
	"grep -q 'tenant=eps via=sender .*action=tempfail reason=\"tenant eps cannot sign: DKIM key eps.example/e1: .*keys/eps.key' '$H/milter.log' && grep -q 'error: .*tenant eps cannot sign: DKIM key eps.example/e1: ' '$H/milter.log'"

# --- % from the message reaches the client as written (libmilter needs %%)
m_send --local-interface 127.0.0.3 --from info@gamma.example --to u@dest.example \
	--header 'From: a%b@elsewhere.example'
h_ok "% in an address: the 550 reply shows <a%b@elsewhere.example> intact" sh -c \
	"echo '$M_REPLY' | grep -qF '550 5.7.1 From <a%b@elsewhere.example> is not allowed for tenant gamma'"

h_ok "milter still running" h_alive "$(h_pid milter)"
n_lines=$(grep -c 'tenant-milter: [0-9A-Z]*: tenant=' "$H/milter.log")
h_ok "every message got exactly one decision line ($n_lines lines, $H_SEND_N messages)" \
	test "$n_lines" -eq "$H_SEND_N"
