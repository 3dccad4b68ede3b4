#!/bin/bash
# t-milter-fold.sh - header lines over 998 bytes (issue 7 item 5), through
# a real Postfix whose SMTP client breaks longer lines on the way out: the
# milter folds them at whitespace before signing (the signed form is the
# sent form), so a 10 KB From display name and a 2,000-byte Subject verify
# at all three verifiers; a header with no whitespace to fold gets 5.6.0.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-fold
h_plan 9
m_setup
h_postfix_enable_sasl lms-acme s3cret
AUTH="--auth PLAIN --auth-user lms-acme --auth-password s3cret"

words() {	# words N: N words of 4 letters, 5 bytes each with the blank
	local i out=
	for ((i = 0; i < $1; i++)); do out+="w$((i % 10))xy "; done
	printf '%s' "${out% }"
}
display=$(words 2000)	# 10 KB
subject=$(words 400)	# 2 KB
longest() { awk '/^$/ { exit } { if (length($0) > n) n = length($0) } END { print n }' "$1"; }

# shellcheck disable=SC2086
m_deliver $AUTH --from claim@acme.example --to u@dest.example \
	--header "From: $display <claim@acme.example>" --header "Subject: $subject"
h_ok "10 KB From display name and 2,000-byte Subject: delivered, signed" sh -c \
	"test -n '$M_FILE' && grep -q '^DKIM-Signature:.*d=acme.example' '$M_FILE'"
h_ok "no header line over 998 bytes left Postfix (longest: $(longest "$M_FILE"))" \
	test "$(longest "$M_FILE")" -le 998
h_ok "the From display name arrives whole (unfolded)" \
	test "$(m_hdr "$M_FILE" From)" = "$display <claim@acme.example>"
h_ok "the Subject arrives whole (unfolded)" test "$(m_hdr "$M_FILE" Subject)" = "$subject"
h_ok "all three verifiers pass" h_verify "$M_FILE"

# unfoldable: 1,200 bytes without whitespace in a signed header
token=$(head -c 1200 /dev/zero | tr '\0' 'x')
# shellcheck disable=SC2086
m_send $AUTH --from claim@acme.example --to u@dest.example --header "Subject: $token"
h_ok "unfoldable 1,200-byte Subject: 550 5.6.0 naming the header" sh -c \
	"echo '$M_REPLY' | grep -q '^550 5.6.0 header Subject has a line over 998 bytes with no whitespace to fold it at'"
h_ok "log: the refusal's decision line" m_log_has \
	'tenant=acme via=sasl mode=customer .*dkim=none action=reject reason="header Subject has a line over 998 bytes with no whitespace to fold it at" client=127\.0\.0\.1 client_kind=login'

# a message that is not signed is not refused for it (unknown tenant, accept)
echo 'unknown_tenant = "accept";' >>"$H/conf/main.conf"
m_reload
m_deliver --local-interface 127.0.0.4 --from x@nowhere.example --to u@dest.example --header "Subject: $token"
h_ok "unsigned stranger's mail with the same header: passed untouched (not ours to sign)" sh -c \
	"test -n '$M_FILE' && ! grep -q '^DKIM-Signature:' '$M_FILE'"
h_ok "milter still running" h_alive "$(h_pid milter)"
