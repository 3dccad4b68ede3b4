#!/bin/bash
# t-milter-valgrind.sh - the daemon under valgrind memcheck through its
# whole life: start, a signed message, SIGHUP reload, another message,
# SIGTERM.  Fails on any memcheck error (invalid read or write, use of
# uninitialised memory, bad free) and on memory definitely lost by the
# process at exit.  Slow (valgrind): one short run only.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-valgrind
h_plan 6

command -v valgrind >/dev/null 2>&1 || h_die "valgrind is not installed (contrib/deps.sh installs it)"
VG_LOG=$H/valgrind.log
cat >"$H/vg-milter" <<EOF2
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --num-callers=30 --error-exitcode=99 \
	--log-file="$VG_LOG" "$M_MILTER" "\$@"
EOF2
chmod 755 "$H/vg-milter"
M_MILTER=$H/vg-milter M_START_WAIT=90 m_setup

send() { m_deliver --from claim@acme.example --to u@dest.example \
	--header "From: Claim <claim@acme.example>" --header "Subject: valgrind $1"; }
send 1
h_ok "under valgrind: a message signed and delivered" m_verify_sigs "$M_FILE" dkimpy "acme.example/s1 rsa-sha256=pass"
m_reload
h_ok "under valgrind: SIGHUP reloads" m_log_has "configuration reloaded"
send 2
h_ok "under valgrind: a message after the reload signed too" m_verify_sigs "$M_FILE" dkimpy "acme.example/s1 rsa-sha256=pass"

pid=$(h_pid milter)
h_postfix_stop
kill -TERM "$pid"
h_wait_for 120 sh -c "grep -q 'ERROR SUMMARY' '$VG_LOG'"
h_ok "SIGTERM: valgrind saw the process exit" grep -q 'ERROR SUMMARY' "$VG_LOG"
h_ok "no memcheck error over start, messages, reload and stop" \
	sh -c "grep -q 'ERROR SUMMARY: 0 errors' '$VG_LOG' || { cat '$VG_LOG' >&2; exit 1; }"
h_ok "nothing definitely lost at exit" \
	sh -c "! grep -E 'definitely lost: [1-9]' '$VG_LOG' || { grep -A30 'definitely lost in' '$VG_LOG' >&2; exit 1; }"
h_diag "$(grep -E 'definitely|indirectly|possibly|ERROR SUMMARY' "$VG_LOG" | sed 's/^==[0-9]*== //')"
