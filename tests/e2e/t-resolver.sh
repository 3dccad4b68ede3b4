#!/bin/bash
# t-resolver.sh - the libunbound resolver (resolver_unbound.c + the cache in
# resolver.c) against NSD on loopback, through tests/e2e/resolver-probe:
# decoded TXT (several strings joined), A, AAAA, MX, PTR, CNAME; TTLs passed
# on (capped at a day); NXDOMAIN, NODATA and SERVFAIL (REFUSED too) told
# apart; a server that never answers costs no more than the deadline (also
# from 8 threads at once); repeats, negative answers included, come from the
# cache until their TTL runs out; 8 threads x 50 queries get the right
# answers; malformed nameservers are refused; "::1@PORT" works.
#
# NSD 4 cannot log single queries, so a small UDP relay ($H/udp-helper.py,
# "count" mode) sits between the resolver and NSD for the cache tests and
# logs every query it passes on; in "blackhole" mode it reads queries and
# never answers.
set -u
. "$(dirname "$0")/harness.sh"
h_init t-resolver
h_plan 31

: "${top_srcdir:=$(cd "$H_E2E_DIR/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PROBE=$top_builddir/tests/e2e/resolver-probe
if [ ! -x "$PROBE" ]; then
    PROBE=$H/resolver-probe
    cc -std=c11 -O1 -I"$top_builddir" -I"$top_srcdir/src/lib" -o "$PROBE" \
        "$top_srcdir/tests/e2e/resolver-probe.c" "$top_srcdir/src/lib/dns/resolver.c" \
        "$top_srcdir/src/lib/dns/resolver_unbound.c" -lunbound -lpthread ||
        h_die "cannot compile resolver-probe"
fi

# --- zones -------------------------------------------------------------
Z=r.test
LONG=$(printf 'v=DKIM1; k=rsa; p=%s' "$(head -c 700 /dev/zero | tr '\0' 'A')B")
h_zone_add $Z
h_zone_add 2.0.192.in-addr.arpa
h_zone_servfail broken.test
h_txt long.$Z "$LONG"
h_txt two.$Z "first record"
h_txt two.$Z 'second "quoted" record'
h_a a.$Z 192.0.2.1
h_aaaa a.$Z 2001:db8::1
h_mx $Z 10 mx.$Z
h_rr $Z "alias.$Z. 5 IN CNAME a.$Z."
h_rr 2.0.192.in-addr.arpa "1 5 IN PTR a.$Z."
h_txt cached.$Z "cache me"
h_txt ttl1.$Z "short-lived" 1
h_txt week.$Z "long-lived" 604800
for i in $(seq 1 50); do h_txt "c$i.$Z" "value-$i" 0; done
h_dns_start
NS=127.0.0.1@$H_DNS_PORT

cat >"$H/udp-helper.py" <<'EOF'
"""udp-helper.py MODE PORT [UPSTREAM_PORT LOG] - UDP on 127.0.0.1:PORT.
count: relay each query to 127.0.0.1:UPSTREAM_PORT, log "qname qtype";
blackhole: read queries, never answer."""
import socket
import struct
import sys

mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
log = open(sys.argv[4], "a") if mode == "count" else None
while True:
    q, peer = s.recvfrom(65535)
    if mode != "count":
        continue
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    log.write("%s %d\n" % (".".join(labels).lower(), qtype))
    log.flush()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        u.sendto(q, ("127.0.0.1", int(sys.argv[3])))
        s.sendto(u.recv(65535), peer)
    except OSError:
        pass
    u.close()
EOF
COUNT_PORT=$(h_port)
HOLE_PORT=$(h_port)
h_daemon relay "$H_PY" "$H/udp-helper.py" count "$COUNT_PORT" "$H_DNS_PORT" "$H/relay.queries"
h_daemon blackhole "$H_PY" "$H/udp-helper.py" blackhole "$HOLE_PORT"
h_wait_for 10 grep -q ready "$H/relay.log" || h_die "relay did not start"
h_wait_for 10 grep -q ready "$H/blackhole.log" || h_die "blackhole did not start"

# --- helpers -------------------------------------------------------------
OUT=$H/probe.out

