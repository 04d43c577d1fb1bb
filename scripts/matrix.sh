#!/bin/sh
# The build matrix: configurations and checks that make check does not cover
# (README, "Build matrix"). One line per entry, exit 1 if any failed:
#
#   ok   NAME (Ns)
#   FAIL NAME: why (log: path)
#
#   sh scripts/matrix.sh [NAME ...]     (default: every entry but series)
#
#   mshare-off    tinyconfig + base + debug, no mshare fragment: bzImage
#   no-hugetlbfs  tinyconfig + base + mshare, HUGETLBFS/HUGETLB_PAGE off
#   no-smp        tinyconfig + base + mshare, SMP off
#   allnoconfig   allnoconfig + 64BIT + MSHARE (x86-64 always has an MMU)
#   w1-sparse     the .c files the series touches, W=1 C=2, in the series
#                 and in the base: warnings the series adds fail
#   kernel-doc    kernel-doc -none -Wall on the new mshare files
#   checkpatch    what make checkpatch does: --strict on patches/
#   series        scripts/check-series.sh: checkpatch and a build after
#                 every patch (slow: only when named)
#   debian        the Debian flavour: Debian's own amd64 config with
#                 configs/debian.config, debug and mshare, bzImage (what
#                 make kernel FLAVOUR=debian builds; slow: only when named)
#
# Each build has its own object dir, build/matrix/NAME; logs are
# build/matrix/NAME.log. The base tree of w1-sparse is a worktree of tag
# base, build/matrix-base. build/linux itself is only read.

# shellcheck disable=SC2317 # the entries are called as e_$name
. "$(dirname "$0")/lib.sh"

M=$BUILD/matrix
WT=$BUILD/matrix-base
CONFIGS=$TOP/configs
DEFAULT="mshare-off no-hugetlbfs no-smp allnoconfig w1-sparse kernel-doc checkpatch"
ALL="$DEFAULT series debian"
NICE="nice -n 10"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

# Make a config in the object dir $1 from tinyconfig and the fragments
# $2...; the same steps as kernel.sh.
tinyconfig() {
	obj=$1
	shift
	mkdir -p "$obj"
	$NICE make -s -C "$KSRC" O="$obj" tinyconfig >/dev/null || return 1
	KCONFIG_CONFIG=$obj/.config $NICE "$KSRC/scripts/kconfig/merge_config.sh" \
		-m -O "$obj" "$obj/.config" "$@" || return 1
	$NICE make -s -C "$KSRC" O="$obj" olddefconfig >/dev/null
}

# want OBJ SYM VAL: the .config of OBJ has SYM=VAL (VAL n: SYM is not set).
want() {
	if [ "$3" = n ]; then
		grep -q "^$2=" "$1/.config" || return 0
	else
		grep -qx "$2=$3" "$1/.config" && return 0
	fi
	why="$2 should be $3, is $(grep "^$2=" "$1/.config" || echo unset)"
	return 1
}

build() {
	$NICE make -s -C "$KSRC" O="$1" -j"$JOBS" bzImage || {
		why="build failed: $(grep -m1 -E 'error:|Error [0-9]' "$log" || echo 'see log')"
		return 1
	}
}

# The entries. Each writes its output to $log; on failure it sets $why (one
# line) and may set $detail (lines printed under the result).
e_mshare_off() {
	obj=$M/mshare-off
	tinyconfig "$obj" "$CONFIGS/base.config" "$CONFIGS/debug.config" ||
		{ why="config failed"; return 1; }
	want "$obj" CONFIG_MSHARE n && build "$obj"
}

e_no_hugetlbfs() {
	obj=$M/no-hugetlbfs
	mkdir -p "$obj"
	grep -v -e '^CONFIG_HUGETLBFS=' -e '^CONFIG_HUGETLB_PAGE=' \
		-e '^CONFIG_CGROUP_HUGETLB=' "$CONFIGS/base.config" >"$obj/base-nohuge.config"
	echo '# CONFIG_HUGETLBFS is not set' >"$obj/nohuge.config"
	tinyconfig "$obj" "$obj/base-nohuge.config" "$CONFIGS/mshare.config" \
		"$obj/nohuge.config" || { why="config failed"; return 1; }
	want "$obj" CONFIG_HUGETLBFS n && want "$obj" CONFIG_HUGETLB_PAGE n &&
		want "$obj" CONFIG_MSHARE y && build "$obj"
}

