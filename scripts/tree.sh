#!/bin/sh
# Make $KSRC the base with the series of patches/ applied as commits on the
# branch "series" (the place to edit and commit; then run scripts/export.sh).
#
# Work in the tree is never thrown away silently: the tree remembers which
# export of patches/ it was made from (.git/ktest-applied) and its HEAD then.
#  - patches/ unchanged, tree unchanged: nothing to do.
#  - patches/ changed, tree unchanged: the series is applied again.
#  - tree has new commits, patches/ unchanged: kept; you are told to export.
#  - both changed: stop, and say how to resolve it.
# FORCE=1 re-applies patches/ whatever the tree holds.
. "$(dirname "$0")/lib.sh"

# --check-exported: fail if the tree holds commits or edits not in patches/.
if [ "${1:-}" = --check-exported ]; then
	[ -d "$KSRC/.git" ] || exit 0
	[ -f "$KSRC/.git/ktest-applied" ] || exit 0
	read -r _ old_head <"$KSRC/.git/ktest-applied"
	if [ "$(git -C "$KSRC" rev-parse HEAD)" != "$old_head" ] ||
	   [ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ]; then
		die "$KSRC holds work that is not in patches/: 'make export' first"
	fi
	exit 0
fi
sh "$TOP/scripts/base.sh" || exit 1

stamp=$KSRC/.git/ktest-applied
series_id=$(cd "$TOP/patches" && cat series $(grep -v -e '^#' -e '^$' series) | git hash-object --stdin)
head=$(git -C "$KSRC" rev-parse -q --verify HEAD)

apply() {
	say "applying patches/series to $KSRC (branch series)"
	kgit am --abort >/dev/null 2>&1
	kgit checkout -q -f -B series base || die "cannot reset the tree"
	# A fixed identity and dates make the series' commit ids the same on
	# every machine, like the base's.
	for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series"); do
		kgit am -q --committer-date-is-author-date "$TOP/patches/$p" ||
			die "patch $p does not apply (git -C $KSRC am --show-current-patch)"
	done
	kgit config user.name "$IDENT_NAME"
	kgit config user.email "$IDENT_EMAIL"
	printf '%s %s\n' "$series_id" "$(git -C "$KSRC" rev-parse HEAD)" >"$stamp"
	say "series head $(git -C "$KSRC" rev-parse HEAD) ($(git -C "$KSRC" rev-list --count base..HEAD) patches)"
}

if [ ! -f "$stamp" ] || [ -n "${FORCE:-}" ]; then
	apply
	exit 0
fi
read -r old_series old_head <"$stamp"
if [ "$old_series" = "$series_id" ]; then
	if [ "$old_head" != "$head" ]; then
		n=$(git -C "$KSRC" rev-list --count "$old_head..$head" 2>/dev/null || echo some)
		say "note: $KSRC has $n commit(s) not in patches/: run 'make export' to keep them"
	fi
elif [ "$old_head" = "$head" ]; then
	apply
else
	die "both patches/ and the tree $KSRC changed since the tree was made.
Keep the tree's work: 'make export' (overwrites patches/ with the tree's series),
or drop it: 'FORCE=1 make tree' (re-applies patches/, the tree's commits are lost
but stay reachable in its reflog)."
fi
if [ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ]; then
	say "note: $KSRC has uncommitted edits: they are in no patch until committed and exported"
fi
exit 0
