#!/bin/bash
# run-bench.sh [quick] - tenant-milter side by side with Debian's OpenDKIM
# and a milter that does nothing, in one run on this machine, through the
# same load driver (milter-load.c, milter protocol v6 as Postfix speaks
# it).  A benchmark, never a test: it prints figures and ratios; it fails
# only when something is broken (a message not accepted, a sampled
# signature that does not verify).  Run as root from a built tree:
#
#   tests/bench/run-bench.sh          # about 5-8 minutes here
#   tests/bench/run-bench.sh quick    # fewer messages, rougher figures
#
# Same RSA-2048 key and relaxed/relaxed for both signers.  tenant-milter
# runs as configured in production (its decision log line per message
# included); OpenDKIM with syslog off.  Milter CPU per message is the
# utime+stime of the milter process (all threads) over a run divided by
# its messages; the driver reports its own CPU too.
set -u
. "$(dirname "$0")/../e2e/harness.sh"
. "$(dirname "$0")/../e2e/milter-lib.sh"
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
B=$top_builddir/tests/bench
LOAD=$B/milter-load
[ -x "$LOAD" ] && [ -x "$B/null-milter" ] && [ -x "$B/bench_sign" ] ||
	{ echo "build first: make -j2 check TESTS= (builds tests/bench/*)" >&2; exit 1; }
command -v opendkim >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y opendkim >/dev/null
Q=1; [ "${1:-}" = quick ] && Q=4
h_init bench

