# harness-relay.sh - a second throwaway Postfix playing a relay customer's
# own mail server, with a test CA, for the relay-mode tests.  Source it
# after harness.sh (and milter-lib.sh); needs h_init first.
#
# PKI ($HR_PKI, made at test time, keys 0600)
#   hr_pki_init            a CA: $HR_PKI/ca.pem, ca.key
#   hr_cert NAME CN        NAME.pem/NAME.key signed by the CA, SAN DNS:CN,
#                          usable for server and client authentication
#   hr_fingerprint NAME    the certificate's SHA-256 fingerprint (AB:CD:...)
# Customer server ($H/customer/etc = its config, log $HR_LOG, sink $H/csink)
#   hr_customer_start      one Postfix, its own sink, one smtpd per case on
#                          $HR_ADDR (default 127.0.0.1; ports exported):
#     $HR_PORT_AUTH   STARTTLS required, TLS >= 1.2, AUTH only after TLS
#                     (Cyrus sasldb, user lms / $HR_PASSWORD), relays only
#                     for authenticated clients
#     $HR_PORT_OLD    offers STARTTLS with TLS 1.0/1.1 only; relays for all
#     $HR_PORT_NOTLS  no STARTTLS; relays for all
#     $HR_PORT_WRONG  STARTTLS required, certificate for "wrong.test"
#     $HR_PORT_CCERT  STARTTLS required, relays only for a client
#                     certificate listed in relay_clientcerts (hr_allow_cert)
#     $HR_PORT_ALLOW  STARTTLS required, relays for $HR_ALLOW_NET (default
#                     127.0.0.1/32, as mynetworks) without AUTH
#                     The server certificate (except WRONG) is for "localhost".
#   hr_allow_cert NAME     relay_clientcerts lists NAME's fingerprint
#   hr_csink_count / hr_csink_wait N [T] / hr_csink_last   like h_sink_*
#   hr_log_has REGEX       the customer Postfix log matches REGEX
#   hr_postconf K=V...     change the customer's main.cf and reload
# Provider side
#   hr_provider_apply DIR  add DIR/main.cf and DIR/master.cf (postfix-maps
#                          output) to the harness Postfix, trust the test CA,
#                          reload
#   hr_provider_reload     postfix reload (tables rewritten in place)
#   hr_provider_log_has REGEX   the provider Postfix log matches REGEX

HR_PKI=
HR_CONF=
HR_LOG=
HR_PASSWORD=customer-pw-42
HR_ADDR=${HR_ADDR:-127.0.0.1}		# the customer's listen address
HR_ALLOW_NET=${HR_ALLOW_NET:-127.0.0.1/32}	# what $HR_PORT_ALLOW relays for

hr_pki_init() {
	HR_PKI=$H/pki
	mkdir -p "$HR_PKI" && chmod 700 "$HR_PKI"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=harness test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$HR_PKI/ca.key" -out "$HR_PKI/ca.pem" 2>/dev/null ||
		h_die "cannot make the test CA"
}

hr_cert() {	# hr_cert NAME CN
	local p=$HR_PKI/$1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$p.key" \
		-out "$p.csr" 2>/dev/null || h_die "cannot make a key for $2"
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$2" >"$p.ext"
	openssl x509 -req -in "$p.csr" -CA "$HR_PKI/ca.pem" -CAkey "$HR_PKI/ca.key" \
		-CAcreateserial -days 2 -extfile "$p.ext" -out "$p.pem" 2>/dev/null ||
		h_die "cannot sign the certificate for $2"
	chmod 600 "$p.key"
}

hr_fingerprint() {
	openssl x509 -in "$HR_PKI/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//'
}

