#!/bin/bash
# t-milter-stop.sh - SIGTERM stops promptly through a real Postfix: idle
# SMTP sessions do not hold the stop (their milter connections are closed,
# so their next MAIL FROM gets Postfix's 4xx, never unsigned acceptance), a
# message in flight finishes, signed, and the daemon exits 0 as soon as
# none is left.  Exit times are printed as figures; only the bound (the
# 60 s grace period) is asserted.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-stop
h_plan 18
m_setup
h_stop milter
GRACE=60
N_IDLE=5

run=0
start_milter() {	# a fresh daemon; $pid
	run=$((run + 1))
	h_daemon "stop$run" "$M_MILTER" -f -c "$H/conf/main.conf"
	pid=$(h_pid "stop$run")
	h_wait_port "$H_MILTER_PORT" || h_die "milter did not start"
}
hold() {		# hold NAME MODE: a held SMTP session; waits for "ready"
	h_daemon "$1" /usr/bin/python3 "$H_E2E_DIR/smtphold.py" "$H_SMTP_PORT" "$2" "$H/go.$run"
	h_wait_for 20 grep -q '^ready' "$H/$1.log"
}
gone() { ! h_alive "$pid"; }
term_and_time() {	# SIGTERM; $secs = time to exit (or "" past the bound)
	local t0 t1
	t0=$(date +%s%N)
	kill -TERM "$pid"
	[ -n "${1:-}" ] && { sleep "$1"; touch "$H/go.$run"; }
	if h_wait_for $((GRACE + 10)) gone; then
		t1=$(date +%s%N)
		secs=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
	else
		secs=
	fi
	wait "$pid" 2>/dev/null; rc=$?
}
# exit_ok - status 0, within the grace period (the only timed bound)
exit_ok() { [ "$rc" -eq 0 ] && [ -n "$secs" ] && awk -v s="$secs" -v g=$GRACE 'BEGIN { exit !(s <= g) }'; }

# --- no session at all
start_milter
term_and_time
h_diag "exit time, no session: ${secs:-over ${GRACE}s} s"
h_ok "no session: exits within the grace period, status 0 (got $rc)" \
	exit_ok

# --- idle Postfix sessions only
start_milter
for i in $(seq $N_IDLE); do hold "idle$run.$i" idle; done
term_and_time
h_diag "exit time, $N_IDLE idle sessions: ${secs:-over ${GRACE}s} s"
h_ok "$N_IDLE idle sessions: exits within the grace period, status 0 (got $rc)" \
	exit_ok
# Idle sessions are closed when the milter has seen them (with the no-reply
# steps negotiated, Postfix may not have sent their connect event yet).
h_ok "idle sessions: the stop is logged, nothing in flight" \
	grep -Eq "stopping: [0-9]+ idle connections closed, 0 messages in flight" "$H/stop$run.log"
touch "$H/go.$run"
idle_refused() {	# every idle client's next MAIL FROM got a 4xx
	local f
	for f in "$H"/idle$run.*.log; do
		grep -Eq '^mail: 4[0-9][0-9] ' "$f" || { cat "$f"; return 1; }
	done
}
h_wait_for 20 sh -c "[ \$(cat '$H'/idle$run.*.log | grep -c '^mail:') -eq $N_IDLE ]"
h_ok "idle sessions: the next MAIL FROM gets 4xx (milter_default_action)" idle_refused

# --- a message in flight (plus idle sessions): it finishes, signed
start_milter
for i in $(seq $N_IDLE); do hold "idle$run.$i" idle; done
hold "busy$run" busy
before=$(h_sink_count)
term_and_time 1		# the busy client sends the rest of its message 1 s later
h_diag "exit time, $N_IDLE idle + 1 busy (rest of the message sent after 1 s): ${secs:-over ${GRACE}s} s"
h_ok "busy: exits within the grace period, status 0 (got $rc)" \
	exit_ok
h_ok "busy: logged with 1 message in flight" \
	grep -Eq "stopping: [0-9]+ idle connections closed, 1 messages in flight" "$H/stop$run.log"
