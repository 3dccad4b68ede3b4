#!/bin/bash
# t-milter-daemon.sh - the daemon's life, through a real Postfix: a unix
# socket, privileges dropped to `user` after binding (the socket chowned
# to it, keys read as that user), -V, -t, SIGTERM ending with exit 0, and
# a daemon that refuses to start on an invalid configuration.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/milter-lib.sh"
h_init milter-daemon
h_plan 10

h_ok "-V prints the version" sh -c "'$M_MILTER' -V | grep -q '^tenant-milter [0-9]'"

# The standard setup, then move the milter to a unix socket, run as the
# postfix user (it owns Postfix's smtpd side here; in production a
# tenant-milter user whose group postfix is in).
m_setup
h_stop milter
sock=$H/run/milter.sock
sed -i "s|^socket = .*|socket = \"unix:$sock\";\nuser = \"postfix\";|" "$H/conf/main.conf"
chown -R postfix: "$H/conf/keys"		# keys readable by the run user only
only_eps() {	# -t fails for eps's missing key, and for nothing else
	"$M_MILTER" -t -c "$H/conf/main.conf" >"$H/t.out" 2>&1
	[ $? -eq 1 ] && grep -q 'tenant eps: key' "$H/t.out" &&
		! grep -v 'tenant eps: key\|warning:' "$H/t.out" | grep -q ': '
}
h_ok "-t: exit 1 for eps's missing key, no other error" only_eps
h_daemon milter2 "$M_MILTER" -f -c "$H/conf/main.conf"
h_wait_for 10 test -S "$sock"
h_postconf "smtpd_milters = unix:$sock" "non_smtpd_milters = unix:$sock"
pid=$(h_pid milter2)
uid=$(id -u postfix)
h_ok "started as root, running as postfix after binding (uid $uid)" \
	grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid" "/proc/$pid/status"
h_ok "the unix socket belongs to the run user, mode 0770" \
	test "$(stat -c '%U %a' "$sock")" = "postfix 770"
m_deliver --from claim@acme.example --to u@dest.example --header X-Tenant-ID:acme \
	--header 'From: claim@acme.example' --header 'Subject: over a unix socket'
h_ok "mail through the unix socket is signed and verifies" \
	m_verify_sigs "$M_FILE" opendkim "acme.example/s1 rsa-sha256=pass"
h_ok "keys were read as the run user (no tenant isolated but eps)" \
	sh -c "! grep 'cannot be used\|not readable' '$H/milter2.log' | grep -v 'tenant eps'"

# SIGTERM: stop accepting, finish, exit 0, logged.
kill -TERM "$pid"
gone() { ! h_alive "$pid"; }	# h_alive counts a zombie as gone
h_wait_for 20 gone
h_ok "SIGTERM: the milter exits" gone
wait "$pid" 2>/dev/null; rc=$?
h_ok "SIGTERM: exit status 0 (got $rc)" test "$rc" -eq 0
h_ok "SIGTERM: logged 'stopped'" grep -q 'tenant-milter: stopped' "$H/milter2.log"

# An invalid configuration: no start, exit 1, FILE:LINE on stderr.
echo 'socket = ;' >>"$H/conf/main.conf"
out=$("$M_MILTER" -f -c "$H/conf/main.conf" 2>&1); rc=$?
h_ok "invalid configuration: does not start, exit 1, FILE:LINE" \
	sh -c "[ $rc -eq 1 ] && printf '%s' '$out' | grep -q '$H/conf/main.conf:[0-9]*: syntax error'"
