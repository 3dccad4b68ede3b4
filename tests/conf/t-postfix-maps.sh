#!/bin/bash
# t-postfix-maps.sh - `tenantctl postfix-maps`: the tables for the relay
# tenants, checked with Postfix's own postmap and postconf; secrets 0600
# and never printed; idempotence; conflicts named with both files; the
# stamp that `check`, `-t` and the milter compare each relay route with.
. "$(dirname "$0")/lib.sh"

PF=$T_TMP/postfix		# a throwaway Postfix config directory
mkdir -p "$PF"; : > "$PF/main.cf"
export MAIL_CONFIG=$PF		# postmap (run by --postmap) reads it

# relay_tenants DIR - three relay tenants (one per route and auth form)
relay_tenants() {
	printf 'S3cret-pw\n' > "$1/keys/initech.pw"; chmod 600 "$1/keys/initech.pw"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=lms.provider.example" \
		-keyout "$1/keys/pied.key" -out "$1/keys/pied.pem" 2>/dev/null
	chmod 600 "$1/keys/pied.key"
	cat > "$1/tenants.d/initech.conf" <<'CONF'
id = "initech";
mode = "relay";
match = { sasl_users = [ "lms-initech" ]; sender_domains = [ "initech.example" ]; };
sender = { from = "noreply@initech.example"; envelope_from = "bounces@initech.example";
           allowed = [ "initech.example", "news@initech-events.example" ]; };
relay = { host = "smtp.initech.example"; tls = "secure";
          auth = { user = "lms"; password_file = "../keys/initech.pw"; }; };
CONF
	cat > "$1/tenants.d/hooli.conf" <<'CONF'
id = "hooli";
mode = "relay";
match = { sender_domains = [ "hooli.example" ]; };
sender = { from = "info@hooli.example"; };
relay = { mx = "hooli.example"; tls = "encrypt"; };
CONF
	cat > "$1/tenants.d/pied.conf" <<'CONF'
id = "pied";
mode = "relay";
match = { sender_domains = [ "pied.example" ]; };
sender = { from = "info@pied.example"; };
relay = { host = "mail.pied.example"; port = 25; tls = "encrypt";
          auth = { client_cert = "../keys/pied.pem"; client_key = "../keys/pied.key"; }; };
CONF
}

# maps DIR [ARGS] - run postfix-maps; sets RC, OUT (stdout), ERR (stderr)
maps() {
	local d=$1; shift
	OUT=$("$TCTL" -c "$d/main.conf" postfix-maps "$@" 2>"$T_TMP/stderr"); RC=$?
	ERR=$(cat "$T_TMP/stderr")
}

# is DESC GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got: $2" "want: $3"; fi
}

# q TABLE KEY - postmap -q in the written directory
q() { postmap -c "$PF" -q "$2" "hash:$D/relay-maps/$1"; }

d=$(fresh maps); relay_tenants "$d"; D=$d
run_check "$d" tenantctl
if [ "$RC" -eq 1 ] && printf '%s\n' "$OUT" | grep -q "^$d/tenants.d/hooli.conf:1: tenant hooli: relay route out of date: run tenantctl postfix-maps ($d/relay-maps/stamp: No such file"; then
	ok "before postfix-maps: check names each relay tenant's stale route, exit 1"
else
	not_ok "before postfix-maps: check reports the stale route" "exit $RC" "$OUT"
fi
maps "$d" --postmap
is "postfix-maps --postmap exits 0" "$RC" 0
is "... and prints no error" "$ERR" ""
case $OUT$ERR in *S3cret*) not_ok "the password is never printed" "$OUT" ;; *) ok "the password is never printed" ;; esac
is "relayhost: domain entry -> [host]:587" "$(q relayhost @initech.example)" "[smtp.initech.example]:587"
is "relayhost: address entry of sender.allowed" "$(q relayhost news@initech-events.example)" "[smtp.initech.example]:587"
is "relayhost: only that address of a foreign domain" "$(q relayhost other@initech-events.example)" ""
is "relayhost: relay.mx -> the domain, no brackets (MX lookup)" "$(q relayhost info@hooli.example)" "hooli.example"
is "relayhost: client-certificate tenant" "$(q relayhost @pied.example)" "[mail.pied.example]:25"
is "relayhost: a customer-mode sender is not in it" "$(q relayhost claim@acme.example)" ""
is "sasl_passwd: sender -> user:password" "$(q sasl_passwd bounces@initech.example)" "lms:S3cret-pw"
is "sasl_passwd: no entry for the allow-listed tenant" "$(q sasl_passwd info@hooli.example)" ""
is "tls_policy: secure, name checked, TLS >= 1.2" "$(q tls_policy '[smtp.initech.example]:587')" "secure match=nexthop:dot-nexthop protocols=>=TLSv1.2"
is "tls_policy: MX next hop, encrypt, TLS >= 1.2" "$(q tls_policy hooli.example)" "encrypt protocols=>=TLSv1.2"
is "sender_transport: client-certificate tenant's own transport" "$(q sender_transport @pied.example)" "tmrelay-pied:[mail.pied.example]:25"
is "sender_transport: nothing for password tenants" "$(q sender_transport @initech.example)" ""
is "sasl_passwd is 0600" "$(stat -c %a "$d/relay-maps/sasl_passwd")" 600
is "sasl_passwd.db is 0600" "$(stat -c %a "$d/relay-maps/sasl_passwd.db")" 600
is "relayhost is 0644" "$(stat -c %a "$d/relay-maps/relayhost")" 644
case $OUT in *"-o smtp_tls_cert_file=$(realpath "$d/keys/pied.pem")"*) ok "stdout: the master.cf transport with the tenant's certificate" ;;
	*) not_ok "stdout: the master.cf transport" "$OUT" ;; esac
