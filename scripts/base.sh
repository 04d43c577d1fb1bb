#!/bin/sh
# Unpack the pinned base into a kernel git tree at $KSRC with one
# deterministic commit (tag "base"). Does nothing if the tree exists.
. "$(dirname "$0")/lib.sh"

if [ -d "$KSRC/.git" ] && git -C "$KSRC" rev-parse -q --verify base >/dev/null; then
	exit 0
fi
[ -e "$KSRC" ] && die "$KSRC exists but is not a base tree; remove it first"
have=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null)
[ "$have" = "$BASE_VERSION" ] ||
	die "$BASE_PKG $BASE_VERSION is needed (installed: ${have:-none}); run scripts/deps.sh"

say "unpacking $BASE_PKG $BASE_VERSION into $KSRC"
mkdir -p "$KSRC.tmp"
tar -xJf "$BASE_TARBALL" -C "$KSRC.tmp" --strip-components=1 --no-same-owner ||
	die "cannot unpack $BASE_TARBALL"
mv "$KSRC.tmp" "$KSRC"
kgit init -q -b base-tree
# Every file of the tarball is tracked, even those the kernel's .gitignore
# files name, so the tree is exactly the package's.
kgit add -A -f
GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
	kgit commit -q --no-verify -m "Linux $BASE_VERSION (Debian $BASE_PKG)

Unpacked from $BASE_TARBALL of the Debian package
$BASE_PKG $BASE_VERSION by scripts/base.sh."
kgit tag base
say "base commit $(git -C "$KSRC" rev-parse base)"
