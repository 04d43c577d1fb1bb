#!/bin/sh
# For every patch of the series: checkpatch --strict must be clean, and the
# tree must build after it (the kernel, with CONFIG_MSHARE=y once the tree
# has that symbol, and the mm selftests when the patch touches tools/).
# checkpatch runs through scripts/checkpatch.sh, which leaves out the
# documented exceptions (README).
# Works in a separate worktree (build/check-tree), so build/linux is left
# alone. Prints one line per patch; exits 1 if any patch fails.
# Patches are applied one after the other, so each build only recompiles
# what the patch changed. A patch that touches nothing the kernel builds
# (tools/, Documentation/) after a patch whose kernel build passed is not
# built again. FROM=N starts checking at the Nth patch (the earlier ones
# are applied, not checked).
. "$(dirname "$0")/lib.sh"
wt=$BUILD/check-tree
out=$BUILD/check
mkdir -p "$out"
git -C "$KSRC" worktree prune
[ -d "$wt" ] || kgit worktree add -q --detach "$wt" base || die "worktree failed"

fail=0
n=0
built=
git -C "$wt" reset -q --hard base
for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series"); do
	n=$((n + 1))
	git -C "$wt" apply --index "$TOP/patches/$p" || { echo "FAIL $p: does not apply"; exit 1; }
	[ "$n" -lt "${FROM:-1}" ] && continue
	cp=$(sh "$TOP/scripts/checkpatch.sh" "$TOP/patches/$p")
	log=$out/$n.log
	: >"$log"
	kernel=y
	if [ -n "$built" ] && ! grep '^+++ b/' "$TOP/patches/$p" |
		grep -qv -e '^+++ b/tools/' -e '^+++ b/Documentation/'; then
		kernel=
	fi
	built=
	if [ -n "$kernel" ]; then
		if ! KSRC=$wt KOBJ=$BUILD/obj-check KCFG=$out/kconfig OUT=$out \
			sh "$TOP/scripts/kernel.sh" >"$log" 2>&1; then
			echo "FAIL $p: kernel build (log: $log)"
			fail=1
			continue
		fi
	fi
	built=y
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
	echo "ok   $p${kernel:+ (kernel built)}"
done
git -C "$wt" reset -q --hard base
exit $fail