e_no_smp() {
	obj=$M/no-smp
	mkdir -p "$obj"
	grep -v -e '^CONFIG_SMP=' -e '^CONFIG_NR_CPUS=' "$CONFIGS/base.config" \
		>"$obj/base-nosmp.config"
	echo '# CONFIG_SMP is not set' >"$obj/nosmp.config"
	tinyconfig "$obj" "$obj/base-nosmp.config" "$CONFIGS/mshare.config" \
		"$obj/nosmp.config" || { why="config failed"; return 1; }
	want "$obj" CONFIG_SMP n && want "$obj" CONFIG_MSHARE y && build "$obj"
}

e_allnoconfig() {
	obj=$M/allnoconfig
	mkdir -p "$obj"
	printf '%s\n' CONFIG_64BIT=y CONFIG_MSHARE=y >"$obj/allno.config"
	# allnoconfig with these forced, as merge_config.sh -n does.
	$NICE make -s -C "$KSRC" O="$obj" KCONFIG_ALLCONFIG="$obj/allno.config" \
		allnoconfig >/dev/null || { why="allnoconfig failed"; return 1; }
	want "$obj" CONFIG_64BIT y && want "$obj" CONFIG_MMU y &&
		want "$obj" CONFIG_MSHARE y && build "$obj"
}

# The warnings of $2 (a build log) as "file: message", line numbers and the
# tree prefix $1 stripped, sorted (duplicates kept).
warnings() {
	sed -n -E -e "s|^$1/||" -e 's|^(\.\./)*||' \
		-e 's/^([^ :]+):[0-9]+:([0-9]+:)? (warning|error): /\1: \3: /p' "$2" |
		sort
}

# Compile $files (.o paths) with W=1 C=2 in tree $1, object dir $2, output
# to $3; keep going past errors. Sets $missing to the objects not built.
w1_compile() {
	# Remove the objects so the compiler runs (C=2 checks them anyway).
	for f in $files; do rm -f "$2/$f"; done
	# shellcheck disable=SC2086
	$NICE make -k -C "$1" O="$2" -j"$JOBS" W=1 C=2 $files >"$3" 2>&1
	missing=
	for f in $files; do [ -f "$2/$f" ] || missing="$missing $f"; done
}

e_w1_sparse() {
	command -v sparse >/dev/null || { why="sparse not installed (make deps)"; return 1; }
	obj=$M/w1-sparse
	bobj=$M/w1-sparse-base
	srcs=$(git -C "$KSRC" diff --name-only base series -- '*.c' ':!tools' \
		':!Documentation')
	tinyconfig "$obj" "$CONFIGS/base.config" "$CONFIGS/debug.config" \
		"$CONFIGS/mshare.config" || { why="config failed"; return 1; }
	want "$obj" CONFIG_MSHARE y || return 1
	# The base, in its own worktree, with the same .config (CONFIG_MSHARE
	# is unknown there and drops out).
	git -C "$KSRC" worktree prune
	if [ ! -d "$WT" ]; then
		kgit worktree add -q --detach "$WT" base || { why="worktree add failed"; return 1; }
	fi
	git -C "$WT" checkout -q --detach base || { why="worktree checkout failed"; return 1; }
	mkdir -p "$bobj"
	cmp -s "$obj/.config" "$bobj/.config" || cp "$obj/.config" "$bobj/.config"
	$NICE make -s -C "$WT" O="$bobj" olddefconfig >/dev/null ||
		{ why="base olddefconfig failed"; return 1; }

	files=
	for s in $srcs; do files="$files ${s%.c}.o"; done
	echo "series:$files"
	w1_compile "$KSRC" "$obj" "$M/w1-sparse.series.log"
	[ -z "$missing" ] || { why="series compile failed:$missing"; return 1; }
	# In the base, new files do not exist and some are not configured (no
	# MSHARE to select MMU_NOTIFIER): all their warnings count as new.
	files=
	for s in $srcs; do [ -f "$WT/$s" ] && files="$files ${s%.c}.o"; done
	w1_compile "$WT" "$bobj" "$M/w1-sparse.base.log"
	echo "base:$files"
	echo "not built in the base (no baseline):$missing"

	warnings "$KSRC" "$M/w1-sparse.series.log" >"$M/w1-sparse.series.warn"
	warnings "$WT" "$M/w1-sparse.base.log" >"$M/w1-sparse.base.warn"
	echo "warnings: series $(wc -l <"$M/w1-sparse.series.warn"), base $(wc -l <"$M/w1-sparse.base.warn")"
	new=$(comm -23 "$M/w1-sparse.series.warn" "$M/w1-sparse.base.warn")
	[ -z "$new" ] && return 0
	echo "new in the series:"
	echo "$new"
	why="$(echo "$new" | wc -l) new warning(s), W=1 or sparse"
	detail=$new
	return 1
}

