#!/bin/bash
# t-runas.sh - `tenant-milter -t` and `tenantctl check`, run as root with
# `user` set, check that this user can read every file the daemon reads
# after dropping privileges: each refusal names the file (or the directory
# on its path) and the fix, and the fix printed makes the check pass.  As
# root without `user`: a warning.  Run as nobody (group nogroup).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
	ok "run-as checks # SKIP need root and a nobody user"; done_testing; exit
fi
G=$(id -gn nobody)
chmod 711 "$T_TMP"
runas_conf() {	# runas_conf NAME: fresh config, user nobody, all readable but keys
	local d
	d=$(fresh "$1")
	echo 'user = "nobody";' >>"$d/main.conf"
	chmod 755 "$d" "$d/tenants.d"; chmod 644 "$d/main.conf" "$d"/tenants.d/*
	echo "$d"
}
fix_from() {	# fix_from: run the fix printed after the last ": " of the first error
	local cmd
	cmd=$(printf '%s\n' "$OUT" | grep -v 'warning:' | grep -m1 -o '): ch[a-z]* .*' | sed 's/^): //; s/ (it stays mode 0600)$//')
	[ -n "$cmd" ] && eval "$cmd"
}

# --- the keys directory (0700 root) is not searchable by the user
d=$(runas_conf dir)
expect "-t: keys directory not searchable names the directory and the fix" "$d" 1 \
	"$d/main.conf:7: provider: key $d/keys/p.key: directory $d/keys is not searchable by user nobody" \
	"chgrp $G $d/keys; chmod g\+x $d/keys$"
PROG=tenantctl expect "tenantctl check: the same for a tenant key" "$d" 1 \
	"$d/tenants.d/acme.conf:10: tenant acme: key $d/tenants.d/../keys/acme.key: directory $d/tenants.d/../keys is not searchable"
run_check "$d"; fix_from
# --- then the key files themselves (0600 root)
expect "after that fix: a key 0600 root names the file, fix chown (mode kept)" "$d" 1 \
	"$d/main.conf:7: provider: key $d/keys/p.key: not readable by user nobody" "chown nobody $d/keys/p.key \(it stays mode 0600\)$"
for k in "$d"/keys/*.key; do chown nobody "$k"; done
expect "keys owned by the user: valid" "$d" 0 "$d/main.conf: configuration valid"

# --- a tenant file and the tenants directory
d=$(runas_conf tfile); chown nobody "$d"/keys/*; chgrp "$G" "$d/keys"; chmod 710 "$d/keys"
chmod 600 "$d/tenants.d/acme.conf"
expect "tenant file 0600 root: named, fix chgrp + chmod 0640" "$d" 1 \
	"$d/tenants.d/acme.conf: tenant acme: tenant file $d/tenants.d/acme.conf: not readable by user nobody" \
	"chgrp $G $d/tenants.d/acme.conf; chmod 0640 $d/tenants.d/acme.conf$"
run_check "$d"; fix_from
expect "after the printed fix: valid" "$d" 0 "$d/main.conf: configuration valid"
chmod 700 "$d/tenants.d"
expect "tenants directory 0700 root: named with the fix" "$d" 1 \
	"$d/main.conf: tenants directory $d/tenants.d: not readable by user nobody" "chmod 0750 $d/tenants.d$"

# --- root without user: valid, with a warning
d=$(fresh nouser)
expect "root without user: a warning, still valid" "$d" 0 "$d/main.conf: warning: user is not set: the daemon will run as root"

# --- not root: no run-as check (nothing to switch to), no warning
d=$(runas_conf notroot); chown -R nobody "$d"
OUT=$(setpriv --reuid=nobody --regid="$G" --clear-groups "$MILTER" -t -c "$d/main.conf" 2>&1); RC=$?
if [ $RC -eq 0 ] && ! printf '%s\n' "$OUT" | grep -q 'user is not set\|not readable'; then
	ok "run as the user itself: valid, no run-as message"
else
	not_ok "run as the user itself: valid, no run-as message" "exit $RC" "$OUT"
fi
done_testing
