#!/bin/bash
# t-sendmail.sh - tenant-milter behind a real Sendmail 8.17 (Debian's
# sendmail-bin, unpacked by contrib/deps.sh: it conflicts with postfix),
# with the INPUT_MAIL_FILTER line of contrib/sendmail.mc: a provider-mode
# tenant identified by its SMTP AUTH login ({auth_authen}) and a
# customer-mode tenant by its identify header, both signed and verified by
# the three verifiers; the queue id in the decision line is Sendmail's.
#
# Sendmail runs on 127.0.0.1 only, in its own UTS and mount namespaces: a
# dotted hostname (else it sleeps 60 s at start), its SASL configuration
# bind-mounted over /usr/lib/sasl2 (it reads nothing else), syslog to a
# file through an LD_PRELOAD (no syslog socket here); it relays to the
# harness sink.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init sendmail
SM_ROOT=${TM_SENDMAIL_ROOT:-/var/lib/tenant-milter-tests/sendmail}
if [ ! -x "$SM_ROOT/usr/libexec/sendmail/sendmail" ] || ! command -v m4 >/dev/null ||
   ! unshare --uts --mount true 2>/dev/null; then
	h_plan 1
	h_ok "Sendmail # SKIP no unpacked Sendmail in $SM_ROOT (contrib/deps.sh) or no unshare" true
	exit 0
fi
h_plan 9
m_setup
B=$H/sm
SM_PORT=$(h_port)
FQDN=sm-test.localdomain
mkdir -p "$B/mqueue" "$B/sasl2"; chmod 700 "$B/mqueue"
printf 'hosts files\naliases files\n' >"$B/service.switch"
echo 'postmaster: root' >"$B/aliases"
: >"$B/local-host-names"; : >"$B/trusted-users"; : >"$B/helpfile"; : >"$B/statistics"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' \
	"$B/sasldb2" >"$B/sasl2/Sendmail.conf"
printf 's3cret' | saslpasswd2 -p -c -f "$B/sasldb2" -u "$FQDN" lms-beta
chmod 640 "$B/sasldb2"
cc -shared -fPIC -o "$B/syslogfile.so" "$H_E2E_DIR/syslogfile.c" || h_die "cannot build syslogfile.so"
install -m 0755 "$SM_ROOT/usr/libexec/sendmail/sendmail" "$B/sendmail"	# no setgid: LD_* work
# The milter line as shipped in contrib/sendmail.mc, pointed at the test port.
filter=$(grep '^INPUT_MAIL_FILTER' "$top_srcdir/contrib/sendmail.mc" |
	sed "s/inet:8891@127.0.0.1/inet:$H_MILTER_PORT@127.0.0.1/")
