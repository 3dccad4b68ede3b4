#!/bin/bash
# t-validate.sh - every configuration validation rule: exit status and the
# exact FILE:LINE: of the message, for `tenant-milter -t` (and a few for
# `tenantctl check`, which shares the code).
. "$(dirname "$0")/lib.sh"

# set_line FILE N TEXT - replace line N of FILE
set_line() { awk -v n="$2" -v t="$3" 'NR == n { print t; next } { print }' "$1" > "$1.new" && mv "$1.new" "$1"; }

d=$(fresh good); expect "good configuration is valid" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh good2); PROG=tenantctl expect "tenantctl check: valid, summary line per tenant" "$d" 0 "acme " "customer .*dkim=acme.example/s1\(rsa-2048\),acme.example/s2\(ed25519\)  ok"

# --- syntax, types, unknown and missing settings
d=$(fresh syn); set_line "$d/main.conf" 6 '  tenant_domain = = "%t.provider.example";'
expect "syntax error in main file" "$d" 1 "$d/main.conf:6: syntax error"
d=$(fresh syn2); set_line "$d/tenants.d/acme.conf" 4 '  sasl_users = [ "lms-acme" ;'
expect "syntax error in tenant file" "$d" 1 "$d/tenants.d/acme.conf:4: syntax error"
d=$(fresh type); set_line "$d/main.conf" 10 'dns = { timeout = "5"; };'
expect "wrong type: string for integer" "$d" 1 "$d/main.conf:10: timeout must be an integer, not a string"
d=$(fresh type2); set_line "$d/tenants.d/acme.conf" 4 '  sasl_users = "lms-acme";'
expect "wrong type: string for array" "$d" 1 "$d/tenants.d/acme.conf:4: sasl_users must be an array"
d=$(fresh unk); set_line "$d/tenants.d/acme.conf" 6 '  sender_domain = [ "acme.example" ];'
expect "unknown setting (typo) in a group" "$d" 1 "$d/tenants.d/acme.conf:6: unknown setting \"sender_domain\" in match"
d=$(fresh unk2); echo 'unknown_tenants = "reject";' >> "$d/main.conf"
expect "unknown top-level setting" "$d" 1 "$d/main.conf:11: unknown setting \"unknown_tenants\""
d=$(fresh req); set_line "$d/tenants.d/beta.conf" 2 ''
expect "required setting missing (mode)" "$d" 1 "$d/tenants.d/beta.conf:1: missing required setting \"mode\""
d=$(fresh req2); set_line "$d/main.conf" 4 ''
expect "required setting missing in a group (provider.domain)" "$d" 1 "$d/main.conf:3: provider: missing required setting \"domain\""
d=$(fresh req3); set_line "$d/tenants.d/acme.conf" 10 '  { domain = "acme.example"; key = "../keys/acme.key"; },'
expect "required setting missing in a dkim entry" "$d" 1 "$d/tenants.d/acme.conf:10: dkim: missing required setting \"selector\""
d=$(fresh range); set_line "$d/main.conf" 10 'dns = { timeout = 0; };'
expect "integer out of range" "$d" 1 "$d/main.conf:10: timeout = 0: must be between 1 and 60"

# --- enum values
d=$(fresh enum); set_line "$d/tenants.d/acme.conf" 2 'mode = "custom";'
expect "enum: bad mode" "$d" 1 "$d/tenants.d/acme.conf:2: mode = \"custom\": must be one of provider | customer | relay"
d=$(fresh enum2); echo 'spf = { fail = "bounce"; };' >> "$d/tenants.d/acme.conf"
expect "enum: bad spf action" "$d" 1 "$d/tenants.d/acme.conf:13: fail = \"bounce\": must be one of accept"
d=$(fresh enum3); echo 'unknown_tenant = "drop";' >> "$d/main.conf"
expect "enum: bad unknown_tenant" "$d" 1 "$d/main.conf:11: unknown_tenant = \"drop\""
d=$(fresh enum4); set_line "$d/main.conf" 9 'identify = { order = [ "sasl", "dns" ]; };'
expect "enum: bad identify.order item" "$d" 1 "$d/main.conf:9: order: \"dns\" is not one of sasl | header | network | sender"
d=$(fresh enum5); set_line "$d/tenants.d/acme.conf" 11 '  { domain = "acme.example"; selector = "s2"; key = "../keys/acme-e.key"; algorithm = "ed448"; }'
expect "enum: bad dkim algorithm" "$d" 1 "$d/tenants.d/acme.conf:11: algorithm = \"ed448\""

