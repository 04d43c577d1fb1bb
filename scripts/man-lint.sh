#!/bin/sh
# man-lint.sh: check the pages of man/ and preload/ with mandoc -Tlint at
# the warning level (and groff -ww when groff is installed); any message
# fails. STYLE messages are not warnings: mandoc's wish for an upper-case
# title in .TH is one, and the man-pages project writes titles in lower
# case.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || die "mandoc is missing (run scripts/deps.sh)"
pages=$(ls "$TOP"/man/man[1-8]/*.[1-8] "$TOP"/preload/*.[1-8] 2>/dev/null)
[ -n "$pages" ] || die "no pages under $TOP/man"
log=${TMPDIR:-/tmp}/man-lint.$$
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
mandoc -Tlint -W warning $pages >"$log" 2>&1
if command -v groff >/dev/null; then
	for p in $pages; do
		groff -man -ww -z "$p" >>"$log" 2>&1
	done
fi
# Lines of source longer than 80 columns in the example programs.
for p in $pages; do
	awk '/^\.\\" SRC BEGIN/ { src = 1; next } /^\.\\" SRC END/ { src = 0 }
	src && length > 80 { printf "%s:%d: example line longer than 80 columns\n", FILENAME, FNR }' \
		"$p" >>"$log"
done
if [ -s "$log" ]; then
	sed "s|$TOP/||" "$log" >&2
	die "man pages: lint found problems (above)"
fi
echo "man pages: lint clean ($(echo "$pages" | wc -l) pages)"