# --- tenants: one RSA, one Ed25519, one dual (customer mode, identified by
# the MAIL FROM domain), plus m_setup's beta in provider mode (dual).
K=$H/conf/keys
bench_tenants() {
	h_genkey rsa "$K/bench-rsa.key"; h_genkey ed25519 "$K/bench-ed.key"
	m__tenant brsa 'mode = "customer"; match = { sender_domains = [ "rsa.example" ]; };
sender = { from = "claim@rsa.example"; };
dkim = ( { domain = "rsa.example"; selector = "r1"; key = "../keys/bench-rsa.key"; } );'
	m__tenant bed 'mode = "customer"; match = { sender_domains = [ "ed.example" ]; };
sender = { from = "claim@ed.example"; };
dkim = ( { domain = "ed.example"; selector = "e1"; key = "../keys/bench-ed.key"; algorithm = "ed25519-sha256"; } );'
	m__tenant bdual 'mode = "customer"; match = { sender_domains = [ "dual.example" ]; };
sender = { from = "claim@dual.example"; };
dkim = ( { domain = "dual.example"; selector = "r1"; key = "../keys/bench-rsa.key"; },
         { domain = "dual.example"; selector = "e1"; key = "../keys/bench-ed.key"; algorithm = "ed25519-sha256"; } );'
}
bench_zones() {
	local z
	for z in rsa ed dual; do
		h_zone_add "$z.example"
		h_spf "$z.example" "v=spf1 include:_spf.provider.example -all"
	done
	h_dkim_publish rsa.example r1 "$K/bench-rsa.key"
	h_dkim_publish dual.example r1 "$K/bench-rsa.key"
	h_dkim_publish ed.example e1 "$K/bench-ed.key"
	h_dkim_publish dual.example e1 "$K/bench-ed.key"
	scale_zones
}
# --- generated configurations for the start-time figures
scale_zones() {
	local n
	for n in 10 10000 100000; do
		bash "$B/../bench/gen-tenants.sh" "$H/scale$n" "$n" >/dev/null ||
			h_die "gen-tenants $n failed"
		sed -i -e "s/^socket = .*/socket = \"inet:@PORT@@127.0.0.1\";/" \
		    -e "s/^dns = .*/dns = { nameserver = \"127.0.0.1@$H_DNS_PORT\"; timeout = 3; };/" \
		    "$H/scale$n/tenant-milter.conf"
	done
	# one provider key for the three (the DMARC guard checks it is the one
	# published)
	cp "$H/scale10/keys/shared.key" "$H/scale10000/keys/shared.key"
	cp "$H/scale10/keys/shared.key" "$H/scale100000/keys/shared.key"
	h_dkim_publish provider.example p2026 "$H/scale10/keys/shared.key"
}
# settle PID: wait (at most 30 s) until the process uses no CPU for 0.5 s,
# so that start-up work (the DMARC guard's first probe of every key) is
# not counted as per-message cost
settle() {
	local a b i
	for i in $(seq 60); do
		a=$(awk '{ print $14 + $15 }' "/proc/$1/stat"); sleep 0.5
		b=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
		[ "$a" = "$b" ] && return 0
	done
}
M_TENANTS=bench_tenants M_ZONES=bench_zones m_setup
TM_PID=$(h_pid milter)
settle "$TM_PID"
NULL_PORT=$(h_port); h_daemon null "$B/null-milter" "$NULL_PORT"
h_nudge_port null "$NULL_PORT"; h_wait_port "$NULL_PORT" || h_die "null milter did not start"
# OpenDKIM signs from the same key files, all keys in one instance (each
# instance signs with one algorithm: a second one for Ed25519).
cp "$K/bench-rsa.key" "$H/od-rsa.key"; cp "$K/bench-ed.key" "$H/od-ed.key"
h_opendkim_start -n od-rsa rsa.example:r1:"$H/od-rsa.key"; OD_RSA_PORT=${H_OPENDKIM_MILTER##*:}
h_opendkim_start -n od-ed -a ed25519-sha256 ed.example:e1:"$H/od-ed.key"; OD_ED_PORT=${H_OPENDKIM_MILTER##*:}
h_pid_of_port() { h_pid "$1"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
TM_RSS0=$(rss "$TM_PID")
mkdir -p "$H/sample"
R=$H/results; : >"$R"

# run LABEL PORT PID DOMAIN SIZE CONNS MSGS [extra driver args]: one line in $R
run() {
	local label=$1 port=$2 pid=$3 dom=$4 size=$5 c=$6 n=$7 out; shift 7
	out=$("$LOAD" -P "$pid" -c "$c" -n "$n" -b "$size" -f "<claim@$dom>" \
		-F "App <claim@$dom>" "$@" "$port") || { echo "BROKEN: $label: $out" >&2; BROKEN=1; }
	echo "$label size=$size $out" >>"$R"
}
BROKEN=0
sizes="2048 51200 1048576"
count() { case $1 in 2048) echo $((4000 / Q)) ;; 51200) echo $((1200 / Q)) ;; *) echo $((200 / Q)) ;; esac; }
for size in $sizes; do
	n=$(count "$size")
	for c in 1 8; do
		mkdir -p "$H/sample/$size"
		run null "$NULL_PORT" "$(h_pid null)" rsa.example "$size" "$c" "$n"
		mkdir -p "$H/sample/$size/od-rsa"
		run od-rsa "$OD_RSA_PORT" "$(h_pid od-rsa)" rsa.example "$size" "$c" "$n" -S "$H/sample/$size/od-rsa:$((n / 10))"
		run od-ed "$OD_ED_PORT" "$(h_pid od-ed)" ed.example "$size" "$c" "$n"
		for t in rsa ed dual; do
			mkdir -p "$H/sample/$size/tm-$t"
			run "tm-$t" "$H_MILTER_PORT" "$TM_PID" "$t.example" "$size" "$c" "$n" -S "$H/sample/$size/tm-$t:$((n / 10))"
		done
		run tm-provider "$H_MILTER_PORT" "$TM_PID" beta.provider.example "$size" "$c" "$n" -C 127.0.0.2
	done
done
# RSS flat under Ed25519: 20,000 messages (2 KB, c=8)
ED0=$(rss "$TM_PID"); run tm-ed-20k "$H_MILTER_PORT" "$TM_PID" ed.example 2048 8 $((20000 / Q)); ED1=$(rss "$TM_PID")
OD0=$(rss "$(h_pid od-ed)"); run od-ed-20k "$OD_ED_PORT" "$(h_pid od-ed)" ed.example 2048 8 $((20000 / Q)); OD1=$(rss "$(h_pid od-ed)")
TM_RSS1=$(rss "$TM_PID")

# --- the floor: one raw OpenSSL RSA-2048 signature with a parsed key
RAW_MS=$("$B/bench_sign" $((1000 / Q)) | awk '/rsa sign only/ { print $7 }')