e_kernel_doc() {
	out=$(cd "$KSRC" && perl scripts/kernel-doc -none -Wall mm/mshare.c \
		fs/mshare/inode.c include/linux/mshare.h include/uapi/linux/msharefs.h 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out"
	[ -z "$out" ] && [ "$rc" = 0 ] && return 0
	why="kernel-doc warns ($(echo "$out" | wc -l) lines)"
	detail=$out
	return 1
}

# The command of make checkpatch (Makefile).
e_checkpatch() {
	for p in $(sed -e '/^#/d' -e '/^$/d' "$TOP/patches/series"); do
		[ -f "$TOP/patches/$p" ] || { why="no patch $p"; return 1; }
	done
	# shellcheck disable=SC2046
	out=$(sh "$TOP/scripts/checkpatch.sh" \
		$(sed -e '/^#/d' -e '/^$/d' -e "s|^|$TOP/patches/|" "$TOP/patches/series"))
	if [ -n "$out" ]; then
		echo "$out"
		why="checkpatch --strict ($(echo "$out" | wc -l) lines)"
		detail=$out
		return 1
	fi
	# and the man pages' lint, as make checkpatch runs it after checkpatch
	out=$(sh "$TOP/scripts/man-lint.sh" 2>&1) && return 0
	echo "$out"
	why="man pages lint"
	detail=$out
	return 1
}

e_series() {
	$NICE sh "$TOP/scripts/check-series.sh" && return 0
	why="$(grep -c '^FAIL' "$log") patch(es) failed"
	detail=$(grep '^FAIL' "$log")
	return 1
}

# The Debian flavour, through scripts/kernel.sh (which checks that every
# fragment line survives); its bzImage is left in build/matrix/debian-out.
e_debian() {
	FLAVOUR=debian KOBJ=$M/debian KCFG=$M/debian-kconfig KOUT=$M/debian-out \
		JOBS=$JOBS $NICE sh "$TOP/scripts/kernel.sh" && return 0
	why=$(grep -m1 -E '^config:|^error:|error:' "$log" || echo 'see log')
	return 1
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
esac
[ -f "$KSRC/Makefile" ] || die "no kernel tree at $KSRC (run: make tree)"
names=${*:-$DEFAULT}
for n in $names; do
	case " $ALL " in
	*" $n "*) ;;
	*) die "no matrix entry '$n' (have: $ALL)" ;;
	esac
done

mkdir -p "$M"
fail=0
for n in $names; do
	log=$M/$n.log
	why=
	detail=
	t0=$(date +%s)
	if "e_$(echo "$n" | tr - _)" >"$log" 2>&1; then
		echo "ok   $n ($(($(date +%s) - t0))s)"
	else
		echo "FAIL $n: ${why:-see log} (log: $log)"
		[ -z "$detail" ] || echo "$detail" | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
