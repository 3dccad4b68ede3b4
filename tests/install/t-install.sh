#!/bin/bash
# t-install.sh - `make install` as an administrator gets it: the file list,
# man pages that render without a warning, a systemd unit that
# systemd-analyze accepts and whose paths are where the programs went, an
# existing configuration never overwritten, a clean uninstall.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
T=$(mktemp -d /tmp/tm-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() {			# ok DESCRIPTION CMD...: one TAP line
	local d=$1; shift
	n=$((n + 1))
	if "$@" >"$T/out" 2>&1; then echo "ok $n - $d"
	else echo "not ok $n - $d"; sed 's/^/# /' "$T/out" | head -20; failed=1; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
exec 3>&1
echo "1..11"

P=/opt/tm	# every directory given, so the list below is exact
dirs=(prefix=$P exec_prefix=$P sbindir=$P/sbin sysconfdir=$P/etc
      datarootdir=$P/share mandir=$P/share/man docdir=$P/share/doc/tenant-milter
      systemdsystemunitdir=$P/lib/systemd/system tmpfilesdir=$P/lib/tmpfiles.d)
inst() { make -s -C "$top_builddir" "$@" >"$T/make.log" 2>&1 || { cat "$T/make.log"; return 1; }; }
listing() { (cd "$1" && find . \( -type f -o -type l -o -type d -empty \) | sed 's|^\.||' | sort); }

ok "make install DESTDIR succeeds" inst install DESTDIR="$T/d" "${dirs[@]}"
cat >"$T/want" <<LIST
$P/etc/tenant-milter/tenant-milter.conf
$P/etc/tenant-milter/tenants.d
$P/lib/systemd/system/tenant-milter.service
$P/lib/tmpfiles.d/tenant-milter.conf
$P/sbin/tenant-milter
$P/sbin/tenantctl
$P/share/doc/tenant-milter/README
$P/share/doc/tenant-milter/examples/tenant-milter.conf
$P/share/doc/tenant-milter/examples/tenants.d/acme.conf
$P/share/doc/tenant-milter/examples/tenants.d/beta.conf
$P/share/doc/tenant-milter/examples/tenants.d/initech.conf
$P/share/doc/tenant-milter/postfix-main.cf
$P/share/doc/tenant-milter/sendmail.mc
$P/share/man/man5/tenant-milter.conf.5
$P/share/man/man8/tenant-milter.8
LIST
# Pages added later (tenantctl.8) join the list when they are installed.
[ -e "$T/d$P/share/man/man8/tenantctl.8" ] && echo "$P/share/man/man8/tenantctl.8" >>"$T/want"
sort -o "$T/want" "$T/want"
listing "$T/d" >"$T/got"
echo "# installed:"; sed 's/^/#   /' "$T/got"
ok "installed file list is exactly the expected one" diff -u "$T/want" "$T/got"

pages=("$T/d$P"/share/man/man*/*)
lint() {		# every page: mandoc lint (or groff) and man -l, no warning
	local f out
	for f in "${pages[@]}"; do
		if command -v mandoc >/dev/null; then
			mandoc -T lint -W warning "$f" || return 1
		fi
		out=$(groff -t -man -ww -z -Tutf8 "$f" 2>&1) && [ -z "$out" ] ||
			{ echo "$f: groff: $out"; return 1; }
		out=$(MANWIDTH=80 man -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$f: man -l: $out"; return 1; }
	done
}
ok "man pages render without warnings (${#pages[@]} pages)" lint
no_at() { ! grep -n '@[a-z_]*@' "$@"; }
ok "no unsubstituted @var@ left in pages, unit, tmpfiles" no_at "${pages[@]}" \
	"$T/d$P/lib/systemd/system/tenant-milter.service" "$T/d$P/lib/tmpfiles.d/tenant-milter.conf"
every_setting() {	# each setting of the conf table appears in the page
	local s missing= count=0
	for s in $(sed -n 's/^[[:space:]]*{ "\([a-z_]*\)", TM_OPT_.*/\1/p' \
		   "$top_srcdir/src/lib/conf/conf.c" | sort -u); do
		grep -q "^\.BR* .*\b$s\b" "$T/d$P/share/man/man5/tenant-milter.conf.5" ||
			missing="$missing $s"
		count=$((count + 1))
	done
	echo "# $count setting names checked" >&3
	[ "$count" -gt 30 ] && [ -z "$missing" ] || { echo "not documented:$missing"; return 1; }
}
ok "tenant-milter.conf(5) documents every setting of src/lib/conf/conf.c" every_setting

# The unit as configured: install with configure's own directories (DESTDIR
# only), check its ExecStart names the installed daemon, and verify it with
# the paths moved under DESTDIR.
ok "make install DESTDIR (configured directories)" inst install DESTDIR="$T/c"
unit=$(find "$T/c" -name tenant-milter.service)
bin=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unit")
ok "unit's ExecStart ($bin) is the installed daemon" test -x "$T/c$bin"
verify() {
	sed -e "s|${bin%/sbin/*}/|$T/c${bin%/sbin/*}/|g" "$unit" >"$T/tenant-milter.service"
	MANPATH=$(dirname "$(dirname "$(find "$T/c" -name tenant-milter.8)")") \
		systemd-analyze verify "$T/tenant-milter.service"
}
if systemd-analyze --version >/dev/null 2>&1; then
	ok "systemd-analyze verify on the installed unit" verify
else
	skip "systemd-analyze verify" "no systemd-analyze"
fi

# An administrator's configuration survives a reinstall and an uninstall.
conf=$T/d$P/etc/tenant-milter/tenant-milter.conf
echo '# mine' >"$conf"
ok "reinstall keeps an existing tenant-milter.conf" \
	bash -c 'make -s -C "$1" install DESTDIR="$2" "${@:4}" >/dev/null && grep -qx "# mine" "$3"' \
	_ "$top_builddir" "$T/d" "$conf" "${dirs[@]}"
ok "uninstall keeps a modified tenant-milter.conf" \
	bash -c 'make -s -C "$1" uninstall DESTDIR="$2" "${@:4}" >/dev/null && grep -qx "# mine" "$3"' \
	_ "$top_builddir" "$T/d" "$conf" "${dirs[@]}"
ok "uninstall of an unmodified install leaves no file" \
	bash -c 'make -s -C "$1" uninstall DESTDIR="$2" >/dev/null && [ -z "$(find "$2" -type f)" ] || find "$2" -type f' \
	_ "$top_builddir" "$T/c"
exit $failed