# --- start time, RSS and per-message CPU at 10 / 10,000 / 100,000 tenants
for n in 10 10000 100000; do
	p=$(h_port)
	sed -i "s/@PORT@/$p/" "$H/scale$n/tenant-milter.conf"
	t0=$(date +%s%N)
	h_daemon "scale$n" "$top_builddir/src/daemon/tenant-milter" -f -c "$H/scale$n/tenant-milter.conf"
	h_nudge_port "scale$n" "$p"
	until "$LOAD" -q "$p" >/dev/null 2>&1; do
		h_alive "$(h_pid "scale$n")" || h_die "scale $n did not start: $(tail -3 "$H/scale$n.log")"
		sleep 0.02
	done
	echo "scale$n start_ms=$(( ($(date +%s%N) - t0) / 1000000 )) start_cpu_s=$(awk '{ print ($14 + $15) / 100 }' "/proc/$(h_pid "scale$n")/stat") rss_kb=$(rss "$(h_pid "scale$n")")" >>"$H/scale"
	settle "$(h_pid "scale$n")"
	run "scale$n" "$p" "$(h_pid "scale$n")" t000001.example 2048 1 $((1000 / Q))
	h_stop "scale$n"
done

# --- Postfix end to end: smtp-source, 4 sessions, 2 KB, into the loopback
# Postfix (mail discarded after the queue), with no milter, with
# tenant-milter, with OpenDKIM.  The milters on unix sockets, as in
# production: over loopback TCP every milter's several reply packets at
# the end of a message wait for Postfix's delayed ACK (Nagle), about 40 ms
# a message whatever the milter.  The sockets are opened to all (0666)
# for the Postfix user: a throwaway directory, bench only.
sed "s|^socket = .*|socket = \"unix:$H/tm.sock\";|" "$H/conf/main.conf" >"$H/conf/main-unix.conf"
h_daemon tm-unix "$top_builddir/src/daemon/tenant-milter" -f -c "$H/conf/main-unix.conf"
sed -e "s|^Socket .*|Socket local:$H/od.sock|" -e "s|^PidFile .*|PidFile $H/od-unix.pid|" \
	"$H/od-rsa/opendkim.conf" >"$H/od-unix.conf"
h_daemon od-unix opendkim -f -x "$H/od-unix.conf"
h_wait_for 20 test -S "$H/tm.sock" -a -S "$H/od.sock" || h_die "unix-socket milters did not start"
chmod 666 "$H/tm.sock" "$H/od.sock"
settle "$(h_pid tm-unix)"
h_postconf "default_transport = discard:bench"
PF_N=$((2000 / Q))
for cfg in none tm od; do
	case $cfg in
	none) m= ;; tm) m=unix:$H/tm.sock ;; od) m=unix:$H/od.sock ;;
	esac
	h_postconf "smtpd_milters = $m" "non_smtpd_milters = $m"
	t0=$(date +%s%N)
	smtp-source -s 4 -m "$PF_N" -l 2048 -f claim@rsa.example -t u@dest.example \
		"127.0.0.1:$H_SMTP_PORT" || BROKEN=1
	echo "postfix-$cfg ms=$(( ($(date +%s%N) - t0) / 1000000 )) msgs=$PF_N" >>"$H/pf.results"
done
grep -q "rsa.example" "$H/tm-unix.log" || { echo "BROKEN: tenant-milter saw no Postfix mail" >&2; BROKEN=1; }

# --- verify the sampled signatures: a fast wrong signer cannot score
bin=$(h__verify_opendkim_bin)
find "$H/sample" -name '*.eml' | sort >"$H/sample.list"
"$bin" "$H_DNS_PORT" $(cat "$H/sample.list") >"$H/sample.opendkim" 2>&1
/usr/bin/python3 "$H_E2E_DIR/verify-dkimpy.py" "$H_DNS_PORT" $(grep /tm- "$H/sample.list") >"$H/sample.dkimpy" 2>&1
S_N=$(wc -l <"$H/sample.list")
S_OK=$(grep -c ': opendkim: pass' "$H/sample.opendkim")
S_PY=$(grep -c ': dkimpy: pass' "$H/sample.dkimpy")
S_PYN=$(grep -c /tm- "$H/sample.list")
[ "$S_OK" -eq "$S_N" ] && [ "$S_PY" -eq "$S_PYN" ] || BROKEN=1

