#!/bin/sh
# tests/layering.sh - keep the layout of STYLE.md section 1: fail (TAP)
# when a file under src/ includes from a folder above its own in the
# dependency stack, when a src/lib file includes a project header without
# naming its folder, or when a src file passes 800 lines.
#
#   tests/layering.sh [ROOT]      ROOT: the tree to check (default: top_srcdir)
#
# The stack (also at the top of Makefile.am), low to high; a file may
# include from its own folder or from a lower rank, never from the same
# rank in another folder or from above:
#   0 util  1 dns  2 msg  3 spf dkim  4 conf  5 policy  6 snap (src/lib/snap.*)
#   7 milter tenantctl  8 daemon
# conf/model.h holds types only: any file may include it.
#
# tests/layering.allow lists known exceptions, one "FILE HEADER" per line
# ('#' comments); an exception that no longer occurs fails too, so the
# list can only shrink.
set -u
root=${1:-${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}
max_lines=800
allow=$root/tests/layering.allow
[ -f "$allow" ] || allow=/dev/null

# rank FOLDER - the folder's place in the stack, or nothing if unknown
rank() {
	case $1 in
	util) echo 0 ;; dns) echo 1 ;; msg) echo 2 ;; spf|dkim) echo 3 ;;
	conf) echo 4 ;; policy) echo 5 ;; snap) echo 6 ;;
	milter|tenantctl) echo 7 ;; daemon) echo 8 ;;
	esac
}

# folder_of PATH - the stack folder of a file under src/
folder_of() {
	case $1 in
	src/lib/snap.*) echo snap ;;
	src/lib/*/*) p=${1#src/lib/}; echo "${p%%/*}" ;;
	src/*/*) p=${1#src/}; echo "${p%%/*}" ;;
	esac
}

cd "$root" || { echo "1..0 # SKIP no tree at $root"; exit 0; }
files=$(find src -name '*.[ch]' -type f | LC_ALL=C sort)
n=0
for f in $files; do n=$((n + 1)); done
used=$(mktemp) || exit 1
trap 'rm -f "$used"' EXIT INT TERM
echo "1..$((n + 1))"
i=0 failed=0
for f in $files; do
	i=$((i + 1))
	why=
	lines=$(wc -l <"$f")
	[ "$lines" -gt "$max_lines" ] &&
		why="$why; $lines lines (at most $max_lines)"
	own=$(folder_of "$f")
	own_rank=$(rank "$own")
	if [ -z "$own_rank" ]; then
		why="$why; folder '$own' is not in the stack"
	else
		for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			[ "$h" = config.h ] && continue
			if grep -qx "$f $h" "$allow" 2>/dev/null; then
				echo "$f $h" >>"$used"
				continue
			fi
			case $h in
			conf/model.h) continue ;;
			snap.h) to=snap ;;
			*/*) to=${h%%/*} ;;
			*)	# no folder: only a header next to the file, outside src/lib
				case $f in
				src/lib/*) why="$why; includes \"$h\" without its folder" ;;
				*) [ -f "$(dirname "$f")/$h" ] ||
					why="$why; includes \"$h\", not in $(dirname "$f")" ;;
				esac
				continue ;;
			esac
			to_rank=$(rank "$to")
			if [ -z "$to_rank" ]; then
				why="$why; includes \"$h\" from '$to', not in the stack"
			elif [ "$to" != "$own" ] && [ "$to_rank" -ge "$own_rank" ]; then
				why="$why; includes \"$h\": $to is not below $own"
			fi
		done
	fi
	if [ -n "$why" ]; then
		echo "not ok $i - $f${why}"
		failed=1
	else
		echo "ok $i - $f"
	fi
done
# The exceptions still needed.
stale=$(grep -v '^[[:space:]]*\(#\|$\)' "$allow" | while read -r ef eh; do
	grep -qx "$ef $eh" "$used" || printf ' %s' "$ef:$eh"
done)
if [ -n "$stale" ]; then
	echo "not ok $((n + 1)) - tests/layering.allow: no longer needed, remove:$stale"
	failed=1
else
	echo "ok $((n + 1)) - tests/layering.allow: every exception still needed"
fi
exit $failed