# --- tenant id
d=$(fresh id); set_line "$d/tenants.d/acme.conf" 1 'id = "Acme_1";'
expect "tenant id syntax" "$d" 1 "$d/tenants.d/acme.conf:1: id \"Acme_1\": must match"
d=$(fresh id2); set_line "$d/tenants.d/acme.conf" 1 'id = "acme2";'
expect "tenant id differs from file name" "$d" 1 "$d/tenants.d/acme.conf:1: id \"acme2\" does not match the file name"

# --- networks, addresses, domains
d=$(fresh cidr); set_line "$d/tenants.d/acme.conf" 5 '  networks = [ "198.51.100.0/33" ];'
expect "bad CIDR prefix" "$d" 1 "$d/tenants.d/acme.conf:5: networks \"198.51.100.0/33\": not an IPv4 or IPv6 network"
d=$(fresh cidr2); set_line "$d/main.conf" 9 'identify = { trusted_networks = [ "::1/129" ]; };'
expect "bad IPv6 CIDR" "$d" 1 "$d/main.conf:9: trusted_networks \"::1/129\""
d=$(fresh ip); set_line "$d/main.conf" 5 '  outbound_ips = [ "192.0.2.300" ];'
expect "bad outbound IP" "$d" 1 "$d/main.conf:5: outbound_ips \"192.0.2.300\": not an IPv4 or IPv6 address"
d=$(fresh addr); set_line "$d/tenants.d/acme.conf" 8 'sender = { from = "claim@@acme.example"; };'
expect "bad address" "$d" 1 "$d/tenants.d/acme.conf:8: from \"claim@@acme.example\": not an address"
d=$(fresh dom); set_line "$d/tenants.d/acme.conf" 6 '  sender_domains = [ "acme..example" ];'
expect "bad domain" "$d" 1 "$d/tenants.d/acme.conf:6: sender_domains \"acme..example\": not a domain name"
d=$(fresh sock); set_line "$d/main.conf" 1 'socket = "inet:99999@127.0.0.1";'
expect "bad socket" "$d" 1 "$d/main.conf:1: socket \"inet:99999@127.0.0.1\": bad port"

# --- claims between files: both files named
d=$(fresh dup1); set_line "$d/tenants.d/beta.conf" 4 '  sasl_users = [ "lms-acme" ];'
expect "two tenants claim one SASL user" "$d" 1 "$d/tenants.d/beta.conf:" "lms-acme.*acme.*tenants.d/acme.conf"
d=$(fresh dup2); echo 'match = { header = "acme"; };' > "$d/tenants.d/gamma.conf.tmp"; printf 'id = "gamma";\nmode = "provider";\nmatch = { header = "acme"; };\n' > "$d/tenants.d/gamma.conf"; rm "$d/tenants.d/gamma.conf.tmp"
expect "two tenants claim one header value" "$d" 1 "$d/tenants.d/gamma.conf:" "header.*acme.*tenants.d/acme.conf"
d=$(fresh dup3); set_line "$d/tenants.d/beta.conf" 5 '  networks = [ "198.51.100.0/24" ];'
expect "two tenants claim one network" "$d" 1 "$d/tenants.d/beta.conf:" "198.51.100.0/24.*acme.*tenants.d/acme.conf"
d=$(fresh dup4); set_line "$d/tenants.d/beta.conf" 6 '  sender_domains = [ "acme.example" ];'
expect "two tenants claim one sender domain" "$d" 1 "$d/tenants.d/beta.conf:" "acme.example.*acme.*tenants.d/acme.conf"
d=$(fresh reach); set_line "$d/tenants.d/acme.conf" 8 'sender = { from = "claim@acme.example"; allowed = [ "acme.example", "beta.example" ]; };'
expect "sender.allowed reaches into another tenant's domain" "$d" 1 "$d/tenants.d/acme.conf:" "beta.example.*beta"
d=$(fresh reach2); set_line "$d/tenants.d/acme.conf" 8 'sender = { from = "claim@acme.example"; allowed = [ "acme.example", "ceo@beta.example" ]; };'
expect "sender.allowed address in another tenant's domain" "$d" 1 "$d/tenants.d/acme.conf:" "ceo@beta.example.*beta"

