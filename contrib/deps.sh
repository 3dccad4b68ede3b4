#!/bin/sh
# deps.sh - install the Debian 12 packages tenant-milter needs to build,
# run its demo and run its tests.  Idempotent; does nothing when all are
# present.  Run as root.
#
# Also a Sendmail for tests/e2e/t-sendmail.sh, unpacked (dpkg -x) into
# $TM_SENDMAIL_ROOT, never installed: sendmail-bin conflicts with postfix.
set -eu
PKGS="build-essential autoconf automake pkg-config clang libclang-rt-14-dev
libmilter-dev libopendkim-dev libspf2-dev libssl-dev libconfig-dev libunbound-dev check
postfix nsd opendkim opendkim-tools libmail-dkim-perl libnet-dns-perl
python3 python3-dkim python3-dnspython python3-nacl swaks sasl2-bin libsasl2-modules libsasl2-modules-db
publicsuffix python3-yaml python3-spf openssl util-linux iproute2 procps mandoc man-db groff-base m4 python3-prometheus-client valgrind"
SM_ROOT=${TM_SENDMAIL_ROOT:-/var/lib/tenant-milter-tests/sendmail}
SM_PKGS="sendmail-bin sendmail-base sendmail-cf libwrap0"

# sendmail_unpacked - Debian's Sendmail under $SM_ROOT, for the tests only
sendmail_unpacked() {
	[ -x "$SM_ROOT/usr/libexec/sendmail/sendmail" ] && return 0
	t=$(mktemp -d)
	# shellcheck disable=SC2086
	(cd "$t" && apt-get download -qq -o APT::Sandbox::User=root $SM_PKGS >/dev/null) || {
		rm -rf "$t"; return 1; }
	rm -rf "$SM_ROOT.new" && mkdir -p "$SM_ROOT.new" || return 1
	for deb in "$t"/*.deb; do dpkg -x "$deb" "$SM_ROOT.new" || return 1; done
	rm -rf "$t" "$SM_ROOT" && mv "$SM_ROOT.new" "$SM_ROOT"
}
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$(id -u)" != 0 ] || sendmail_unpacked ||
		echo "deps.sh: cannot unpack Sendmail: t-sendmail.sh will skip" >&2
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix and NSD must not start system instances: tests run their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
sendmail_unpacked || echo "deps.sh: cannot unpack Sendmail: t-sendmail.sh will skip" >&2
