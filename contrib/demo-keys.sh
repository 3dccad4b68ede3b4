#!/bin/sh
# demo-keys.sh [CONFDIR] - make the demo's private keys and relay secret,
# mode 0600, where conf/'s files expect them.  Never overwrites a key.
set -eu
dir=${1:-$(dirname "$0")/../conf}
umask 077
mkdir -p "$dir/keys/provider" "$dir/keys/acme" "$dir/secrets"
mk() {	# mk ALG PATH
	[ -f "$2" ] && return 0
	if [ "$1" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null
	else
		openssl genpkey -algorithm ED25519 -out "$2"
	fi
	chmod 600 "$2"
	echo "generated $2"
}
mk rsa "$dir/keys/provider/p2026.key"
mk rsa "$dir/keys/acme/lms2026.key"
mk ed25519 "$dir/keys/acme/lms2026e.key"
[ -f "$dir/secrets/initech.pw" ] || { head -c 18 /dev/urandom | base64 > "$dir/secrets/initech.pw"; chmod 600 "$dir/secrets/initech.pw"; }