h_wait_for 20 grep -q '^data:' "$H/busy$run.log"
h_ok "busy: the message in flight was accepted (250)" grep -q '^data: 250 ' "$H/busy$run.log"
h_sink_wait $((before + 1)) 30
M_FILE=$(h_sink_last)
h_ok "busy: it was delivered" test "$(h_sink_count)" -eq $((before + 1))
signed() { grep -q '^Subject: in flight at SIGTERM' "$M_FILE" && h_verify "$M_FILE" >"$H/verify.out" &&
	grep -q 'acme.example/s1 rsa-sha256=pass' "$H/verify.out"; }
h_ok "busy: signed, all three verifiers pass" signed
h_ok "busy: the decision was logged before the exit" \
	grep -q "tenant=acme via=header .*action=accept" "$H/stop$run.log"
h_wait_for 20 sh -c "[ \$(cat '$H'/idle$run.*.log | grep -c '^mail:') -eq $N_IDLE ]"
h_ok "busy: idle sessions got 4xx, never accepted unsigned" idle_refused
h_ok "logged 'stopped' each time" test "$(cat "$H"/stop*.log | grep -c 'tenant-milter: stopped')" -eq 3

# --- pidfile: the detached daemon's pid, one instance, removed at the end
mkdir -p "$H/conf/run"
sed -i '1i pidfile = "run/tenant-milter.pid";' "$H/conf/main.conf"
PF=$H/conf/run/tenant-milter.pid
"$M_MILTER" -c "$H/conf/main.conf" >"$H/detach.log" 2>&1
h_wait_for 10 test -s "$PF"
pid=$(cat "$PF" 2>/dev/null)
[ -n "$pid" ] && h_register detached "$pid"
h_ok "pidfile: names the detached daemon" \
	sh -c "[ -n '$pid' ] && [ \"\$(cat /proc/$pid/comm 2>/dev/null)\" = tenant-milter ]"
out=$("$M_MILTER" -f -c "$H/conf/main.conf" 2>&1); rc2=$?
h_ok "pidfile: a second instance refuses to start (exit 1, names the pid)" \
	sh -c "[ $rc2 -eq 1 ] && printf '%s' '$out' | grep -q 'already running (pid $pid, pidfile $PF)'"
h_wait_port "$H_MILTER_PORT"
h_ok "pidfile: the first instance still serves" h_alive "$pid"
kill -TERM "$pid"
h_wait_for 20 gone
h_ok "pidfile: removed when the daemon stops" test ! -e "$PF"

# --- the unit's capability bounding set and NoNewPrivileges are enough:
# -t as root, then the daemon binds, reads the keys (owned by the run user),
# drops to it and signs (systemd itself cannot run in this sandbox).
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top_srcdir/contrib/tenant-milter.service.in" |
	tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
sed -i "s|^socket = .*|&\nuser = \"postfix\";|" "$H/conf/main.conf"
chown -R postfix: "$H/conf/keys"
unit_caps=(setpriv --inh-caps=-all --bounding-set="-all,$caps" --no-new-privs)
"${unit_caps[@]}" "$M_MILTER" -t -c "$H/conf/main.conf" >"$H/unit-t.out" 2>&1
h_ok "unit capabilities ($caps): -t finds only eps's missing key" \
	sh -c "! grep -v 'tenant eps: key\|warning:' '$H/unit-t.out' | grep -q ': '"
run=$((run + 1))
h_daemon "stop$run" "${unit_caps[@]}" "$M_MILTER" -f -c "$H/conf/main.conf"
h_wait_port "$H_MILTER_PORT"
m_deliver --from claim@acme.example --to u@dest.example --header X-Tenant-ID:acme \
	--header 'From: claim@acme.example' --header 'Subject: unit capabilities'
unit_run() {	# running as postfix, and the message is signed
	local uid
	uid=$(id -u postfix)
	grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid" "/proc/$(h_pid "stop$run")/status" &&
		[ -n "$M_FILE" ] && m_verify_sigs "$M_FILE" opendkim "acme.example/s1 rsa-sha256=pass"
}
h_ok "unit capabilities: started, runs as postfix, signed a message" unit_run