hr__main_cf() {
	local c=$H/customer
	cat <<EOF
compatibility_level = 3.6
queue_directory = $c/spool
data_directory = $c/data
mail_owner = postfix
setgid_group = postdrop
myhostname = customer.harness.test
mydomain = customer.harness.test
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 local delivery disabled in the harness
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 192.0.2.1/32
relayhost = [127.0.0.1]:$HR_CSINK_PORT
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_peername_lookup = no
smtpd_tls_security_level = encrypt
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_cert_file = $HR_PKI/customer.pem
smtpd_tls_key_file = $HR_PKI/customer.key
smtpd_tls_CAfile = $HR_PKI/ca.pem
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = no
smtpd_sasl_local_domain =
smtpd_sasl_security_options = noanonymous
cyrus_sasl_config_path = $c/etc/sasl
relay_clientcerts = hash:$c/etc/clientcerts
smtpd_relay_restrictions = reject
smtpd_banner = \$myhostname ESMTP customer
disable_mime_output_conversion = yes
biff = no
notify_classes =
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maillog_file = $HR_LOG
maillog_file_prefixes = $H
EOF
}

# hr__service PORT NAME -o... - one smtpd listener of the customer
hr__service() {
	local port=$1 name=$2 o; shift 2
	printf '%s:%s inet n - n - - smtpd\n  -o syslog_name=customer/%s\n' "$HR_ADDR" "$port" "$name"
	for o in "$@"; do printf '  -o %s\n' "$o"; done
}

hr__master_cf() {
	hr__service "$HR_PORT_AUTH" auth smtpd_sasl_auth_enable=yes \
		smtpd_relay_restrictions=permit_sasl_authenticated,reject
	hr__service "$HR_PORT_OLD" oldtls smtpd_tls_security_level=may \
		"smtpd_tls_protocols=<=TLSv1.1" "smtpd_tls_mandatory_protocols=<=TLSv1.1" \
		smtpd_tls_ciphers=medium "tls_medium_cipherlist=DEFAULT:@SECLEVEL=0" \
		mynetworks=127.0.0.0/8 smtpd_relay_restrictions=permit_mynetworks,reject
	hr__service "$HR_PORT_NOTLS" notls smtpd_tls_security_level=none \
		mynetworks=127.0.0.0/8 smtpd_relay_restrictions=permit_mynetworks,reject
	hr__service "$HR_PORT_WRONG" wrongcert "smtpd_tls_cert_file=$HR_PKI/wrong.pem" \
		"smtpd_tls_key_file=$HR_PKI/wrong.key" mynetworks=127.0.0.0/8 smtpd_relay_restrictions=permit_mynetworks,reject
	hr__service "$HR_PORT_CCERT" ccert smtpd_tls_ask_ccert=yes \
		smtpd_relay_restrictions=permit_tls_clientcerts,reject
	hr__service "$HR_PORT_ALLOW" allow "mynetworks=$HR_ALLOW_NET" \
		smtpd_relay_restrictions=permit_mynetworks,reject
	h__postfix_master_cf | sed 1d		# the harness' other services
	hr__tlsmgr
}

# hr__tlsmgr - TLS needs tlsmgr (session cache, entropy); the harness has none
hr__tlsmgr() { echo 'tlsmgr     unix  - - n 1000? 1 tlsmgr'; }

