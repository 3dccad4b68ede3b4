#!/bin/bash
# tests/bench/soak.sh [N] - RSS of the milter over a long run through a real
# Postfix: N messages (default 50,000) for a customer tenant, acme (RSA and
# Ed25519 signatures; SOAK_FROM=info@gamma.example: gamma, RSA only), SPF
# and the guard from the cache, 8 concurrent sessions.  Prints the daemon's RSS after a 1,000-message warm-up and at
# the end, and the messages delivered; a figure, never an assertion.  Not
# part of `make check` (minutes); run as root from a built tree:
#
#   top_srcdir=$PWD top_builddir=$PWD tests/bench/soak.sh 50000
set -u
. "$(dirname "$0")/../e2e/harness.sh"
. "$(dirname "$0")/../e2e/milter-lib.sh"
N=${1:-50000}
WARM=1000
h_init soak
m_setup
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(h_pid milter)/status"; }
export BLAST_FROM=${SOAK_FROM:-claim@acme.example}
# Messages Postfix accepted (a 4xx under load, e.g. an SPF temperror when
# DNS is slow, is the client's to retry: not expected at the sink).
accepted=0
blast() {
	/usr/bin/python3 "$H_E2E_DIR/smtpblast.py" "$H_SMTP_PORT" "$1" 8 "$2" >"$H/blast.last" 2>&1
	cat "$H/blast.last" >>"$H/blast.out"
	accepted=$((accepted + $(sed -n 's/^sent \([0-9]*\) refused.*/\1/p' "$H/blast.last")))
}
delivered() { h_sink_count; }
blast "$WARM" warm
h_sink_wait "$accepted" 300 || h_die "warm-up: only $(delivered) of $accepted delivered"
r0=$(rss); t0=$(date +%s)
echo "soak: RSS after $WARM messages: $r0 kB"
done=0
while [ "$done" -lt "$N" ]; do
	step=$((N - done < 10000 ? N - done : 10000))
	blast "$step" "s$done"
	done=$((done + step))
	h_sink_wait "$accepted" 600 || h_die "only $(delivered) delivered of $accepted accepted"
	echo "soak: $done messages: RSS $(rss) kB"
done
t1=$(date +%s)
r1=$(rss)
echo "soak: RSS after $WARM + $N messages: $r1 kB (start $r0 kB, ratio $(awk -v a="$r1" -v b="$r0" 'BEGIN { printf "%.2f", a / b }')), $(delivered) delivered of $accepted accepted, $((t1 - t0)) s"
h_verify "$(h_sink_last)" >"$H/verify.out" && echo "soak: the last message verifies: $(tr '\n' ' ' <"$H/verify.out")"