case $OUT in *"sender_dependent_relayhost_maps = hash:$d/relay-maps/relayhost"*) ok "stdout: the main.cf lines" ;;
	*) not_ok "stdout: the main.cf lines" "$OUT" ;; esac

# Postfix accepts the lines: a throwaway config with them, no warning.
P2=$T_TMP/pc; mkdir -p "$P2"
cat "$d/relay-maps/main.cf" > "$P2/main.cf"
{ echo 'smtp unix - - n - - smtp'; cat "$d/relay-maps/master.cf"; } > "$P2/master.cf"
w=$(postconf -c "$P2" -n 2>&1 >/dev/null)
is "postconf -c accepts main.cf and master.cf lines without warnings" "$w" ""
is "postconf reads the relayhost setting back" "$(postconf -c "$P2" -h sender_dependent_relayhost_maps)" "hash:$d/relay-maps/relayhost"
echo 'smtp_bogus_setting = 1' >> "$P2/main.cf"
w=$(postconf -c "$P2" -n 2>&1 >/dev/null)
case $w in *"unused parameter: smtp_bogus_setting"*) ok "... and that check can fail (a bogus setting warns)" ;;
	*) not_ok "the postconf check can fail" "$w" ;; esac

# Idempotence: same configuration, same bytes (tables, lines, stamp).
sum() { (cd "$d/relay-maps" && sha256sum relayhost sasl_passwd tls_policy sender_transport main.cf master.cf stamp); }
s1=$(sum); out1=$OUT
maps "$d" --postmap
is "second run: byte-identical files" "$(sum)" "$s1"
is "second run: the same stdout" "$OUT" "$out1"

PROG=tenantctl expect "after postfix-maps: check is valid" "$d" 0 "$d/main.conf: valid"
expect "after postfix-maps: -t is valid" "$d" 0 "$d/main.conf: configuration valid"
sed -i 's/allowed = \[ "initech.example",/allowed = [ "initech.example", "initech.test",/' "$d/tenants.d/initech.conf"
PROG=tenantctl expect "a changed route is stale again (initech only)" "$d" 1 \
	"$d/tenants.d/initech.conf:1: tenant initech: relay route out of date: run tenantctl postfix-maps" "has no entry or an older one"
run_check "$d" tenantctl
case $OUT in *"hooli.conf"*"out of date"*) not_ok "unchanged relay tenants stay current" "$OUT" ;; *) ok "unchanged relay tenants stay current" ;; esac
maps "$d"
is "postfix-maps without --postmap writes the new route" "$(grep -c initech.test "$d/relay-maps/relayhost")" 1

# --out DIR writes elsewhere; the milter's directory is not touched.
s2=$(sum)
maps "$d" --out "$T_TMP/elsewhere"
is "--out DIR: exit 0" "$RC" 0
is "--out DIR: the tables are there" "$(cat "$T_TMP/elsewhere/relayhost")" "$(cat "$d/relay-maps/relayhost")"
is "--out DIR: relay_maps untouched" "$(sum)" "$s2"

# Conflicts: exit 1, both tenant files named, nothing new written.
d=$(fresh conflict); relay_tenants "$d"; D=$d
sed -i 's/mx = "hooli.example"; tls = "encrypt";/host = "smtp.initech.example"; tls = "encrypt";/' "$d/tenants.d/hooli.conf"
maps "$d"
if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "^$d/tenants.d/initech.conf:1: tenant initech: relay next hop \[smtp.initech.example\]:587 is also tenant hooli's ($d/tenants.d/hooli.conf) with different TLS or credentials"; then
	ok "conflict: one next hop, different TLS and credentials: exit 1, both files named"
else
	not_ok "conflict: one next hop" "exit $RC" "$ERR"
fi
is "... no table written" "$(ls "$d/relay-maps" 2>/dev/null)" ""
d=$(fresh conflict2); relay_tenants "$d"
sed -i 's/sender = { from = "info@hooli.example"; };/sender = { from = "info@hooli.example"; allowed = [ "hooli.example", "news@initech-events.example" ]; };/' "$d/tenants.d/hooli.conf"
maps "$d"
if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "tenants.d/initech.conf:1: tenant initech: sender news@initech-events.example is also relay tenant hooli's ($d/tenants.d/hooli.conf)"; then
	ok "conflict: one sender in two relay tenants: exit 1, both files named"
else
	not_ok "conflict: one sender in two relay tenants" "exit $RC" "$ERR"
fi
d=$(fresh conflict3); relay_tenants "$d"
sed -i 's/^sender = { from = "claim@acme.example"; };/sender = { from = "claim@acme.example"; allowed = [ "acme.example", "ceo@partner.example" ]; };/' "$d/tenants.d/acme.conf"
sed -i 's/allowed = \[ "initech.example",/allowed = [ "initech.example", "ceo@partner.example",/' "$d/tenants.d/initech.conf"
maps "$d"
if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "tenants.d/acme.conf:1: tenant acme: sender ceo@partner.example would be routed to relay tenant initech's server ($d/tenants.d/initech.conf, sender ceo@partner.example)"; then
	ok "conflict: a customer tenant's sender the relay table would take: exit 1, both named"
else
	not_ok "conflict: customer sender in the relay table" "exit $RC" "$ERR"
fi
d=$(fresh badpw); relay_tenants "$d"; chmod 644 "$d/keys/initech.pw"
maps "$d"
if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "tenants.d/initech.conf:1: tenant initech: password file .*mode 0644"; then
	ok "password file 0644: exit 1 naming the tenant and the file"
else
	not_ok "password file 0644" "exit $RC" "$ERR"
fi
is "... and no stamp written" "$(ls "$d/relay-maps/stamp" 2>/dev/null)" ""

done_testing