hr_customer_start() {
	local c=$H/customer pid p
	HR_CONF=$c/etc HR_LOG=$H/customer.log
	for p in CSINK_PORT PORT_AUTH PORT_OLD PORT_NOTLS PORT_WRONG PORT_CCERT PORT_ALLOW; do
		printf -v "HR_$p" '%s' "$(h_port)"
	done
	export HR_PORT_AUTH HR_PORT_OLD HR_PORT_NOTLS HR_PORT_WRONG HR_PORT_CCERT HR_PORT_ALLOW
	[ -n "$HR_PKI" ] || hr_pki_init
	[ -f "$HR_PKI/customer.pem" ] || hr_cert customer localhost
	[ -f "$HR_PKI/wrong.pem" ] || hr_cert wrong wrong.test
	mkdir -p "$c/etc/sasl" "$c/spool" "$c/data" "$H/csink"
	chown postfix "$c/data"
	hr__main_cf >"$c/etc/main.cf"
	hr__master_cf >"$c/etc/master.cf"
	: >"$c/etc/clientcerts"; postmap -c "$c/etc" "hash:$c/etc/clientcerts"
	printf '%s\n' "$HR_PASSWORD" | saslpasswd2 -p -c -f "$c/sasldb" -u customer.harness.test lms ||
		h_die "saslpasswd2 failed"
	chown root:postfix "$c/sasldb" && chmod 640 "$c/sasldb"
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
		"$c/sasldb" >"$c/etc/sasl/smtpd.conf"
	h_daemon csink "$H_PY" "$H_E2E_DIR/sink.py" "$HR_CSINK_PORT" "$H/csink"
	h_wait_port "$HR_CSINK_PORT" 10 || h_die "customer sink did not start"
	touch -d '-3 seconds' "$c/etc/main.cf" "$c/etc/master.cf"
	: >>"$HR_LOG"
	postfix -c "$c/etc" start >>"$H/customer-ctl.log" 2>&1 ||
		h_die "customer postfix start failed: $(tail -5 "$H/customer-ctl.log")"
	pid=$(tr -dc 0-9 <"$c/spool/pid/master.pid" 2>/dev/null)
	[ -n "$pid" ] || h_die "no customer Postfix master PID"
	h_register customer "$pid"
	h_on_exit "postfix -c '$c/etc' stop >>'$H/customer-ctl.log' 2>&1"
	for p in "$HR_PORT_AUTH" "$HR_PORT_OLD" "$HR_PORT_NOTLS" "$HR_PORT_WRONG" \
		"$HR_PORT_CCERT" "$HR_PORT_ALLOW"; do
		h_wait_for 10 hr__port_open "$p" || h_die "customer smtpd on $p not listening; see $HR_LOG"
	done
}

hr__port_open() { (exec 3<>"/dev/tcp/$HR_ADDR/$1") 2>/dev/null; }

hr_postconf() {
	postconf -c "$HR_CONF" -e "$@" || h_die "customer postconf -e $* failed"
	touch -d '-3 seconds' "$HR_CONF/main.cf"
	postfix -c "$HR_CONF" reload >>"$H/customer-ctl.log" 2>&1 || h_die "customer reload failed"
}

hr_allow_cert() {
	printf '%s %s\n' "$(hr_fingerprint "$1")" "$1" >>"$HR_CONF/clientcerts"
	postmap -c "$HR_CONF" "hash:$HR_CONF/clientcerts"
}

hr_csink_count() {
	local f n=0
	for f in "$H"/csink/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
	echo "$n"
}
hr__csink_has() { [ "$(hr_csink_count)" -ge "$1" ]; }
hr_csink_wait() { h_wait_for "${2:-20}" hr__csink_has "$1"; }
hr_csink_last() {
	local f last=
	for f in "$H"/csink/*.eml; do [ -e "$f" ] && last=$f; done
	[ -n "$last" ] && echo "$last"
}

hr_log_has() { grep -E -q -- "$1" "$HR_LOG"; }
hr_provider_log_has() { grep -E -q -- "$1" "$H_POSTFIX_LOG"; }

hr_provider_apply() {
	{ echo; cat "$1/main.cf"; } >>"$H_POSTFIX_CONF/main.cf"
	{ h__postfix_master_cf; hr__tlsmgr; cat "$1/master.cf"; } >"$H_POSTFIX_CONF/master.cf"
	h_postconf "smtp_tls_CAfile = $HR_PKI/ca.pem" "smtp_tls_loglevel = 1"
}

hr_provider_reload() {
	h__postfix_backdate
	postfix -c "$H_POSTFIX_CONF" reload >>"$H/postfix-ctl.log" 2>&1 ||
		h_die "postfix reload failed"
}
