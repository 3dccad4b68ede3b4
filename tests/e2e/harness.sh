# harness.sh - bash library for tenant-milter end-to-end tests.  Source it:
#     . "$(dirname "$0")/harness.sh"; h_init mytest
# Everything runs on 127.0.0.1 under a private directory $H; every server it
# starts is stopped by PID when the test exits, also on failure (EXIT trap).
# Safe under `set -u`.  Python helpers run with /usr/bin/python3 (Debian's
# dnspython/dkimpy; a pyenv python3 on PATH would not see them).
#
# Core (this file)
#   h_init NAME          make $H, install the EXIT trap, pick the ports
#                        $H_DNS_PORT $H_SMTP_PORT $H_SINK_PORT $H_MILTER_PORT
#                        $H_OPENDKIM_PORT (all free on 127.0.0.1, TCP+UDP)
#   h_port               print one more free loopback port
#   h_daemon NAME CMD..  run CMD in the background (it must stay in the
#                        foreground), output to $H/NAME.log, PID registered
#   h_register NAME PID  register a PID started some other way
#   h_pid NAME           print NAME's registered PID
#   h_nudge_port NAME PORT  NAME is a libmilter daemon listening on
#                        127.0.0.1:PORT: h_stop connects there after TERM,
#                        else libmilter notices the TERM only within 5s
#   h_stop NAME...       stop these by PID: TERM all, wait <= 8s for them
#                        and their child processes, then KILL the rest
#   h_stop_all           stop everything (postfix first), newest first
#   h_all_pids           print every PID the harness ever registered,
#                        plus the children seen when it stopped them
#   h_alive PID          true if PID exists and is not a zombie
#   h_wait_port PORT [T] wait until 127.0.0.1:PORT accepts TCP (T s, def 10)
#   h_wait_for T CMD..   run CMD every 0.1s until it succeeds or T s pass
#   h_on_exit CMD        extra cleanup command, run before servers stop
#   h_log MSG / h_die MSG  message to stderr / message and exit 1
# TAP
#   h_plan N; h_ok DESC CMD..; h_not_ok ... ; h_skip DESC REASON; h_diag MSG
#   h_ok runs CMD and prints "ok N - DESC" or "not ok N - DESC"; the
#   script's exit status becomes 1 if any test failed or the count differs
#   from the plan.  h_not_ok DESC CMD.. expects CMD to fail.
# The other parts are in harness-dns.sh (NSD), harness-mail.sh (sink,
# Postfix, swaks) and harness-dkim.sh (keys, verifiers, opendkim signer);
# each starts with its own function list.
# Environment: H_KEEP=1 keeps $H after a passing run (it is always kept,
# and its path printed, after a failing one); TMPDIR as usual.

H_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
H_PY=/usr/bin/python3
H=
H_TESTS=0
H_FAILED=0
H_PLANNED=
H_NUDGE=
H_SAN_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: '
# TM_SANITIZE=1 builds: full stacks for allocations made inside libcrypto
# (built without frame pointers), so that tests/lsan.supp can name
# libopendkim's known leak; here only, as it slows every malloc down.
export ASAN_OPTIONS=${ASAN_OPTIONS-fast_unwind_on_malloc=0}
export LSAN_OPTIONS=${LSAN_OPTIONS-suppressions=$H_E2E_DIR/../lsan.supp}

h_log() { printf 'harness: %s\n' "$*" >&2; }
h_die() { h_log "$*"; exit 1; }

h_port() { "$H_PY" "$H_E2E_DIR/freeport.py" 1; }

# h_init NAME - private dir, trap, ports
h_init() {
    local name=${1:-e2e} ports
    H=$(mktemp -d "${TMPDIR:-/tmp}/h-$name.XXXXXX") || h_die "mktemp failed"
    # Postfix daemons (user postfix) must be able to reach the queue below $H.
    chmod 755 "$H"
    mkdir -p "$H/run" "$H/keys" && chmod 700 "$H/keys"
    : >"$H/run/order"
    : >"$H/run/seen"
    trap h__exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ports=$("$H_PY" "$H_E2E_DIR/freeport.py" 5) || h_die "no free ports"
    # shellcheck disable=SC2086
    set -- $ports
    H_DNS_PORT=$1 H_SMTP_PORT=$2 H_SINK_PORT=$3 H_MILTER_PORT=$4
    H_OPENDKIM_PORT=$5
    export H H_DNS_PORT H_SMTP_PORT H_SINK_PORT H_MILTER_PORT H_OPENDKIM_PORT
}

h_on_exit() { printf '%s\n' "$*" >>"$H/run/on-exit"; }

