#!/bin/bash
# t-milter-try-same.sh - the milter behind Postfix and `tenantctl try`
# make the same message: for accept, rewrite, fallback, dual signing and
# a signed message with a header line over 998 bytes (folded, as signed),
# the message the sink receives and the one try prints are equal header
# for header, in the same order, body included (msgnorm.py drops only
# Received headers and the per-run DKIM tags b=, t=, x=), and the envelope
# sender is the same.  Both go through policy/apply's one list of edits.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-try-same
h_plan 12
fb_tenant() {		# fb: customer whose domain's SPF fails the provider IPs
	m__tenant fb 'mode = "customer";
match = { sender_domains = [ "fb.example" ]; };
sender = { from = "news@fb.example"; };
dkim = ( { domain = "fb.example"; selector = "f1"; key = "../keys/gamma.key"; } );'
}
fb_zone() {
	h_zone_add fb.example
	h_spf fb.example "v=spf1 -all"
	h_dkim_publish fb.example f1 "$H/conf/keys/gamma.key"
}
M_TENANTS=fb_tenant M_ZONES=fb_zone m_setup
N=0

# msg FROM SUBJECT [EXTRA-HEADER] - a complete message (Date and Message-ID
# given, so that Postfix adds none)
msg() {
	N=$((N + 1))
	printf 'From: %s\nTo: u@dest.example\nSubject: %s\nDate: Tue, 01 Dec 2026 08:00:0%d +0000\nMessage-ID: <same-%d@test.example>\n%s\nHello,\n\nthe same message twice.\n' \
		"$1" "$2" "$N" "$N" "${3:+$3
}"
}

# same NAME TENANT ENVFROM FROM [EXTRA-HEADER] - send through Postfix, run
# try on the same bytes; compare messages and envelope senders
same() {
	local name=$1 tenant=$2 env=$3 want_env got_env
	msg "$4" "$name" "${5:-}" >"$H/$name.msg"
	$top_builddir/src/tenantctl/tenantctl -c "$H/conf/main.conf" try "$tenant" \
		--from "$env" --to u@dest.example <"$H/$name.msg" >"$H/$name.try" 2>&1
	sed -n '/^--- message as it would leave ---$/,$p' "$H/$name.try" | tail -n +2 >"$H/$name.try.eml"
	m_deliver --from "$env" --to u@dest.example --data "$H/$name.msg"
	if [ -z "$M_FILE" ]; then
		h_diag "not delivered: $M_REPLY" "$(cat "$H/$name.try")"
		h_ok "$name: the milter and try make the same message" false
		h_ok "$name: same envelope sender" false
		return
	fi
	cp "$M_FILE" "$H/$name.milter.eml"
	"$H_PY" "$H_E2E_DIR/msgnorm.py" "$H/$name.milter.eml" >"$H/$name.milter.norm"
	"$H_PY" "$H_E2E_DIR/msgnorm.py" "$H/$name.try.eml" >"$H/$name.try.norm"
	if [ -s "$H/$name.try.norm" ] && diff -u "$H/$name.try.norm" "$H/$name.milter.norm" >"$H/$name.diff"; then
		h_ok "$name: the milter and try make the same message" true
	else
		h_ok "$name: the milter and try make the same message" sh -c "sed 's/^/# /' '$H/$name.diff'; false"
	fi
	want_env=$(sed -n 's/^  envelope MAIL FROM:<\(.*\)>$/\1/p' "$H/$name.try")
	want_env=${want_env:-$env}
	got_env=$(sed -n 's/^MAIL FROM:<\([^>]*\)>.*/\1/p' "${M_FILE%.eml}.env")
	h_ok "$name: same envelope sender (<$want_env>)" test "$got_env" = "$want_env"
}

same accept gamma info@gamma.example 'Gamma <info@gamma.example>'
same rewrite acme claim@acme.example 'Boss <boss@elsewhere.example>' 'X-Tenant-ID: acme'
same fallback fb news@fb.example 'News <news@fb.example>'
same dual acme claim@acme.example 'Jane <jane@acme.example>' 'X-Tenant-ID: acme'
long="X-Long: $(for ((i = 0; i < 400; i++)); do printf 'w%dxy ' $((i % 10)); done)"
same fold gamma info@gamma.example 'Gamma <info@gamma.example>' "${long% }"
h_ok "fold: X-Long arrives folded (no line over 998 bytes)" sh -c \
	"awk '/^\$/ { exit } length(\$0) > 998 { bad = 1 } END { exit bad }' '$H/fold.milter.eml' && grep -c '^ w' '$H/fold.milter.eml' | grep -qv '^0$'"
h_ok "dual: two DKIM-Signatures, s1 above s2" sh -c \
	"grep '^DKIM-Signature:' '$H/dual.milter.norm' | sed -n 's/.* s=\([a-z0-9]*\);.*/\1/p' | tr '\n' ' ' | grep -qx 's1 s2 '"
