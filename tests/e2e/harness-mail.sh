# harness-mail.sh - SMTP sink, throwaway Postfix instance, swaks.
# Sourced by harness.sh; needs h_init first.
#
# Sink (sink.py on 127.0.0.1:$H_SINK_PORT, messages in $H/sink/)
#   h_sink_start           start it; each message -> $H/sink/NNNN.eml (LF
#                          line ends) + NNNN.env (MAIL FROM / RCPT TO lines)
#   h_sink_count           print how many messages arrived
#   h_sink_wait N [T]      wait until >= N messages arrived (T s, default 20)
#   h_sink_last            print the path of the newest message
#   h_sink_fail [REPLY]    make the sink answer MAIL FROM with REPLY
#                          (default "451 4.3.0 ..."), so deliveries defer;
#                          h_sink_fail off  restores normal service
# Postfix ($H/postfix/etc = config_directory, .../spool = queue_directory)
#   h_postfix_start [SMTPD_MILTERS [NON_SMTPD_MILTERS]]
#                          smtpd on 127.0.0.1:$H_SMTP_PORT; mail relayed to
#                          the sink; milter_default_action=tempfail, protocol
#                          6; log in $H/postfix.log ($H_POSTFIX_LOG)
#   h_postconf K=V...      change main.cf (postconf -e); if Postfix runs,
#                          reload it and wait until old smtpd processes left
#   h_postfix_stop         postfix stop, then make sure the master PID is gone
#   h_postfix_enable_sasl USER PASS
#                          SASL PLAIN/LOGIN from a private sasldb; Postfix's
#                          {auth_authen} is exactly USER (call again for more
#                          users); works before or after h_postfix_start
#   h_postqueue ARGS...    postqueue -c $H_POSTFIX_CONF ARGS (-p list, -f flush)
#   h_queue_count          print the number of messages in the queue
#   h_postfix_log_wait REGEX [T]  wait until $H/postfix.log matches REGEX
# Sending
#   h_send ARGS...         swaks --server 127.0.0.1 --port $H_SMTP_PORT ARGS;
#                          returns swaks' exit status; transcript appended to
#                          $H/swaks.log, last one in $H/swaks.last
#   h_send_reply           print the last server reply line of the last
#                          h_send (e.g. "451 4.7.1 Service unavailable ...")

H_POSTFIX_CONF=
H_POSTFIX_LOG=
H_SEND_N=0

h_sink_start() {
    mkdir -p "$H/sink"
    h_daemon sink "$H_PY" "$H_E2E_DIR/sink.py" "$H_SINK_PORT" "$H/sink"
    h_wait_port "$H_SINK_PORT" 10 || h_die "sink did not start; see $H/sink.log"
}