h__exit() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$H_PLANNED" ] && [ "$H_TESTS" -ne "$H_PLANNED" ]; then
        echo "# planned $H_PLANNED tests but ran $H_TESTS"
        rc=1
    fi
    [ "$H_FAILED" -gt 0 ] && rc=1
    if [ -n "$H" ] && [ -d "$H/run" ]; then
        if [ -f "$H/run/on-exit" ]; then
            while IFS= read -r cmd; do eval "$cmd" || :; done <"$H/run/on-exit"
        fi
        h_stop_all
        # A TM_SANITIZE=1 daemon reports at exit into its log, which a
        # passing run would delete unread: show any report and fail.
        if grep -q -E "$H_SAN_RE" "$H"/*.log 2>/dev/null; then
            grep -H -E -A8 "$H_SAN_RE" "$H"/*.log | sed 's/^/# /'
            rc=1
        fi
        if [ "$rc" -eq 0 ] && [ "${H_KEEP:-0}" != 1 ]; then
            rm -rf "$H"
        else
            h_log "kept $H"
        fi
    fi
    exit "$rc"
}

h_alive() {
    local st
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    st=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$st" != Z ] && [ "$st" != X ]
}

h_register() {
    echo "$2" >"$H/run/$1.pid"
    echo "$2" >>"$H/run/seen"
    echo "$1" >>"$H/run/order"
}

h_daemon() {
    local name=$1; shift
    "$@" >>"$H/$name.log" 2>&1 &
    h_register "$name" $!
}

h_pid() { cat "$H/run/$1.pid" 2>/dev/null; }

h_nudge_port() { echo "$2" >"$H/run/$1.nudge"; }

# h__descendants PID - every descendant PID, one a line
h__descendants() {
    local c
    for c in $(pgrep -P "$1" 2>/dev/null); do
        echo "$c"
        h__descendants "$c"
    done
}

# h__kill_pids "MAIN..." ALL... - TERM the MAIN PIDs, wait up to 8s for
# ALL of them (mains and their descendants) to go, then KILL what is left.
# libmilter daemons (opendkim) take up to ~5s to leave their accept loop.
h__kill_pids() {
    local p end=$((SECONDS + 8)) left n=0 port
    # shellcheck disable=SC2086
    kill -TERM $1 2>/dev/null
    shift
    while :; do
        left=
        for p in "$@"; do h_alive "$p" && left="$left $p"; done
        [ -z "$left" ] && break
        # libmilter looks at its stop flag only every 5s or after accept():
        # connect to the registered listen ports to wake it up.
        if [ $((n++ % 5)) -eq 1 ]; then
            for port in $H_NUDGE; do h__port_open "$port"; done
        fi
        if [ "$SECONDS" -ge "$end" ]; then
            h_log "still alive 8s after TERM, killing:$left"
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null
            end=$((SECONDS + 5))
        fi
        sleep 0.1
    done
    for p in "$@"; do wait "$p" 2>/dev/null; done
    return 0
}

# h_stop NAME... - stop these servers by PID, all at once
h_stop() {
    local name pid kids mains="" all="" H_NUDGE=""
    for name in "$@"; do
        pid=$(h_pid "$name") || continue
        [ -n "$pid" ] || continue
        H_NUDGE="$H_NUDGE $(cat "$H/run/$name.nudge" 2>/dev/null)"
        kids=$(h__descendants "$pid")
        [ -n "$kids" ] && echo "$kids" >>"$H/run/seen"
        mains="$mains $pid"
        all="$all $pid $kids"
        rm -f "$H/run/$name.pid"
    done
    [ -n "$mains" ] || return 0
    # shellcheck disable=SC2086
    h__kill_pids "$mains" $all
}

h_stop_all() {
    local name names=
    if [ -f "$H/run/postfix.pid" ] && declare -F h_postfix_stop >/dev/null; then
        h_postfix_stop
    fi
    for name in $(tac "$H/run/order"); do
        [ -f "$H/run/$name.pid" ] && names="$names $name"
    done
    # shellcheck disable=SC2086
    [ -z "$names" ] || h_stop $names
    return 0
}

h_all_pids() { sort -un "$H/run/seen"; }

h_wait_for() {
    local t=$1 end; shift
    end=$(($(date +%s%N) + t * 1000000000))
    until "$@"; do
        [ "$(date +%s%N)" -ge "$end" ] && return 1
        sleep 0.1
    done
}

h__port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

h_wait_port() { h_wait_for "${2:-10}" h__port_open "$1"; }

# TAP
h_plan() { H_PLANNED=$1; echo "1..$1"; }
h_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

h_ok() {
    local desc=$1; shift
    H_TESTS=$((H_TESTS + 1))
    if "$@"; then
        echo "ok $H_TESTS - $desc"
    else
        H_FAILED=$((H_FAILED + 1))
        echo "not ok $H_TESTS - $desc"
    fi
}

h_not_ok() {
    local desc=$1; shift
    H_TESTS=$((H_TESTS + 1))
    if "$@"; then
        H_FAILED=$((H_FAILED + 1))
        echo "not ok $H_TESTS - $desc"
    else
        echo "ok $H_TESTS - $desc"
    fi
}

h_skip() {
    H_TESTS=$((H_TESTS + 1))
    echo "ok $H_TESTS - $1 # SKIP $2"
}

. "$H_E2E_DIR/harness-dns.sh"
. "$H_E2E_DIR/harness-mail.sh"
. "$H_E2E_DIR/harness-dkim.sh"
