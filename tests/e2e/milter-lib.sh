# milter-lib.sh - a running tenant-milter behind the harness Postfix, with
# demo-like tenants, their keys published in the harness NSD.  Sourced by
# tests/e2e/t-milter-*.sh after harness.sh.
#
#   m_setup [MAIN_EXTRA]   write $H/conf (MAIN_EXTRA appended to the main
#                          file), keys, zones; start NSD, sink, milter (-f,
#                          log in $H/milter.log), Postfix with smtpd_milters
#                          and non_smtpd_milters = the milter
#   m_reload               SIGHUP the milter and wait for its reload line
#   m_send ARGS...         h_send; then $M_RC, $M_REPLY are set
#   m_deliver ARGS...      m_send and wait for one more message at the sink;
#                          $M_FILE = that message ("" if none came)
#   m_hdr FILE NAME        every value of header NAME (unfolded), one a line
#   m_verify_sigs FILE VERIFIER WANT...  the verifier's per-signature results
#                          contain each WANT ("d/s alg=pass"), none fails
#   m_log_has REGEX        the milter's log has a line matching REGEX
#   m_drop NAME            the DNS proxy drops queries for NAME (and below)
#   m_dns_count NAME TYPE  how many queries for NAME/TYPE reached the proxy
#
# The milter resolves through dnsproxy.py (127.0.0.1:$M_DNS_PORT), which
# logs every query and forwards to the harness NSD; dns.timeout is 3 s.
# Every customer domain publishes SPF authorizing both outbound IPs.
#
# Tenants: acme (customer; sasl lms-acme; header acme; RSA s1 + Ed25519 s2;
# on_foreign rewrite; reply_to), beta (provider; sasl lms-beta; network
# 127.0.0.2/32), gamma (customer; gamma.example; RSA g1; on_foreign reject),
# eps (customer; sasl lms-eps; its key file is missing), zeta (customer;
# Ed25519 only).  Provider keys: RSA p1 + Ed25519 p1e.  trusted_networks
# is 127.0.0.1/32 and 127.0.0.3/32 (a trusted client that is not one of
# Postfix's local_header_rewrite_clients); 127.0.0.4 is an untrusted
# client: identified by network only (DESIGN.md step 1).

: "${top_builddir:=$(cd "$H_E2E_DIR/../.." && pwd)}"
M_MILTER=$top_builddir/src/daemon/tenant-milter
M_SENT=0
M_RC=0
M_REPLY=
M_FILE=
M_DNS_PORT=

m__tenant() {	# m__tenant ID BODY
	printf 'id = "%s";\n%s\n' "$1" "$2" >"$H/conf/tenants.d/$1.conf"
}

