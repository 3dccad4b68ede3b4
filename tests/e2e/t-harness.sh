#!/bin/bash
# t-harness.sh - self-test of the e2e harness (TAP).  Proves that each part
# works and that each verifier can fail: NSD answers as written (and
# SERVFAIL where told), the real opendkim milter behind the harness Postfix
# signs mail that all three verifiers pass, a tampered body, a wrong key and a
# missing key record fail all three, Ed25519 passes dkimpy and opendkim,
# milter_default_action=tempfail tempfails, SASL gives {auth_authen}=USER,
# a deferred message can be flushed, and every server stops by PID.
set -u
. "$(dirname "$0")/harness.sh"
h_init t-harness
h_plan 47

D=example.com
SASL_USER=lms-acme SASL_PASS='s3cr3t pass'

# --- DNS ---------------------------------------------------------------
h_genkey rsa "$H/keys/rsa.key"
h_genkey rsa "$H/keys/big.key" 3072
h_genkey ed25519 "$H/keys/ed.key"
h_zone_add $D
h_zone_servfail broken.test
SPF="v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
DMARC="v=DMARC1; p=reject; rua=mailto:dmarc@$D"
BIG=$(h_dkim_txt "$H/keys/big.key")
h_spf $D "$SPF"
h_dmarc $D "$DMARC"
h_mx $D 10 mx.$D
h_a mx.$D 192.0.2.25
h_aaaa mx.$D 2001:db8::25
h_dkim_publish $D rsa1 "$H/keys/rsa.key"
h_dkim_publish $D ed1 "$H/keys/ed.key"
h_dkim_key $D big "$BIG"
h_txt quote.$D 'say "hi" \ bye'
h_dns_start

# is_answer NAME TYPE EXPECTED... - NOERROR and exactly these records
is_answer() {
    local name=$1 type=$2 got want; shift 2
    got=$(h_dnsq "$name" "$type")
    want=$(printf '%s\n' NOERROR "$@")
    [ "$got" = "$want" ] || { h_diag "$name $type: got:" "$got" "want:" "$want"; return 1; }
}
is_rcode() { [ "$(h_dnsq "$1" "$2" | head -1)" = "$3" ]; }
long_txt_split() {
    local strings
    strings=$(h_dnsq -s "big._domainkey.$D" TXT | sed -n 2p)
    [ "$(echo "$strings" | tr '|' '\n' | awk 'length($0) > 255' | wc -l)" -eq 0 ] &&
        [ "$(echo "$strings" | tr '|' '\n' | wc -l)" -ge 2 ]
}

h_ok "SPF TXT resolves as written" is_answer $D TXT "$SPF"
h_ok "DMARC TXT resolves as written" is_answer _dmarc.$D TXT "$DMARC"
h_ok "DKIM key TXT resolves as written" is_answer rsa1._domainkey.$D TXT "$(h_dkim_txt "$H/keys/rsa.key")"
h_ok "MX resolves" is_answer $D MX "10 mx.$D."
h_ok "A resolves" is_answer mx.$D A 192.0.2.25
h_ok "AAAA resolves" is_answer mx.$D AAAA 2001:db8::25
h_ok "quotes and backslashes in TXT survive" is_answer quote.$D TXT 'say "hi" \ bye'
h_ok "${#BIG}-byte DKIM TXT round-trips intact" is_answer big._domainkey.$D TXT "$BIG"
h_ok "... published as several strings of <= 255 bytes" long_txt_split
h_ok "unknown name in a zone is NXDOMAIN" is_rcode nope.$D TXT NXDOMAIN
h_ok "name in the broken zone answers SERVFAIL" is_rcode _dmarc.broken.test TXT SERVFAIL
h_txt later.$D "published later"
h_dns_reload
h_ok "h_dns_reload publishes a new record" is_answer later.$D TXT "published later"
h_zone_add late.test
h_a www.late.test 192.0.2.80
h_dns_reload
h_ok "h_dns_reload serves a zone added after start (NSD restarted)" is_answer www.late.test A 192.0.2.80

