#!/bin/sh
# t-rfc7208.sh - the RFC 7208 conformance suite (OpenSPF YAML, the one
# pyspf passes) through tm_spf_check over the static resolver; TAP.
#
# The suite is $TM_SPF_SUITE, else tests/spf/rfc7208-tests.yml (vendored
# with its licence, rfc7208-tests.LICENSE); absent: a failure.  The YAML is
# converted by yaml2suite.py with Debian's /usr/bin/python3 (python3-yaml)
# and run by spf-suite, which reads tests/spf/expected-failures and ends
# with "# score: N/203".
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
suite=${TM_SPF_SUITE:-$top_srcdir/tests/spf/rfc7208-tests.yml}
runner=$top_builddir/tests/spf/spf-suite

if [ ! -f "$suite" ]; then
	echo "Bail out! no RFC 7208 suite at $suite"
	exit 1
fi
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP /usr/bin/python3 has no yaml module (python3-yaml)"
	exit 0
fi
if [ ! -x "$runner" ]; then
	echo "Bail out! $runner not built"
	exit 1
fi
tmp=$(mktemp "${TMPDIR:-/tmp}/rfc7208.XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT
if ! /usr/bin/python3 "$top_srcdir/tests/spf/yaml2suite.py" "$suite" >"$tmp"; then
	echo "Bail out! cannot convert $suite"
	exit 1
fi
"$runner" "$tmp" "$top_srcdir/tests/spf/expected-failures"
