#!/bin/bash
# t-milter-internal.sh - internal mail (tenant `internal`) through a real
# Postfix and NSD: a customer tenant without SPF, or whose SPF fails, whose
# message goes only to recipients at its own domains keeps its own From and
# its own signature, marked internal=yes; one outside recipient and the
# message is judged as before (fallback).  Recipient domains compare
# case-insensitively; a subdomain counts only when listed.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-internal
h_plan 22

in_tenants() {
	h_genkey rsa "$H/conf/keys/intl.key"
	m__tenant intl 'mode = "customer";
match = { sender_domains = [ "intl.example" ]; };
sender = { from = "claim@intl.example"; };
dkim = ( { domain = "intl.example"; selector = "k1"; key = "../keys/intl.key"; } );
internal = { domains = [ "intl.example", "dept.intl.example" ]; };'
	m__tenant intf 'mode = "customer";
match = { sender_domains = [ "intf.example" ]; };
sender = { from = "claim@intf.example"; };
internal = { };'
}
in_zones() {
	h_zone_add intl.example; h_zone_add intf.example
	h_dkim_publish intl.example k1 "$H/conf/keys/intl.key"	# no SPF record at all
	h_spf intf.example "v=spf1 -all"			# SPF fails for our IPs
}
M_TENANTS=in_tenants M_ZONES=in_zones
m_setup

# send DOMAIN TO... - from the trusted application host, From in DOMAIN
send() {
	local d=$1 to; shift; to=$(IFS=,; echo "$*")
	m_deliver --from "claim@$d" --to "$to" --header "From: Claim <claim@$d>" \
		--header "Subject: internal $d $to"
}
ann() { m_hdr "$M_FILE" X-Tenant-Policy; }
ann_has() { ann | grep -q -- "$1" || { h_diag "annotation: $(ann)"; return 1; }; }
ann_lacks() { ! ann | grep -q -- "$1" || { h_diag "annotation: $(ann)"; return 1; }; }
from_is() { [ "$(m_hdr "$M_FILE" From)" = "$1" ] || { h_diag "From: $(m_hdr "$M_FILE" From)"; return 1; }; }

send intl.example a@intl.example User@INTL.Example
h_ok "SPF none, every recipient internal (any case): delivered with the customer's own From" from_is "Claim <claim@intl.example>"
h_ok "annotation: spf=none; internal=yes; own key; action=accept" \
	ann_has "spf=none; internal=yes; dkim=intl.example/k1; action=accept"
h_ok "decision line says internal=yes" m_log_has "tenant=intl via=sender mode=customer from=<claim@intl.example> spf=none internal=yes dkim=intl.example/k1 action=accept"
h_ok "the customer's signature passes Mail::DKIM" m_verify_sigs "$M_FILE" mail-dkim "intl.example/k1 rsa-sha256=pass"
h_ok "the customer's signature passes dkimpy" m_verify_sigs "$M_FILE" dkimpy "intl.example/k1 rsa-sha256=pass"
h_ok "the customer's signature passes opendkim" m_verify_sigs "$M_FILE" opendkim "intl.example/k1 rsa-sha256=pass"

send intl.example a@intl.example x@outside.example
h_ok "one outside recipient: today's fallback to the provider domain" from_is "Claim <claim@intl.provider.example>"
h_ok "... and no internal=yes" ann_lacks "internal=yes"

send intf.example a@intf.example b@intf.example
h_ok "SPF fail, every recipient internal: own From kept" from_is "Claim <claim@intf.example>"
h_ok "... annotated spf=fail; internal=yes; action=accept" ann_has "spf=fail; internal=yes; dkim=none; action=accept"
send intf.example a@intf.example c@elsewhere.example
h_ok "SPF fail with an outside recipient: spf.fail's fallback as before" from_is "Claim <claim@intf.provider.example>"

send intl.example x@sub.intl.example
h_ok "unlisted subdomain: not internal (fallback)" from_is "Claim <claim@intl.provider.example>"
send intl.example x@dept.intl.example
h_ok "listed subdomain: internal" ann_has "internal=yes"

# tenantctl dns and records say what counts for internal mail
TC="$top_builddir/src/tenantctl/tenantctl"
out=$("$TC" -c "$H/conf/main.conf" dns intl 2>&1); rc=$?
h_ok "dns: no SPF, so outside mail is not ready (exit 2)" sh -c "[ $rc -eq 2 ]" || h_diag "$out"
h_ok "dns: the internal row says internal mail is accepted without SPF" sh -c \
	"printf '%s' \"\$1\" | grep -q 'internal *mail only to intl.example, dept.intl.example: the milter would accept it (SPF not required'" _ "$out"
json() { "$TC" -c "$H/conf/main.conf" dns "$1" --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["tenants"][0] if isinstance(d,dict) else d[0]; print(json.dumps(t["internal"]))'; }
h_ok "dns --json: internal.action accept, both domains" sh -c "[ \"\$1\" = '{\"domains\": [\"intl.example\", \"dept.intl.example\"], \"action\": \"accept\", \"reason\": null}' ]" _ "$(json intl)"
h_ok "dns --json: a tenant without internal has internal null" test "$(json acme)" = "null"
out=$("$TC" -c "$H/conf/main.conf" records intl 2>&1); rc=$?
h_ok "records: asks the customer's IT to allow-list our outbound IPs for its own users" sh -c \
	"[ $rc -eq 0 ] && printf '%s' \"\$1\" | grep -q 'Internal mail: let our servers deliver to your own users' && printf '%s' \"\$1\" | grep -q 'Value:  192.0.2.10, 2001:db8::10'" _ "$out"
h_ok "records: nothing secret in the sheet" sh -c "! printf '%s' \"\$1\" | grep -q 'PRIVATE'" _ "$out"

# tenantctl try takes the recipients with --to and decides the same way
msg="From: Claim <claim@intl.example>
Subject: try

hello"
out=$(printf '%s\n' "$msg" | "$top_builddir/src/tenantctl/tenantctl" -c "$H/conf/main.conf" try intl --to a@intl.example 2>&1); rc=$?
h_ok "try --to an internal recipient: accepted, internal=yes (exit 0)" sh -c "[ $rc -eq 0 ] && printf '%s' \"\$1\" | grep -q 'spf=none internal=yes dkim=intl.example/k1 action=accept'" _ "$out"
out=$(printf '%s\n' "$msg" | "$top_builddir/src/tenantctl/tenantctl" -c "$H/conf/main.conf" try intl --to a@intl.example --to z@else.example 2>&1); rc=$?
h_ok "try with an outside recipient: fallback" sh -c "[ $rc -eq 0 ] && printf '%s' \"\$1\" | grep -q 'action=fallback'" _ "$out"
"$top_builddir/src/tenantctl/tenantctl" -c "$H/conf/main.conf" try intl --to >/dev/null 2>&1; rc=$?
h_ok "try --to without an address: usage, exit 1" test "$rc" -eq 1