# --- known-good signer: opendkim behind Postfix -------------------------
h_sink_start
h_opendkim_start $D:rsa1:"$H/keys/rsa.key"
RSA_MILTER=$H_OPENDKIM_MILTER
h_opendkim_start -a ed25519-sha256 -n opendkim-ed $D:ed1:"$H/keys/ed.key"
ED_MILTER=$H_OPENDKIM_MILTER
h_postfix_start "$RSA_MILTER"

send_one() {    # send_one SUBJECT - one message from $D, wait for it
    local n
    n=$(h_sink_count)
    h_send --from "news@$D" --to rcpt@remote.test --header "Subject: $1" \
        --body "line one of $1
line two" || { h_diag "swaks: $(h_send_reply)"; return 1; }
    h_sink_wait $((n + 1)) 20 || { h_diag "message did not reach the sink"; return 1; }
    MSG=$(h_sink_last)
}
# verifies/fails NAME FILE - verifier NAME says pass / fail, status agrees
verifies() {
    local out rc
    out=$(h_verify_one "$1" "$2"); rc=$?
    h_diag "$out"
    [ $rc -eq 0 ] && [[ $out == "$1: pass "* ]]
}
fails() {
    local out rc
    out=$(h_verify_one "$1" "$2"); rc=$?
    h_diag "$out"
    [ $rc -eq 1 ] && [[ $out == "$1: fail "* ]]
}

MSG=
h_ok "message through Postfix + opendkim reaches the sink" send_one rsa-test
h_ok "... carrying a DKIM-Signature by $D/rsa1" grep -q '^DKIM-Signature:.*s=rsa1' "${MSG:-/dev/null}"
for v in mail-dkim dkimpy opendkim; do
    h_ok "$v: signed message passes" verifies $v "${MSG:-/dev/null}"
done
GOOD=$MSG

sed 's/^line two$/line 2/' "$GOOD" >"$H/tampered.eml"
for v in mail-dkim dkimpy opendkim; do
    h_ok "$v: tampered body fails" fails $v "$H/tampered.eml"
done

h_rr_del rsa1._domainkey.$D
h_dkim_publish $D rsa1 "$H/keys/big.key"
h_dns_reload
for v in mail-dkim dkimpy opendkim; do
    h_ok "$v: wrong key in DNS fails" fails $v "$GOOD"
done

h_rr_del rsa1._domainkey.$D
h_dns_reload
for v in mail-dkim dkimpy opendkim; do
    h_ok "$v: key record removed from DNS fails" fails $v "$GOOD"
done
h_dkim_publish $D rsa1 "$H/keys/rsa.key"
h_dns_reload

# --- Ed25519, and RSA + Ed25519 dual signing ----------------------------
h_postconf "smtpd_milters = $ED_MILTER"
h_ok "Ed25519-signed message reaches the sink" send_one ed-test
ED=$MSG
h_ok "dkimpy: Ed25519 signature passes" verifies dkimpy "${ED:-/dev/null}"
h_ok "opendkim: Ed25519 signature passes" verifies opendkim "${ED:-/dev/null}"
out=$(h_verify_one mail-dkim "${ED:-/dev/null}"); rc=$?
h_diag "$out"
case $rc in
0) h_ok "mail-dkim: Ed25519 signature passes" true ;;
2) h_skip "mail-dkim: Ed25519 signature passes" "this Mail::DKIM cannot verify Ed25519 (Debian 12)" ;;
*) h_ok "mail-dkim: Ed25519 signature passes" false ;;
esac
sed 's/^line two$/line 2/' "${ED:-/dev/null}" >"$H/ed-tampered.eml"
h_ok "dkimpy: tampered Ed25519 message fails" fails dkimpy "$H/ed-tampered.eml"
h_ok "opendkim: tampered Ed25519 message fails" fails opendkim "$H/ed-tampered.eml"