h_sink_count() {
    local f n=0
    for f in "$H"/sink/*.eml; do [ -e "$f" ] && n=$((n + 1)); done
    echo "$n"
}

h__sink_has() { [ "$(h_sink_count)" -ge "$1" ]; }

h_sink_wait() { h_wait_for "${2:-20}" h__sink_has "$1"; }

h_sink_last() {
    local f last=
    for f in "$H"/sink/*.eml; do [ -e "$f" ] && last=$f; done
    [ -n "$last" ] && echo "$last"
}

h_sink_fail() {
    if [ "${1:-}" = off ]; then
        rm -f "$H/sink/.fail"
    else
        echo "${1:-451 4.3.0 harness sink told to defer}" >"$H/sink/.fail"
    fi
}

h__postfix_main_cf() {
    local p=$H/postfix
    cat <<EOF
compatibility_level = 3.6
queue_directory = $p/spool
data_directory = $p/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.harness.test
mydomain = harness.test
myorigin = \$mydomain
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 local delivery disabled in the harness
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8 [::1]/128
relayhost = [127.0.0.1]:$H_SINK_PORT
default_transport = smtp
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP harness
disable_mime_output_conversion = yes
biff = no
append_dot_mydomain = no
notify_classes =
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0h
smtp_connect_timeout = 5s
smtpd_milters = ${1:-}
non_smtpd_milters = ${2:-}
milter_default_action = tempfail
milter_protocol = 6
milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}
milter_connect_timeout = 5s
milter_command_timeout = 15s
milter_content_timeout = 30s
cyrus_sasl_config_path = $p/etc/sasl
smtpd_sasl_local_domain =
smtpd_sasl_security_options = noanonymous
maillog_file = $H/postfix.log
maillog_file_prefixes = $H
EOF
}

# chroot is off everywhere: nothing has to be copied into the queue dir.
h__postfix_master_cf() {
    cat <<EOF
127.0.0.1:$H_SMTP_PORT inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

h_postfix_start() {
    local p=$H/postfix pid
    H_POSTFIX_CONF=$p/etc
    H_POSTFIX_LOG=$H/postfix.log
    export H_POSTFIX_CONF H_POSTFIX_LOG
    mkdir -p "$p/etc/sasl" "$p/spool" "$p/data"
    chown postfix "$p/data"
    [ -f "$p/etc/main.cf" ] || h__postfix_main_cf "${1:-}" "${2:-}" >"$p/etc/main.cf"
    [ $# -gt 0 ] && postconf -c "$p/etc" -e "smtpd_milters = $1" "non_smtpd_milters = ${2:-}"
    h__postfix_master_cf >"$p/etc/master.cf"
    h__postfix_backdate
    runuser -u postfix -- test -x "$p/spool" ||
        h_die "user postfix cannot reach $p/spool: TMPDIR must be searchable by all"
    : >>"$H/postfix.log"
    postfix -c "$p/etc" start >>"$H/postfix-ctl.log" 2>&1 ||
        h_die "postfix start failed: $(tail -5 "$H/postfix-ctl.log")"
    pid=$(tr -dc 0-9 <"$p/spool/pid/master.pid" 2>/dev/null)
    [ -n "$pid" ] || h_die "no Postfix master PID in $p/spool/pid/master.pid"
    h_register postfix "$pid"
    h_wait_port "$H_SMTP_PORT" 10 || h_die "Postfix smtpd not listening; see $H/postfix.log"
}

# h__postfix_backdate - postfix(1) waits until main.cf and master.cf are
# over a second old before start/reload; a test need not.
h__postfix_backdate() {
    touch -d '-3 seconds' "$H_POSTFIX_CONF/main.cf" "$H_POSTFIX_CONF/master.cf" 2>/dev/null
    return 0
}

# h__smtpd_pids - smtpd processes of this instance's master
h__smtpd_pids() { pgrep -P "$(h_pid postfix)" -x smtpd 2>/dev/null; }

h__none_alive() { local p; for p in "$@"; do h_alive "$p" && return 1; done; return 0; }

h_postconf() {
    local old
    [ -n "$H_POSTFIX_CONF" ] || H_POSTFIX_CONF=$H/postfix/etc
    [ -f "$H_POSTFIX_CONF/main.cf" ] || {
        mkdir -p "$H_POSTFIX_CONF"
        h__postfix_main_cf >"$H_POSTFIX_CONF/main.cf"
    }
    postconf -c "$H_POSTFIX_CONF" -e "$@" || h_die "postconf -e $* failed"
    h__postfix_backdate
    [ -n "$(h_pid postfix)" ] || return 0
    old=$(h__smtpd_pids)
    postfix -c "$H_POSTFIX_CONF" reload >>"$H/postfix-ctl.log" 2>&1 || h_die "postfix reload failed"
    # shellcheck disable=SC2086
    h_wait_for 10 h__none_alive $old || h_die "old smtpd processes did not exit after reload"
}

h_postfix_stop() {
    local pid kids
    pid=$(h_pid postfix) || return 0
    [ -n "$pid" ] || return 0
    kids=$(h__descendants "$pid")
    [ -n "$kids" ] && echo "$kids" >>"$H/run/seen"
    postfix -c "$H_POSTFIX_CONF" stop >>"$H/postfix-ctl.log" 2>&1
    # shellcheck disable=SC2086
    h_wait_for 10 h__none_alive "$pid" $kids || h__kill_pids "$pid" "$pid" $kids
    rm -f "$H/run/postfix.pid"
}

h_postfix_enable_sasl() {
    local user=$1 pass=$2 db=$H/postfix/sasldb
    mkdir -p "$H/postfix/etc/sasl"
    printf '%s\n' "$pass" | saslpasswd2 -p -c -f "$db" -u mx.harness.test "$user" ||
        h_die "saslpasswd2 failed for $user"
    chown root:postfix "$db" && chmod 640 "$db"
    cat >"$H/postfix/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $db
EOF
    h_postconf smtpd_sasl_auth_enable=yes
}

h_postqueue() { postqueue -c "$H_POSTFIX_CONF" "$@"; }

h_queue_count() {
    h_postqueue -j 2>/dev/null | grep -c '"queue_id"' || :
}

h_postfix_log_wait() {
    h_wait_for "${2:-10}" grep -Eq -- "$1" "$H_POSTFIX_LOG"
}

h_send() {
    local rc=0
    H_SEND_N=$((H_SEND_N + 1))
    swaks --server 127.0.0.1 --port "$H_SMTP_PORT" --helo client.harness.test \
        --timeout 60 "$@" >"$H/swaks.last" 2>&1 || rc=$?
    { echo "=== h_send #$H_SEND_N: $* (exit $rc)"; cat "$H/swaks.last"; } >>"$H/swaks.log"
    return "$rc"
}

h_send_reply() { grep -E '^ *<[*~-]* [0-9]{3}[ -]' "$H/swaks.last" | tail -1 | sed -E 's/^ *<[*~-]* //'; }
