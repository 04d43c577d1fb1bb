#!/bin/sh
# For every patch of the series: checkpatch --strict must be clean, and the
# tree must build after it (the kernel, with CONFIG_MSHARE=y once the tree
# has that symbol, and the mm selftests when the patch touches tools/).
# The one documented checkpatch exception (README): "does MAINTAINERS need
# updating?" for new files that existing MAINTAINERS entries already cover.
# Works in a separate worktree (build/check-tree), so build/linux is left
# alone. Prints one line per patch; exits 1 if any patch fails.
. "$(dirname "$0")/lib.sh"
wt=$BUILD/check-tree
out=$BUILD/check
mkdir -p "$out"
git -C "$KSRC" worktree prune
[ -d "$wt" ] || kgit worktree add -q --detach "$wt" base || die "worktree failed"

fail=0
n=0
for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series"); do
	n=$((n + 1))
	cp=$(cd "$KSRC" && ./scripts/checkpatch.pl --strict --no-tree -q --terse \
		"$TOP/patches/$p" 2>&1 | grep -E 'ERROR|WARNING|CHECK' |
		grep -v 'does MAINTAINERS need updating')
	# Apply the series up to this patch in the worktree.
	git -C "$wt" reset -q --hard base
	for q in $(grep -v -e '^#' -e '^$' "$TOP/patches/series"); do
		git -C "$wt" apply --index "$TOP/patches/$q" || { echo "FAIL $p: $q does not apply"; exit 1; }
		[ "$q" = "$p" ] && break
	done
	log=$out/$n.log
	if ! KSRC=$wt KOBJ=$BUILD/obj-check KCFG=$out/kconfig OUT=$out \
		sh "$TOP/scripts/kernel.sh" >"$log" 2>&1; then
		echo "FAIL $p: kernel build (log: $log)"
		fail=1
		continue
	fi
	if grep -q '^+++ b/tools/' "$TOP/patches/$p"; then
		if ! make -s -C "$wt/tools/testing/selftests" TARGETS=mm O="$out/kst" \
			KHDR_INCLUDES="-isystem $out/usr/include" EXTRA_CFLAGS=-static \
			-j"$JOBS" >>"$log" 2>&1; then
			echo "FAIL $p: selftests build (log: $log)"
			fail=1
			continue
		fi
	fi
	if [ -n "$cp" ]; then
		echo "FAIL $p: checkpatch --strict:"
		echo "$cp" | sed 's/^/    /'
		fail=1
		continue
	fi
	echo "ok   $p"
done
git -C "$wt" reset -q --hard base
exit $fail
