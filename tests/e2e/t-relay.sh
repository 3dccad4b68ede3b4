#!/bin/bash
# t-relay.sh - relay mode end to end: the provider's Postfix (milter in
# smtpd_milters) runs with the tables `tenantctl postfix-maps` wrote and
# hands relay tenants' mail to a second Postfix playing the customers'
# server (harness-relay.sh: STARTTLS required, TLS >= 1.2, AUTH after TLS
# with Cyrus sasldb, client certificates, an allow-listed address), which
# delivers to its own sink.  Customer-mode mail still reaches the
# provider's sink.  Failures defer in the provider's queue; fixed, the
# message is delivered once.  A relay tenant whose route is not in the
# tables tempfails until postfix-maps runs.
set -u
. "$(dirname "$0")/harness.sh"
. "$H_E2E_DIR/milter-lib.sh"
. "$H_E2E_DIR/harness-relay.sh"
h_init relay
h_plan 39

TCTL=$top_builddir/src/tenantctl/tenantctl
MAPS=$H/conf/relay-maps

# relay TENANT PORT TLS [AUTH] - a relay tenant on localhost:PORT
relay() {
	m__tenant "$1" "mode = \"relay\";
match = { sender_domains = [ \"$1.example\" ]; };
sender = { from = \"info@$1.example\"; };
relay = { host = \"localhost\"; port = $2; tls = \"$3\"; ${4:-} };"
}

# postfix_maps - rewrite the tables (postmap with the customer's config)
postfix_maps() {
	MAIL_CONFIG=$HR_CONF "$TCTL" -c "$H/conf/main.conf" postfix-maps --postmap \
		>"$H/maps.out" 2>"$H/maps.err"
}

relay_tenants() {
	local k=$H/conf/keys
	printf 'not-the-password\n' >"$k/rauth.pw"; chmod 600 "$k/rauth.pw"
	cp "$HR_PKI/lms.pem" "$HR_PKI/lms.key" "$k/"; chmod 600 "$k/lms.key"
	relay rauth "$HR_PORT_AUTH" secure 'auth = { user = "lms"; password_file = "../keys/rauth.pw"; };'
	relay rold "$HR_PORT_OLD" encrypt
	relay rnotls "$HR_PORT_NOTLS" encrypt
	relay rwrong "$HR_PORT_WRONG" secure
	relay rcert "$HR_PORT_CCERT" secure 'auth = { client_cert = "../keys/lms.pem"; client_key = "../keys/lms.key"; };'
	relay rallow "$HR_PORT_ALLOW" secure
	m__tenant rmx 'mode = "relay";
match = { sender_domains = [ "rmx.example" ]; };
sender = { from = "info@rmx.example"; };
relay = { mx = "rmx.example"; tls = "encrypt"; };'
	postfix_maps || h_die "postfix-maps failed: $(cat "$H/maps.err")"
}

hr_pki_init
hr_cert lms lms.provider.test		# our client certificate
hr_customer_start
hr_allow_cert lms
M_TENANTS=relay_tenants m_setup
hr_provider_apply "$MAPS"

# rsend TENANT [SWAKS-ARGS] - a message of TENANT, identified by header;
# $QID is the provider's queue id ("" when refused)
rsend() {
	local t=$1; shift
	m_send --from "info@$t.example" --to "student@dest.example" \
		--header "X-Tenant-ID: $t" --header "Subject: relay test $t" "$@"
	QID=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$H/swaks.last" | tail -1)
}
# deferred WHY - the provider log shows $QID deferred with WHY, and it is queued
deferred() {
	[ -n "$QID" ] && h_postfix_log_wait "$QID: .*status=deferred.*$1" 30 &&
		h_postqueue -p | grep -q "^$QID"
}
queued() { h_postqueue -p | grep -q "^$1"; }
sink_n() { [ "$(h_sink_count)" -eq "$1" ]; }
csink_n() { [ "$(hr_csink_count)" -eq "$1" ]; }
csink_env_has() { grep -q -- "$1" "${2%.eml}.env"; }

# --- customer mode still goes the provider's way, signed
m_deliver --from claim@acme.example --to student@dest.example \
	--header "X-Tenant-ID: acme" --header "Subject: customer mode"
h_ok "customer-mode tenant: delivered at the provider's sink" test -n "$M_FILE"
h_ok "... signed as acme.example" grep -q '^DKIM-Signature:.*d=acme.example' "$M_FILE"

# --- host:port + SMTP AUTH; wrong password first
rsend rauth
h_ok "relay tenant (AUTH): accepted by the milter" test -n "$QID"
h_ok "wrong password: deferred in the provider's queue" deferred "[Aa]uthentication failed"
h_ok "... the customer server refused the login" hr_log_has "customer/auth/smtpd.*authentication failed"
h_ok "... nothing delivered or bounced anywhere" sh -c "[ $(hr_csink_count) -eq 0 ] && [ $(h_sink_count) -eq 1 ]"
printf '%s\n' "$HR_PASSWORD" >"$H/conf/keys/rauth.pw"
h_ok "password fixed: postfix-maps --postmap" postfix_maps
hr_provider_reload; h_postqueue -f
h_ok "... flushed: delivered at the customer's sink" hr_csink_wait 1 30
h_wait_for 10 sh -c "! postqueue -c '$H_POSTFIX_CONF' -p | grep -q '^$QID'"
h_ok "... exactly once, not at the provider's sink" sh -c "[ $(hr_csink_count) -eq 1 ] && [ $(h_sink_count) -eq 1 ]"
h_ok "... authenticated: the customer log shows sasl_username=lms" \
	hr_log_has "customer/auth/smtpd.*client=.*sasl_method=(PLAIN|LOGIN), sasl_username=lms"
h_ok "... over TLS 1.2 or newer (customer log)" \
	hr_log_has "customer/auth/smtpd.*TLS connection established from .*: TLSv1\.[23] "
h_ok "... and the customer's Received header says so" \
	grep -Eq "using TLSv1\.[23] with cipher" "$(hr_csink_last)"
h_ok "... the milter logged the relay tenant's message" m_log_has "tenant=rauth via=header mode=relay from=<info@rauth.example> .*action=accept"

# --- TLS 1.1 at most / no STARTTLS: not sent, deferred
h_ok "control: the old server does speak TLS 1.1 (openssl s_client)" sh -c \
	"timeout 10 openssl s_client -connect 127.0.0.1:$HR_PORT_OLD -starttls smtp -tls1_1 \
	 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>/dev/null | grep -q 'Protocol *: TLSv1.1'"
rsend rold
h_ok "server with TLS <= 1.1 only: deferred" deferred "TLS"
h_ok "... its policy entry requires TLS >= 1.2 (postmap -q)" sh -c \
	"postmap -c '$HR_CONF' -q '[localhost]:$HR_PORT_OLD' hash:$MAPS/tls_policy | grep -qx 'encrypt protocols=>=TLSv1.2'"
rsend rnotls
h_ok "server without STARTTLS: deferred (TLS is required)" deferred "TLS is required, but was not offered"
h_ok "... neither reached the customer's sink" csink_n 1

# --- secure against a certificate for another name; then encrypt
rsend rwrong
h_ok "tls = secure, certificate for wrong.test: deferred" deferred "[Cc]ertificate"
sed -i 's/tls = "secure"/tls = "encrypt"/' "$H/conf/tenants.d/rwrong.conf"
h_ok "tls = encrypt: postfix-maps" postfix_maps
hr_provider_reload; m_reload; h_postqueue -f
h_ok "... flushed: the same message delivered" hr_csink_wait 2 30
h_ok "... it is the rwrong message" csink_env_has "info@rwrong.example" "$(hr_csink_last)"

# --- client certificate, checked by the customer server
rsend rcert
h_ok "client certificate: delivered at the customer's sink" hr_csink_wait 3 30
h_ok "... the customer server saw our certificate (fingerprint)" \
	hr_log_has "customer/ccert/smtpd.*Trusted TLS connection established"
swaks --server 127.0.0.1 --port "$HR_PORT_CCERT" --tls --from info@rcert.example \
	--to student@dest.example >"$H/swaks-nocert.log" 2>&1
h_ok "... without it the same server refuses to relay" grep -q "^<~\* 554 5.7.1 <student@dest.example>" "$H/swaks-nocert.log"

# --- allow-listed address, no AUTH; the null sender gets a routed address
rsend rallow
h_ok "allow-listed 127.0.0.1, no AUTH: delivered at the customer's sink" hr_csink_wait 4 30
rsend rallow --from '<>' --header "From: <info@rallow.example>" --header "Subject: null sender"
h_ok "null sender of a relay tenant: delivered at the customer's sink" hr_csink_wait 5 30
h_ok "... with the tenant's address as envelope sender" sh -c \
	"grep -q '^Subject: null sender' '$H/csink/0005.eml' && grep -q 'info@rallow.example' '$H/csink/0005.env'"

# --- MX routing: the entry names the domain
h_ok "MX tenant: relayhost entry is the domain (postmap -q)" sh -c \
	"[ \"\$(postmap -c '$HR_CONF' -q @rmx.example hash:$MAPS/relayhost)\" = rmx.example ]"

# --- tenantctl records: what the customer's IT must allow
records() { "$TCTL" -c "$H/conf/main.conf" records "$@" 2>&1; }
rec_auth=$(records rauth)
h_ok "records (AUTH tenant): server, account, TLS minimum" sh -c \
	"printf '%s' \"\$1\" | grep -q 'localhost port $HR_PORT_AUTH' &&
	 printf '%s' \"\$1\" | grep -qx '   lms' && printf '%s' \"\$1\" | grep -q 'TLS 1.2 or newer'" _ "$rec_auth"
case $rec_auth in *"$HR_PASSWORD"*) h_ok "... never the password" false ;; *) h_ok "... never the password" true ;; esac
h_ok "records (certificate tenant): our CN and SHA-256 fingerprint" sh -c \
	"records() { '$TCTL' -c '$H/conf/main.conf' records \"\$@\"; }; out=\$(records rcert) &&
	 printf '%s' \"\$out\" | grep -q 'subject CN lms.provider.test, SHA-256 fingerprint $(hr_fingerprint lms)'"
h_ok "records (allow-listed tenant, --json): our outbound IPs to allow" sh -c \
	"'$TCTL' -c '$H/conf/main.conf' records rallow --json | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
ips = [i for i in d[\"items\"] if i[\"kind\"] == \"ips\"][0]
assert d[\"mode\"] == \"relay\" and ips[\"value\"] == \"192.0.2.10 2001:db8::10\" and ips[\"state\"] == \"todo\", d'"

# --- stale route: a new relay tenant before postfix-maps
relay rlate "$HR_PORT_ALLOW" secure
m_reload
rsend rlate
h_ok "new relay tenant without postfix-maps: 451 4.7.1" sh -c "printf '%s' '$M_REPLY' | grep -q '^451 4.7.1'"
h_ok "... reason logged: relay route out of date" m_log_has 'tenant=rlate .*action=tempfail reason="relay route out of date: run tenantctl postfix-maps"'
h_ok "... nothing queued for it" sh -c "[ -z '$QID' ]"
out=$("$TCTL" -c "$H/conf/main.conf" dns rlate 2>&1); rc=$?
h_ok "... tenantctl dns: not ready (exit 2), naming the stale route" sh -c \
	"[ $rc -eq 2 ] && printf '%s' \"\$1\" | grep -q 'not ready: the milter would tempfail.*relay route out of date'" _ "$out"
h_ok "postfix-maps for the new tenant" postfix_maps
hr_provider_reload; m_reload
rsend rlate
h_ok "... then its message is accepted and delivered at the customer's sink" hr_csink_wait 6 30

h_diag "provider queue at the end:" "$(h_postqueue -p | tail -3)"