# --- report
f() {	# f LABEL SIZE CONNS FIELD: the figure of that run
	awk -v l="$1" -v s="size=$2" -v c="conns=$3" -v k="$4" '
		$1 == l && $2 == s && index($0, " " c " ") {
			for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
		}' "$R"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
name() { case $1 in 2048) echo "2 KB" ;; 51200) echo "50 KB" ;; *) echo "1 MB" ;; esac; }
echo
echo "tenant-milter benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "milter CPU ms per message | msgs/s, c=1 and c=8 (driver CPU ms/msg in brackets)"
printf '%-12s' ""; for size in $sizes; do printf '| %-38s' "$(name "$size")"; done; echo
for l in null od-rsa od-ed tm-rsa tm-ed tm-dual tm-provider; do
	printf '%-12s' "$l"
	for size in $sizes; do
		printf '| %6s %7s  %6s %7s [%s] ' "$(f $l $size 1 milter_cpu_ms_per_msg)" \
			"$(f $l $size 1 msgs_per_s)" "$(f $l $size 8 milter_cpu_ms_per_msg)" \
			"$(f $l $size 8 msgs_per_s)" "$(f $l $size 1 driver_cpu_ms_per_msg)"
	done
	echo
done
echo
echo "ratios of milter CPU per message (c=1; c=8 in brackets)"
for size in $sizes; do
	for pair in "tm-rsa od-rsa" "tm-dual tm-rsa" "tm-rsa null" "tm-ed od-ed" "tm-dual tm-provider"; do
		set -- $pair
		printf '  %-6s %-12s / %-12s %5s  [%s]\n' "$(name $size)" "$1" "$2" \
			"$(ratio "$(f $1 $size 1 milter_cpu_ms_per_msg)" "$(f $2 $size 1 milter_cpu_ms_per_msg)")" \
			"$(ratio "$(f $1 $size 8 milter_cpu_ms_per_msg)" "$(f $2 $size 8 milter_cpu_ms_per_msg)")"
	done
done
NULL1=$(f null 2048 1 milter_cpu_ms_per_msg)
FLOOR=$(awk -v a="$NULL1" -v b="$RAW_MS" 'BEGIN { printf "%.4f", a + b }')
printf '  2 KB   tm-rsa / (null + one raw RSA sign %s ms = %s ms)  %s\n' "$RAW_MS" "$FLOOR" \
	"$(ratio "$(f tm-rsa 2048 1 milter_cpu_ms_per_msg)" "$FLOOR")"
echo
echo "RSS (kB): tenant-milter at start $TM_RSS0, after all runs $TM_RSS1"
echo "  Ed25519, $((20000 / Q)) messages: tenant-milter $ED0 -> $ED1 (+$((ED1 - ED0))), OpenDKIM $OD0 -> $OD1 (+$((OD1 - OD0)))"
echo
echo "start (until the socket answers) and per-message CPU (provider mode, 2 KB, c=1) by tenants:"
for n in 10 10000 100000; do
	printf '  %6s tenants: %s, %s ms/msg\n' "$n" "$(grep "^scale$n " "$H/scale" | cut -d' ' -f2-)" \
		"$(f "scale$n" 2048 1 milter_cpu_ms_per_msg)"
done
echo
echo "Postfix end to end (smtp-source -s 4, $PF_N x 2 KB, queue then discard; milters on unix sockets):"
PF0=$(awk '/^postfix-none/ { split($2, a, "="); print a[2] }' "$H/pf.results")
for cfg in none tm od; do
	ms=$(awk -v c="postfix-$cfg" '$1 == c { split($2, a, "="); print a[2] }' "$H/pf.results")
	printf '  %-14s %6s ms  %7s msgs/s  cost %s%%\n' "$cfg" "$ms" \
		"$(awk -v n="$PF_N" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / ms }')" \
		"$(awk -v a="$PF0" -v b="$ms" 'BEGIN { printf "%.0f", (1 - a / b) * 100 }')"
done
echo
echo "sampled signatures verified: libopendkim $S_OK/$S_N, dkimpy (tenant-milter's) $S_PY/$S_PYN"
[ "$BROKEN" = 0 ] || { echo "BROKEN: see $R and $H (kept)"; exit 1; }