m_setup() {
	local c=$H/conf k=$H/conf/keys z
	M_DNS_PORT=$(h_port)
	mkdir -p "$c/tenants.d" "$k"; chmod 700 "$k"
	h_genkey rsa "$k/p1.key"; h_genkey ed25519 "$k/p1e.key"
	h_genkey rsa "$k/acme.key"; h_genkey ed25519 "$k/acme-e.key"
	h_genkey rsa "$k/gamma.key"; h_genkey ed25519 "$k/zeta.key"
	cat >"$c/main.conf" <<EOF
socket = "inet:$H_MILTER_PORT@127.0.0.1";
provider = {
  domain = "provider.example";
  outbound_ips = [ "192.0.2.10", "2001:db8::10" ];
  tenant_domain = "%t.provider.example";
  dkim = ( { selector = "p1"; key = "keys/p1.key"; },
           { selector = "p1e"; key = "keys/p1e.key"; algorithm = "ed25519-sha256"; } );
};
identify = { header = "X-Tenant-ID"; trusted_networks = [ "127.0.0.1/32", "127.0.0.3/32" ]; };
dns = { nameserver = "127.0.0.1@$M_DNS_PORT"; timeout = 3; };
${1:-}
EOF
	m__tenant acme 'mode = "customer";
match = { sasl_users = [ "lms-acme" ]; header = "acme"; sender_domains = [ "acme.example" ]; };
sender = { from = "claim@acme.example"; reply_to = "hr@acme.example"; on_foreign = "rewrite"; };
dkim = ( { domain = "acme.example"; selector = "s1"; key = "../keys/acme.key"; },
         { domain = "acme.example"; selector = "s2"; key = "../keys/acme-e.key"; algorithm = "ed25519-sha256"; } );'
	m__tenant beta 'mode = "provider";
match = { sasl_users = [ "lms-beta" ]; networks = [ "127.0.0.2/32" ]; };
sender = { from = "claim@beta.provider.example"; reply_to = "people@beta.example"; };'
	m__tenant gamma 'mode = "customer";
match = { sender_domains = [ "gamma.example" ]; };
sender = { from = "info@gamma.example"; on_foreign = "reject"; };
dkim = ( { domain = "gamma.example"; selector = "g1"; key = "../keys/gamma.key"; } );'
	m__tenant eps 'mode = "customer";
match = { sasl_users = [ "lms-eps" ]; sender_domains = [ "eps.example" ]; };
sender = { from = "info@eps.example"; };
dkim = ( { domain = "eps.example"; selector = "e1"; key = "../keys/eps.key"; } );'
	m__tenant zeta 'mode = "customer";
match = { sender_domains = [ "zeta.example" ]; };
sender = { from = "info@zeta.example"; };
dkim = ( { domain = "zeta.example"; selector = "z1"; key = "../keys/zeta.key"; algorithm = "ed25519-sha256"; } );'
	[ -n "${M_TENANTS:-}" ] && "$M_TENANTS"	# a test's own tenants
	h_zone_add provider.example
	for z in acme gamma eps zeta; do h_zone_add "$z.example"; done
	h_dkim_publish provider.example p1 "$k/p1.key"
	h_dkim_publish provider.example p1e "$k/p1e.key"
	h_dkim_publish acme.example s1 "$k/acme.key"
	h_dkim_publish acme.example s2 "$k/acme-e.key"
	h_dkim_publish gamma.example g1 "$k/gamma.key"
	h_dkim_publish zeta.example z1 "$k/zeta.key"
	h_spf _spf.provider.example "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
	for z in acme gamma eps zeta; do
		h_spf "$z.example" "v=spf1 include:_spf.provider.example -all"
	done
	[ -n "${M_ZONES:-}" ] && "$M_ZONES"	# a test's own zones and records
	h_dns_start
	: >"$H/dns-drop"; : >"$H/dns-queries"
	h_daemon dnsproxy /usr/bin/python3 "$H_E2E_DIR/dnsproxy.py" "$M_DNS_PORT" \
		"$H_DNS_PORT" "$H/dns-drop" "$H/dns-queries"
	h_sink_start
	h_daemon milter "$M_MILTER" -f -c "$c/main.conf"
	h_nudge_port milter "$H_MILTER_PORT"	# libmilter polls its stop flag every 5 s
	h_wait_port "$H_MILTER_PORT" "${M_START_WAIT:-10}" || h_die "milter did not start: $(cat "$H/milter.log")"
	h_postfix_start "inet:127.0.0.1:$H_MILTER_PORT" "inet:127.0.0.1:$H_MILTER_PORT"
}

m_reload() {
	local before
	before=$(grep -c "configuration reloaded\|reload of" "$H/milter.log")
	kill -HUP "$(h_pid milter)"
	h_wait_for 10 sh -c "[ \$(grep -c 'configuration reloaded\|reload of' '$H/milter.log') -gt $before ]"
}

m_send() {
	h_send "$@"; M_RC=$?
	M_REPLY=$(h_send_reply)
}

m_deliver() {
	m_send "$@"
	M_FILE=
	if [ "$M_RC" -eq 0 ] && h_sink_wait $((M_SENT + 1)) 20; then
		M_SENT=$((M_SENT + 1))
		M_FILE=$(h_sink_last)
	fi
}

m_hdr() {	# unfold, then print values of NAME (case-insensitive)
	awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
		function out(l,   n, v) {
			n = index(l, ":")
			if (tolower(substr(l, 1, n - 1)) == want) {
				v = substr(l, n + 1); sub(/^[ \t]+/, "", v); print v
			}
		}
		/^$/ { exit }
		/^[ \t]/ { cur = cur $0; next }
		{ if (cur != "") out(cur); cur = $0 }
		END { if (cur != "") out(cur) }' "$1"
}

m_verify_sigs() {	# FILE VERIFIER WANT...
	local f=$1 v=$2 out w; shift 2
	out=$(h_verify_one "$v" "$f")
	case $out in *=fail*) h_diag "$out"; return 1 ;; esac
	for w in "$@"; do
		case $out in *"$w"*) ;; *) h_diag "$out" "missing: $w"; return 1 ;; esac
	done
}

m_log_has() { grep -E -q -- "$1" "$H/milter.log"; }

m_drop() { echo "$1" >>"$H/dns-drop"; }

m_dns_count() { grep -c -x -F "$(printf '%s' "$1" | tr 'A-Z' 'a-z') $2" "$H/dns-queries"; }