# probe ARGS... - run resolver-probe, output in $OUT and $H/probe.err,
# wall time in milliseconds in $WALL_MS
probe() {
    local t0 t1
    t0=$(date +%s%N)
    "$PROBE" "$@" >"$OUT" 2>"$H/probe.err"
    PROBE_RC=$?
    t1=$(date +%s%N)
    WALL_MS=$(((t1 - t0) / 1000000))
}

# line N - line N of the last probe output
line() { sed -n "${1}p" "$OUT"; }

# field N KEY - the value of KEY=... on line N (texts=[...] to the "] ")
field() {
    line "$1" | sed -n "s/.* $2=\(\[.*\]\|\"[^\"]*\"\|[^ ]*\).*/\1/p"
}

# expect N STATUS [TEXTS] - line N has this status (and these texts)
expect() {
    local got_s got_t
    got_s=$(field "$1" status) got_t=$(field "$1" texts)
    if [ "$got_s" != "$2" ] || { [ $# -ge 3 ] && [ "$got_t" != "$3" ]; }; then
        h_diag "line $1: got: $(line "$1")" "want: status=$2${3:+ texts=$3}"
        return 1
    fi
}

# stats_are Q C U - the probe's counters
stats_are() {
    local want="stats queries=$1 cache_hits=$2 upstream=$3" got
    got=$(grep '^stats ' "$OUT")
    [ "$got" = "$want" ] || { h_diag "got: $got" "want: $want"; return 1; }
}

# relayed NAME TYPE N - the relay passed on exactly N queries for NAME/TYPE
relayed() {
    local got
    got=$(grep -cx "$1 $2" "$H/relay.queries" 2>/dev/null)
    [ "$got" -eq "$3" ] || { h_diag "$1 type $2 relayed $got times, want $3"; return 1; }
}

# faster_than MS - both the probe's own ms= and its wall time are below MS
faster_than() {
    local ms
    ms=$(field 1 ms)
    [ -n "$ms" ] && [ "$ms" -lt "$1" ] && [ "$WALL_MS" -lt "$1" ] ||
        { h_diag "query ${ms:-?} ms, whole probe $WALL_MS ms, want < $1"; return 1; }
}

# is GOT WANT... - GOT is one of the WANTs
is() {
    local got=$1 w; shift
    for w in "$@"; do [ "$got" = "$w" ] && return 0; done
    h_diag "got: $got" "want: $*"
    return 1
}

# all_right - every c<i>.r.test line is ok with texts=["value-<i>"]: 400 of them
all_right() {
    local n
    n=$(awk '$1 ~ /^c[0-9]+\.r\.test$/ {
            i = substr($1, 2); sub(/\..*/, "", i)
            if ($3 == "status=ok" && index($0, "texts=[\"value-" i "\"]")) ok++ }
        END { print ok + 0 }' "$OUT")
    [ "$n" -eq 400 ] || { h_diag "$n right answers of 400"; return 1; }
}

# --- records, decoded ---------------------------------------------------
probe "$NS" 2000 long.$Z TXT two.$Z TXT a.$Z A a.$Z AAAA $Z MX \
    1.2.0.192.in-addr.arpa PTR alias.$Z A alias.$Z CNAME week.$Z TXT
h_ok "probe ran" test "$PROBE_RC" -eq 0
h_ok "${#LONG}-byte TXT in $(h_dnsq -s long.$Z TXT | sed -n 2p | tr '|' '\n' | wc -l) strings comes back joined" \
    expect 1 ok "[\"$LONG\"]"
h_ok "two TXT records: two texts, quotes kept" is "$(field 2 texts)" \
    '["first record","second \"quoted\" record"]' '["second \"quoted\" record","first record"]'
h_ok "A as text" expect 3 ok '["192.0.2.1"]'
h_ok "AAAA as text" expect 4 ok '["2001:db8::1"]'
h_ok "MX as \"PREF host\", no final dot" expect 5 ok "[\"10 mx.$Z\"]"
h_ok "PTR host, no final dot" expect 6 ok "[\"a.$Z\"]"
h_ok "A through a CNAME" expect 7 ok '["192.0.2.1"]'
h_ok "CNAME itself: the target, no final dot" expect 8 ok "[\"a.$Z\"]"
h_ok "TTL of the records comes through (5 s)" is "$(field 3 ttl)" 5
h_ok "a TTL of a week is capped at a day" is "$(field 9 ttl)" 86400

# --- negative and failed answers ----------------------------------------
probe "$NS" 2000 nx.$Z A a.$Z TXT x.broken.test TXT x.not-served.example TXT
h_ok "NXDOMAIN" expect 1 nxdomain '[]'
h_ok "... with the SOA's negative TTL (5 s)" is "$(field 1 ttl)" 5
h_ok "NODATA for a name without that type" expect 2 nodata '[]'
h_ok "SERVFAIL is servfail, not NXDOMAIN" expect 3 servfail
h_ok "... with a reason" test -n "$(field 3 why)"
h_ok "REFUSED (a zone NSD does not serve) is temporary too" expect 4 servfail

# --- deadline -------------------------------------------------------------
probe 127.0.0.1@"$HOLE_PORT" 300 silent.$Z TXT
h_diag "silent server: $(line 1); whole probe $WALL_MS ms"
h_ok "a server that never answers: timeout" expect 1 timeout
h_ok "... after the 300 ms deadline, whole probe well under 1 s" faster_than 1000
probe -t 8 127.0.0.1@"$HOLE_PORT" 200 s1.$Z TXT s2.$Z A
h_diag "8 threads x 2 queries, 200 ms each: whole probe $WALL_MS ms"
h_ok "8 threads x 2 silent queries of 200 ms: all 16 timeout" \
    is "$(grep -c " status=timeout " "$OUT")" 16
h_ok "... in under 1 s in all" test "$WALL_MS" -lt 1000

# --- cache ------------------------------------------------------------------
probe 127.0.0.1@"$COUNT_PORT" 2000 cached.$Z TXT cached.$Z TXT nx2.$Z A nx2.$Z A
h_ok "same name twice: the same answer" is "$(field 1 texts) $(field 2 texts)" \
    '["cache me"] ["cache me"]'
h_ok "... the second from the cache, NXDOMAIN too (2 hits of 4)" stats_are 4 2 2
h_ok "... the server was asked once for the TXT" relayed cached.r.test 16 1
h_ok "... and once for the NXDOMAIN" relayed nx2.r.test 1 1
probe 127.0.0.1@"$COUNT_PORT" 2000 ttl1.$Z TXT @sleep 2100 ttl1.$Z TXT
h_ok "a record past its TTL (1 s) is asked again: no hit, 2 upstream" stats_are 2 0 2
h_ok "... and the server saw both queries" relayed ttl1.r.test 16 2

# --- concurrency ------------------------------------------------------------
ARGS=()
for i in $(seq 1 50); do ARGS+=("c$i.$Z" TXT); done
probe -t 8 "$NS" 5000 "${ARGS[@]}"
h_diag "8 threads x 50 queries: $WALL_MS ms"
h_ok "8 threads x 50 queries (TTL 0: none cached): 400 right answers" all_right
h_ok "... all 400 sent upstream" stats_are 400 0 400

# --- nameserver forms -----------------------------------------------------
bad_ns() {
    local ns
    for ns in not-an-ip 127.0.0.1@ 127.0.0.1@99999 127.0.0.1@53x 300.1.1.1 '@53'; do
        probe "$ns" 100 a.$Z A
        [ "$PROBE_RC" -eq 1 ] && grep -q nameserver "$H/probe.err" ||
            { h_diag "nameserver '$ns' accepted: $(cat "$OUT" "$H/probe.err")"; return 1; }
    done
}
h_ok "malformed nameservers are refused with a reason" bad_ns

if "$H_PY" -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
    P6=$(h_port)
    sed -e 's/^\( *ip-address:\).*/\1 ::1/' -e "s/^\( *port:\).*/\1 $P6/" \
        -e 's/nsd\.pid/nsd6.pid/; s/zone\.list/zone6.list/; s/xfrd\.state/xfrd6.state/' \
        -e 's/nsd\.log/nsd6.log/' "$H/dns/nsd.conf" >"$H/dns/nsd6.conf"
    h_daemon nsd6 nsd -d -c "$H/dns/nsd6.conf"
    ns6_up() { probe "::1@$P6" 500 a.$Z A; [ "$(field 1 status)" = ok ]; }
    h_wait_for 10 ns6_up
    h_ok "IPv6 nameserver ::1@PORT answers" expect 1 ok '["192.0.2.1"]'
else
    h_skip "IPv6 nameserver ::1@PORT answers" "no IPv6 loopback here"
fi
