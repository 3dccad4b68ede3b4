#!/bin/bash
# t-sink.sh - the harness sink counts every message, under concurrency: a
# sink that loses mail would hide real loss.  Directly (2,000 messages from
# 32 concurrent sessions), then through Postfix: every message Postfix logs
# as delivered (status=sent) is at the sink exactly once.
. "$(dirname "$0")/harness.sh"
h_init sink
h_plan 6
h_sink_start
blast() { /usr/bin/python3 "$H_E2E_DIR/smtpblast.py" "$@" >"$H/blast.out" 2>&1; }
subjects() { grep -h '^Subject: ' "$H"/sink/*.eml | sort; }
exactly() {	# exactly TAG N: the sink holds TAG-0..TAG-(N-1), each once
	local want got
	want=$(for ((i = 0; i < $2; i++)); do echo "Subject: $1-$i"; done | sort)
	got=$(subjects | grep "^Subject: $1-")
	[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got") | head -5; return 1; }
}
envelopes() {	# every NNNN.eml has its NNNN.env, no reservation left over
	local f
	for f in "$H"/sink/*.eml; do [ -s "${f%.eml}.env" ] || return 1; done
	! ls "$H"/sink | grep -q 'tmp$'
}

# --- directly
h_ok "direct: 2000 messages from 32 sessions accepted" blast "$H_SINK_PORT" 2000 32 direct
h_diag "direct: $(cat "$H/blast.out"); at the sink: $(h_sink_count)"
h_ok "direct: every message stored exactly once" exactly direct 2000
h_ok "direct: each message has its envelope" envelopes

# --- through Postfix (no milter): what Postfix delivered, the sink counted
h_postfix_start
n=300
h_ok "postfix: $n messages from 16 sessions accepted" blast "$H_SMTP_PORT" $n 16 pf
sent() { grep -c ' status=sent ' "$H_POSTFIX_LOG"; }
h_wait_for 120 sh -c "[ \$(grep -c ' status=sent ' '$H_POSTFIX_LOG') -ge $n ]"
h_diag "postfix: status=sent $(sent), at the sink $(($(h_sink_count) - 2000))"
h_ok "postfix: each of the $n logged delivered (got $(sent))" test "$(sent)" -eq $n
h_ok "postfix: every delivered message at the sink exactly once" exactly pf $n