# --- key files: the tenant is isolated (exit 1), message names the file
d=$(fresh key1); rm "$d/keys/acme.key"
expect "key file missing" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "keys/acme.key.*No such file"
d=$(fresh key2); chmod 644 "$d/keys/acme.key"
expect "key file mode 0644" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "mode 0644.*chmod 600 .*keys/acme.key"
d=$(fresh key3); chmod 400 "$d/keys/acme.key"
expect "key file mode 0400 is accepted" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh key4); echo "not a key" > "$d/keys/acme.key"
expect "key file is not a PEM key" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "keys/acme.key"
d=$(fresh key5); cp "$(key rsa512 r512.key)" "$d/keys/acme.key"
expect "RSA key below 1024 bits" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "512"
d=$(fresh key6); cp "$(key rsa1024 r1024.key)" "$d/keys/acme.key"
expect "RSA-1024 warns but is valid" "$d" 0 "$d/tenants.d/acme.conf:10: warning: tenant acme: " "1024"
d=$(fresh key7); cp "$d/keys/acme-e.key" "$d/keys/acme.key"
set_line "$d/tenants.d/acme.conf" 10 '  { domain = "acme.example"; selector = "s1"; key = "../keys/acme.key"; algorithm = "rsa-sha256"; },'
expect "key does not match an explicit algorithm" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "Ed25519.*rsa-sha256"
d=$(fresh key7b); cp "$d/keys/acme.key" "$d/keys/acme-e.key"
expect "key does not match an explicit ed25519-sha256" "$d" 1 "$d/tenants.d/acme.conf:11: tenant acme: " "holds an RSA key but algorithm is ed25519-sha256"
d=$(fresh key7c); cp "$d/keys/acme-e.key" "$d/keys/p.key"; chmod 600 "$d/keys/p.key"
set_line "$d/main.conf" 7 '  dkim = ( { selector = "p2026"; key = "keys/p.key"; algorithm = "rsa-sha256"; } );'
expect "provider key does not match an explicit algorithm" "$d" 1 "$d/main.conf:7: provider: " "Ed25519.*rsa-sha256"
d=$(fresh inc1); set_line "$d/main.conf" 6 '  tenant_domain = "%t.provider.example"; spf_include = "_spf.provider.example";'
expect "provider.spf_include with an underscore label is valid" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh inc2); set_line "$d/main.conf" 6 '  tenant_domain = "%t.provider.example"; spf_include = "not a name";'
expect "provider.spf_include not a DNS name: FILE:LINE" "$d" 1 "$d/main.conf:6: spf_include \"not a name\": not a DNS name"
d=$(fresh alg1); cp "$d/keys/acme-e.key" "$d/keys/p.key"; chmod 600 "$d/keys/p.key"
PROG=tenantctl expect "provider Ed25519 key without algorithm is valid (taken from the key)" "$d" 0 "$d/main.conf: valid"
d=$(fresh alg2); set_line "$d/tenants.d/acme.conf" 11 '  { domain = "acme.example"; selector = "s2"; key = "../keys/acme-e.key"; }'
PROG=tenantctl expect "tenant Ed25519 key without algorithm: ed25519 (taken from the key)" "$d" 0 "acme " "dkim=acme.example/s1\(rsa-2048\),acme.example/s2\(ed25519\)  ok"
d=$(fresh key8); chmod o+w "$d/keys"
expect "key directory writable by others names the directory" "$d" 1 "$d/tenants.d/acme.conf:10: tenant acme: " "directory $d/tenants.d/../keys is writable by others: chmod o-w $d/tenants.d/../keys"
d=$(fresh key9); set_line "$d/tenants.d/acme.conf" 10 ''
expect "only Ed25519 keys: warning" "$d" 0 "$d/tenants.d/acme.conf:11: warning: tenant acme: only Ed25519"
d=$(fresh key10); chmod 644 "$d/keys/p.key"
expect "provider key unusable" "$d" 1 "$d/main.conf:7: provider: " "mode 0644"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	d=$(fresh key11); chmod 755 "$d" "$d/keys" "$d/tenants.d" "$T_TMP"; chmod 644 "$d"/*.conf "$d"/tenants.d/*
	chmod 600 "$d"/keys/*; chmod 711 "$T_TMP"
	OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MILTER" -t -c "$d/main.conf" 2>&1); RC=$?
	if [ $RC -eq 1 ] && printf '%s\n' "$OUT" | grep -q "^$d/main.conf:7: provider: key $d/keys/p.key: not readable"; then
		ok "key file unreadable (not root) names the file"
	else
		not_ok "key file unreadable (not root) names the file" "exit $RC" "$(printf '%s' "$OUT" | head -3 | tr '\n' '|')"
	fi
	chmod 700 "$T_TMP"
else
	ok "key file unreadable # SKIP needs root and setpriv"
fi

# --- relay secrets and rules
relay_conf() {	# relay_conf DIR PWMODE
	printf 'secret\n' > "$1/keys/i.pw"; chmod "$2" "$1/keys/i.pw"
	cat > "$1/tenants.d/initech.conf" <<'CONF'
id = "initech";
mode = "relay";
match = { sender_domains = [ "initech.example" ]; };
sender = { from = "noreply@initech.example"; };
relay = {
  host = "smtp.initech.example";
  auth = { user = "lms"; password_file = "../keys/i.pw"; };
};
CONF
}
d=$(fresh relay1); relay_conf "$d" 600
expect "relay tenant without its Postfix tables: stale route" "$d" 1 "$d/tenants.d/initech.conf:1: tenant initech: relay route out of date: run tenantctl postfix-maps"
"$TCTL" -c "$d/main.conf" postfix-maps >/dev/null 2>&1
expect "relay tenant valid (after postfix-maps)" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh relay2); relay_conf "$d" 600
"$TCTL" -c "$d/main.conf" postfix-maps >/dev/null 2>&1; chmod 640 "$d/keys/i.pw"	# broken after the tables
PROG=tenantctl expect "tenantctl check: relay password file not 0600" "$d" 1 "$d/tenants.d/initech.conf:1: tenant initech: password file" "mode 0640.*chmod 600"
expect "-t: the daemon does not read relay password files" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh relay3); relay_conf "$d" 600; set_line "$d/tenants.d/initech.conf" 6 '  host = "smtp.initech.example"; mx = "initech.example";'
expect "relay host and mx both set" "$d" 1 "$d/tenants.d/initech.conf:1: tenant initech: relay needs exactly one of host or mx"
d=$(fresh relay465); relay_conf "$d" 600; set_line "$d/tenants.d/initech.conf" 6 '  host = "smtp.initech.example"; port = 465;'
expect "relay port 465 (implicit TLS) refused" "$d" 1 "$d/tenants.d/initech.conf:1: tenant initech: relay.port 465 (implicit TLS) is not supported"
d=$(fresh relay4); echo 'relay = { host = "smtp.acme.example"; };' >> "$d/tenants.d/acme.conf"
expect "relay settings on a customer tenant" "$d" 1 "$d/tenants.d/acme.conf:1: tenant acme: relay settings need mode = \"relay\""

# --- internal mail (customer mode): domains of the tenant only
d=$(fresh int1); echo 'internal = { domains = [ "acme.example", "hr.acme.example" ]; };' >> "$d/tenants.d/acme.conf"
PROG=tenantctl expect "internal domains: valid, shown in the summary line" "$d" 0 "acme " "internal=acme.example,hr.acme.example  ok"
d=$(fresh int2); echo 'internal = { };' >> "$d/tenants.d/acme.conf"
PROG=tenantctl expect "internal domains default to match.sender_domains" "$d" 0 "acme " "internal=acme.example  ok"
d=$(fresh int3); echo 'internal = { domains = [ "beta.example" ]; };' >> "$d/tenants.d/acme.conf"
expect "internal domain claimed by another tenant: both files named" "$d" 1 "$d/tenants.d/acme.conf:13: tenant acme: internal domain \"beta.example\" is tenant beta's domain ($d/tenants.d/beta.conf)"
d=$(fresh int4); echo 'internal = { domains = [ "mx.beta.example" ]; };' >> "$d/tenants.d/acme.conf"
expect "internal domain below another tenant's domain" "$d" 1 "$d/tenants.d/acme.conf:13: tenant acme: internal domain \"mx.beta.example\" is tenant beta's domain"
d=$(fresh int5); echo 'internal = { domains = [ "elsewhere.example" ]; };' >> "$d/tenants.d/acme.conf"
expect "internal domain that is not the tenant's" "$d" 1 "$d/tenants.d/acme.conf:13: tenant acme: internal domain \"elsewhere.example\" is not one of the tenant's domains"
d=$(fresh int6); echo 'internal = { spf = "reject"; };' >> "$d/tenants.d/acme.conf"
expect "internal.spf is accept or annotate" "$d" 1 "$d/tenants.d/acme.conf:13: spf = \"reject\": must be one of accept | annotate"
d=$(fresh int7); echo 'internal = { };' >> "$d/tenants.d/beta.conf"
expect "internal on a provider-mode tenant" "$d" 1 "$d/tenants.d/beta.conf:8: tenant beta: internal applies to customer mode only"

# --- tenants directory
d=$(fresh nodir); rm -rf "$d/tenants.d"
expect "tenants directory missing" "$d" 1 "$d/main.conf:2: tenants directory $d/tenants.d: No such file or directory"
d=$(fresh empty); rm -f "$d/tenants.d"/*
expect "empty tenants directory is valid with a warning" "$d" 0 "$d/main.conf:2: warning: tenants directory"
d=$(fresh ignored); echo 'garbage {' > "$d/tenants.d/acme.conf~"; echo 'garbage {' > "$d/tenants.d/.hidden.conf"
expect "editor backups and hidden files are ignored" "$d" 0 "$d/main.conf: configuration valid"

# --- every error is reported, not only the first
d=$(fresh many); set_line "$d/tenants.d/acme.conf" 5 '  networks = [ "x" ];'; set_line "$d/tenants.d/beta.conf" 2 'mode = "nope";'
run_check "$d"; n=$(printf '%s\n' "$OUT" | grep -c ': ')
if [ "$RC" -eq 1 ] && printf '%s' "$OUT" | grep -q "acme.conf:5:" && printf '%s' "$OUT" | grep -q "beta.conf:2:"; then
	ok "all errors reported in one run ($n lines)"
else
	not_ok "all errors reported in one run" "exit $RC" "$OUT"
fi
d=$(fresh many2); set_line "$d/tenants.d/beta.conf" 2 'mode = "nope";'
PROG=tenantctl expect "tenantctl check fails with the same FILE:LINE" "$d" 1 "$d/tenants.d/beta.conf:2: mode = \"nope\""

# --- identification settings (issue 7)
d=$(fresh realm); set_line "$d/main.conf" 9 'identify = { sasl_realms = [ "MX.example", "corp.example" ]; trust_other_logins = true; };'
expect "identify.sasl_realms and trust_other_logins: valid" "$d" 0 "$d/main.conf: configuration valid"
d=$(fresh realm2); set_line "$d/main.conf" 9 'identify = { sasl_realms = [ "@mx.example" ]; };'
expect "sasl_realms: a realm with '@'" "$d" 1 "$d/main.conf:9: sasl_realms \"@mx.example\": a realm is the part after '@', without the '@'"
d=$(fresh realm3); set_line "$d/main.conf" 9 'identify = { sasl_realms = [ "mx example" ]; };'
expect "sasl_realms: a realm with a blank" "$d" 1 "$d/main.conf:9: sasl_realms \"mx example\": contains a blank"
d=$(fresh realm4); set_line "$d/main.conf" 9 'identify = { sasl_realms = "mx.example"; };'
expect "sasl_realms: a string, not an array" "$d" 1 "$d/main.conf:9: sasl_realms must be an array"
d=$(fresh trust); set_line "$d/main.conf" 9 'identify = { trust_other_logins = "yes"; };'
expect "trust_other_logins: not a boolean" "$d" 1 "$d/main.conf:9: trust_other_logins must be true or false, not a string"
d=$(fresh ci); set_line "$d/tenants.d/beta.conf" 4 '  sasl_users = [ "LMS-Acme" ];'
expect "two tenants claim one SASL user in different case" "$d" 1 "$d/tenants.d/beta.conf:" "LMS-Acme.*acme.*tenants.d/acme.conf"

done_testing
