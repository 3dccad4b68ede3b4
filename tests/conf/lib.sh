# lib.sh - TAP helpers and a known-good configuration for config tests.
# Sourced by tests/conf/t-*.sh.  Needs $top_builddir (set by make check).

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MILTER=$top_builddir/src/daemon/tenant-milter
TCTL=$top_builddir/src/tenantctl/tenantctl
T_N=0
T_FAIL=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tm-conf.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

ok() {		# ok DESC
	T_N=$((T_N + 1)); echo "ok $T_N - $1"
}
not_ok() {	# not_ok DESC DETAIL...
	T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $1"
	shift; for l in "$@"; do printf '#   %s\n' "$l"; done
}
done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" -eq 0 ]
}

KEYS=$T_TMP/keycache
mkdir -p "$KEYS"; chmod 700 "$KEYS"
# key ALG NAME - a cached test key (generated once per run, never committed)
key() {
	f=$KEYS/$2
	if [ ! -f "$f" ]; then
		case $1 in
		rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${1#rsa}" -out "$f" 2>/dev/null ;;
		ed25519) openssl genpkey -algorithm ED25519 -out "$f" ;;
		esac
		chmod 600 "$f"
	fi
	echo "$f"
}

# good_conf DIR - a valid configuration: main file, tenants acme (customer)
# and beta (provider), keys in DIR/keys.
good_conf() {
	d=$1
	mkdir -p "$d/tenants.d" "$d/keys"; chmod 700 "$d" "$d/keys"
	cp "$(key rsa2048 p.key)" "$d/keys/p.key"
	cp "$(key rsa2048 acme.key)" "$d/keys/acme.key"
	cp "$(key ed25519 acme-e.key)" "$d/keys/acme-e.key"
	chmod 600 "$d"/keys/*
	cat > "$d/main.conf" <<'CONF'
socket = "inet:8891@127.0.0.1";
tenants = "tenants.d";
provider = {
  domain = "provider.example";
  outbound_ips = [ "192.0.2.10", "2001:db8::10" ];
  tenant_domain = "%t.provider.example";
  dkim = ( { selector = "p2026"; key = "keys/p.key"; } );
};
identify = { header = "X-Tenant-ID"; trusted_networks = [ "127.0.0.0/8" ]; };
dns = { timeout = 5; };
CONF
	cat > "$d/tenants.d/acme.conf" <<'CONF'
id = "acme";
mode = "customer";
match = {
  sasl_users = [ "lms-acme" ];
  networks = [ "198.51.100.0/24" ];
  sender_domains = [ "acme.example" ];
};
sender = { from = "claim@acme.example"; };
dkim = (
  { domain = "acme.example"; selector = "s1"; key = "../keys/acme.key"; },
  { domain = "acme.example"; selector = "s2"; key = "../keys/acme-e.key"; algorithm = "ed25519-sha256"; }
);
CONF
	cat > "$d/tenants.d/beta.conf" <<'CONF'
id = "beta";
mode = "provider";
match = {
  sasl_users = [ "lms-beta" ];
  networks = [ "203.0.113.0/24" ];
  sender_domains = [ "beta.example" ];
};
CONF
}

# fresh NAME - a new copy of the good configuration; prints its directory
fresh() {
	d=$T_TMP/$1
	rm -rf "$d"; good_conf "$d"; echo "$d"
}

# run_check DIR [PROGRAM] - run -t; sets RC and OUT (stderr+stdout)
run_check() {
	if [ "${2:-milter}" = tenantctl ]; then
		OUT=$("$TCTL" -c "$1/main.conf" check 2>&1); RC=$?
	else
		OUT=$("$MILTER" -t -c "$1/main.conf" 2>&1); RC=$?
	fi
}

# expect_error DESC DIR WANT_RC PREFIX [PATTERN] - exit status and one line
# that starts with PREFIX (FILE:LINE: ...) and matches PATTERN
expect() {
	desc=$1 dir=$2 want_rc=$3 prefix=$4 pat=${5:-}
	run_check "$dir" "${PROG:-milter}"
	line=$(printf "%s\n" "$OUT" | awk -v p="$prefix" 'index($0, p) == 1' | grep -E -- "$pat" | head -1)
	if [ "$RC" -eq "$want_rc" ] && [ -n "$line" ]; then
		ok "$desc"
	else
		not_ok "$desc" "got exit $RC, want $want_rc" \
			"want a line starting \"$prefix\" matching /$pat/" \
			"got: $(printf '%s' "$OUT" | head -5 | tr '\n' '|')"
	fi
}
