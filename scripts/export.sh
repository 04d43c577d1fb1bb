#!/bin/sh
# Export the commits base..series of $KSRC to patches/ as git format-patch
# files plus a quilt series file. Deterministic: exporting twice gives the
# same bytes (no commit ids, no git version, a fixed base-commit trailer).
. "$(dirname "$0")/lib.sh"
[ -d "$KSRC/.git" ] || die "no kernel tree at $KSRC (run: make tree)"
[ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] &&
	say "warning: $KSRC has uncommitted edits; they are not exported"
branch=$(git -C "$KSRC" symbolic-ref -q --short HEAD)
[ "$branch" = series ] || say "warning: exporting HEAD of branch '${branch:-detached}'"
tmp=$BUILD/export.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
kgit -c core.abbrev=12 format-patch -q --zero-commit --no-signature --base=base --no-cover-letter \
	-o "$tmp" base..HEAD || die "format-patch failed"
{
	echo "# Series against Debian $BASE_PKG $BASE_VERSION"
	echo "# (base commit $(git -C "$KSRC" rev-parse base), made by scripts/base.sh)."
	echo "# Apply with: git am \$(sed '/^#/d' series)"
	(cd "$tmp" && ls -1 ./*.patch 2>/dev/null | sed 's|^\./||')
} >"$tmp/series"
rm -f "$TOP"/patches/*.patch "$TOP/patches/series"
mkdir -p "$TOP/patches"
mv "$tmp"/* "$TOP/patches/"
rmdir "$tmp"
series_id=$(cd "$TOP/patches" && cat series $(grep -v -e '^#' -e '^$' series) | git hash-object --stdin)
printf '%s %s\n' "$series_id" "$(git -C "$KSRC" rev-parse HEAD)" >"$KSRC/.git/ktest-applied"
say "exported $(grep -vc '^#' "$TOP/patches/series") patches to patches/"