[ -n "$filter" ] || h_die "no INPUT_MAIL_FILTER line in contrib/sendmail.mc"
extra=$(grep "^define(\`confMILTER_MACROS" "$top_srcdir/contrib/sendmail.mc")
cat >"$B/sendmail.mc" <<MC
include(\`$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$FQDN')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$B/service.switch')dnl
define(\`QUEUE_DIR', \`$B/mqueue')dnl
define(\`confPID_FILE', \`$B/sendmail.pid')dnl
define(\`ALIAS_FILE', \`$B/aliases')dnl
define(\`STATUS_FILE', \`$B/statistics')dnl
define(\`HELP_FILE', \`$B/helpfile')dnl
define(\`confCW_FILE', \`$B/local-host-names')dnl
define(\`confCT_FILE', \`$B/trusted-users')dnl
define(\`confDEAD_LETTER_DROP', \`$B/dead.letter')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-test, Port=$SM_PORT, Addr=127.0.0.1')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $H_SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $H_SINK_PORT')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
$filter
$extra
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
m4 "$B/sendmail.mc" >"$B/sendmail.cf" 2>"$B/m4.err" || h_die "m4: $(cat "$B/m4.err")"
SM() {
	env LD_LIBRARY_PATH="$SM_ROOT/usr/lib/x86_64-linux-gnu" LD_PRELOAD="$B/syslogfile.so" \
		SYSLOG_FILE="$B/maillog" unshare --uts --mount sh -c \
		'hostname "$1" && mount --bind "$2/sasl2" /usr/lib/sasl2 && shift 2 && exec "$@"' \
		_ "$FQDN" "$B" "$B/sendmail" "$@"
}
SM -bi -C "$B/sendmail.cf" >"$B/newaliases.out" 2>&1
SM -bd -C "$B/sendmail.cf" -O PidFile="$B/sendmail.pid" >"$B/sendmail.out" 2>&1
h_wait_for 20 test -s "$B/sendmail.pid" || h_die "Sendmail did not start: $(cat "$B/sendmail.out" "$B/maillog" 2>/dev/null | tail -5)"
h_register sendmail "$(head -1 "$B/sendmail.pid")"
h_wait_port "$SM_PORT" 20 || h_die "Sendmail not listening: $(tail -5 "$B/maillog")"
h_ok "Sendmail 8.17 listening on 127.0.0.1:$SM_PORT with contrib/sendmail.mc's filter" \
	grep -q 'starting daemon' "$B/maillog"
sm_send() {	# sm_send ARGS...: swaks to Sendmail; $M_FILE = the new message
	local before
	before=$(h_sink_count)
	swaks --server 127.0.0.1 --port "$SM_PORT" --helo client.harness.test --timeout 60 \
		--to u@dest.example "$@" >"$H/swaks-sm.last" 2>&1
	M_FILE=
	if h_sink_wait $((before + 1)) 30; then M_FILE=$(h_sink_last); fi
}

# --- provider mode, identified by the SMTP AUTH login
sm_send --auth PLAIN --auth-user lms-beta --auth-password s3cret --from app@beta.provider.example \
	--header 'From: "Doe, Jane" <jane@beta-corp.example>' --header 'Subject: via sendmail, sasl'
P=$M_FILE
h_ok "sasl: authenticated as lms-beta and delivered through Sendmail" \
	sh -c "[ -n '$P' ] && grep -q '235 2.0.0' '$H/swaks-sm.last'"
h_ok "sasl: {auth_authen} identified beta (via=sasl), Sendmail's queue id first" \
	m_log_has '^tenant-milter: [0-9A-Za-z]{14}: tenant=beta via=sasl mode=provider from=<claim@beta.provider.example>'
h_ok "sasl: From rewritten to beta's provider address, display name kept" \
	test "$(m_hdr "$P" From)" = '"Doe, Jane" <claim@beta.provider.example>'
verified() {	# verified FILE WANT: all three verifiers, WANT among the results
	[ -n "$1" ] && h_verify "$1" >"$H/verify.out" && grep -q "$2" "$H/verify.out"
}
h_ok "sasl: all three verifiers pass the provider signature" \
	verified "$P" 'provider.example/p1 rsa-sha256=pass'

# --- customer mode, identified by the identify header from a trusted client
sm_send --from claim@acme.example --header 'From: Acme HR <claim@acme.example>' \
	--header 'X-Tenant-ID: acme' --header 'Subject: via sendmail, header'
C=$M_FILE
h_ok "header: acme identified (via=header), customer mode" \
	m_log_has '^tenant-milter: [0-9A-Za-z]{14}: tenant=acme via=header mode=customer from=<claim@acme.example> spf=pass'
h_ok "header: X-Tenant-ID removed, annotation added" \
	sh -c "[ -n '$C' ] && ! grep -qi '^X-Tenant-ID:' '$C' && grep -q '^X-Tenant-Policy: tenant=acme; mode=customer;' '$C'"
h_ok "header: all three verifiers pass acme.example/s1 (and s2 where supported)" \
	verified "$C" 'acme.example/s1 rsa-sha256=pass'

# --- the milter down: F=T in contrib/sendmail.mc tempfails, nothing passes unsigned
h_stop milter
swaks --server 127.0.0.1 --port "$SM_PORT" --helo client.harness.test --timeout 60 \
	--to u@dest.example --from claim@acme.example --header 'X-Tenant-ID: acme' >"$H/swaks-down.last" 2>&1
h_ok "milter down: Sendmail answers 4xx (F=T), the message is not accepted" \
	grep -Eq '^ *<[*~-]* 4[0-9][0-9] ' "$H/swaks-down.last"