h_postconf "smtpd_milters = $RSA_MILTER, $ED_MILTER"
two_sigs() { [ "$(grep -c '^DKIM-Signature:' "${MSG:-/dev/null}")" -eq 2 ]; }
each_sig_reported() {
    local out
    out=$(h_verify "$MSG") || { h_diag "$out"; return 1; }
    h_diag "$out"
    [ "$(echo "$out" | grep -c 'ed1 ed25519-sha256=pass, example.com/rsa1 rsa-sha256=pass\|rsa1 rsa-sha256=pass, example.com/ed1 ed25519-sha256=pass')" -eq 2 ]
}
h_ok "dual-signed (RSA + Ed25519) message reaches the sink" send_one dual-test
h_ok "... with two DKIM-Signature headers" two_sigs
h_ok "h_verify passes it, dkimpy and opendkim report both signatures" each_sig_reported

# --- milter_default_action = tempfail ------------------------------------
DEAD=$(h_port)
h_postconf "smtpd_milters = inet:127.0.0.1:$DEAD"
before=$(h_sink_count)
tempfailed() {
    h_send --from "news@$D" --to rcpt@remote.test --header "Subject: dead milter" && return 1
    h_diag "reply: $(h_send_reply)"
    case $(h_send_reply) in 4[0-9][0-9]\ *) return 0 ;; esac
    return 1
}
nothing_delivered() {
    [ "$(h_queue_count)" -eq 0 ] && ! h_sink_wait $((before + 1)) 2
}
h_ok "dead milter: swaks gets a 4xx" tempfailed
h_ok "dead milter: nothing queued, nothing reaches the sink" nothing_delivered

# --- SASL: {auth_authen} is exactly the user -----------------------------
h_postconf "smtpd_milters ="
h_postfix_enable_sasl "$SASL_USER" "$SASL_PASS"
h_ok "SASL PLAIN with the right password is accepted" \
    h_send --from "news@$D" --to rcpt@remote.test --auth PLAIN \
    --auth-user "$SASL_USER" --auth-password "$SASL_PASS"
h_ok "Postfix logs sasl_username=$SASL_USER, no realm" \
    h_postfix_log_wait "sasl_method=PLAIN, sasl_username=$SASL_USER\$" 5
h_not_ok "SASL with a wrong password is refused" \
    h_send --from "news@$D" --to rcpt@remote.test --auth LOGIN \
    --auth-user "$SASL_USER" --auth-password wrong

# --- deferred delivery and queue flush -----------------------------------
h_sink_wait $((before + 1)) 10
before=$(h_sink_count)
queue_has_one() { [ "$(h_queue_count)" -eq 1 ]; }
queued_one() { h_wait_for 10 queue_has_one; }
h_sink_fail
h_send --from "news@$D" --to rcpt@remote.test --header "Subject: deferred" >/dev/null
h_ok "sink deferring: the message waits in the queue" queued_one
h_sink_fail off
h_postqueue -f >/dev/null 2>&1
h_ok "after postqueue -f it reaches the sink" h_sink_wait $((before + 1)) 20

# --- Postfix stops and starts again ---------------------------------------
h_postfix_stop
postfix_gone() { ! h__port_open "$H_SMTP_PORT" && [ -z "$(h_pid postfix)" ]; }
h_ok "h_postfix_stop: smtpd port closed, master PID unregistered" postfix_gone
h_postfix_start "$RSA_MILTER"
h_ok "h_postfix_start again: a signed message goes through" send_one restart-test

# --- every server stops by PID --------------------------------------------
h_stop_all
none_alive() {
    local p left=
    for p in $(h_all_pids); do h_alive "$p" && left="$left $p"; done
    [ -z "$left" ] || { h_diag "still alive:$left"; ps -o pid,args -p "${left# }" | sed 's/^/# /'; return 1; }
}
h_ok "all $(h_all_pids | wc -l) harness processes are gone after h_stop_all" none_alive

# --- a sanitizer report in a log fails a script whose tests all pass ------
san_fails() {
    local out
    out=$(TMPDIR=$H bash -c '. "$1/harness.sh"; h_init san; h_plan 1; h_ok passes true
        echo "==1==ERROR: LeakSanitizer: detected memory leaks" >"$H/milter.log"' _ "$H_E2E_DIR" 2>&1)
    [ $? -ne 0 ] && grep -q '^# .*/milter.log:==1==ERROR: LeakSanitizer' <<<"$out"
}
h_ok "a sanitizer report in a daemon's log fails the script" san_fails
