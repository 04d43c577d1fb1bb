#!/bin/sh
# Export the commits base..series of $KSRC to patches/ as git format-patch
# files plus a quilt series file, and the cover letter
# (0000-cover-letter.patch: subject and text from docs/cover-letter.txt,
# shortlog and diffstat by git, not in the series file). Deterministic:
# exporting twice gives the same bytes (no commit ids, no git version, a
# fixed base-commit trailer, the cover letter dated as the series head).
. "$(dirname "$0")/lib.sh"
[ -d "$KSRC/.git" ] || die "no kernel tree at $KSRC (run: make tree)"
[ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] &&
	say "warning: $KSRC has uncommitted edits; they are not exported"
branch=$(git -C "$KSRC" symbolic-ref -q --short HEAD)
[ "$branch" = series ] || say "warning: exporting HEAD of branch '${branch:-detached}'"
tmp=$BUILD/export.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
kgit -c core.abbrev=12 format-patch -q --zero-commit --no-signature --base=base --cover-letter \
	-o "$tmp" base..HEAD || die "format-patch failed"
# The cover letter: git leaves placeholders and dates it now; fill them in
# and date it as the series head, so that it is the same every time.
cover=$tmp/0000-cover-letter.patch
text=$TOP/docs/cover-letter.txt
[ -f "$text" ] || die "no $text"
date=$(git -C "$KSRC" log -1 --format=%aD HEAD)
awk -v text="$text" -v date="$date" '
/^Date: / && !d { print "Date: " date; d = 1; next }
/\*\*\* SUBJECT HERE \*\*\*/ && !s {
	getline subj < text
	sub(/\*\*\* SUBJECT HERE \*\*\*/, subj); print; s = 1; next
}
/^\*\*\* BLURB HERE \*\*\*$/ && !b {
	getline line < text		# the blank line after the subject
	while ((getline line < text) > 0)
		print line
	b = 1; next
}
{ print }' "$cover" >"$cover.new" && mv "$cover.new" "$cover" || die "cover letter failed"
{
	echo "# Series against Debian $BASE_PKG $BASE_VERSION"
	echo "# (base commit $(git -C "$KSRC" rev-parse base), made by scripts/base.sh)."
	echo "# Apply with: git am \$(sed '/^#/d' series)"
	(cd "$tmp" && ls -1 ./*.patch 2>/dev/null | sed -e 's|^\./||' -e '/^0000-cover-letter/d')
} >"$tmp/series"
rm -f "$TOP"/patches/*.patch "$TOP/patches/series"
mkdir -p "$TOP/patches"
mv "$tmp"/* "$TOP/patches/"
rmdir "$tmp"
series_id=$(cd "$TOP/patches" && cat series $(grep -v -e '^#' -e '^$' series) | git hash-object --stdin)
printf '%s %s\n' "$series_id" "$(git -C "$KSRC" rev-parse HEAD)" >"$KSRC/.git/ktest-applied"
say "exported $(grep -vc '^#' "$TOP/patches/series") patches to patches/"
