#!/bin/sh
# vm.sh MODE [PROG...]: boot build/bzImage in QEMU (-cpu max, 2 CPUs on two
# NUMA nodes, three virtio disks) with a fresh initramfs and run the plan of
# MODE:
#   check   tests/check.plan: our selftests and the upstream mm subset; then
#           a second boot with 4-level paging and page-table isolation
#           (no5lvl pti=on) runs tests/check-l4.plan (logs in l4/, results
#           named l4/...; L4=n leaves it out)
#   run     tests/run.plan: show each feature working
#   bench   tests/bench.plan: the benchmarks
#   soak    the long forms of the mshare fuzzer and stress test, SOAK
#           seconds each (default 1800)
#   extra   only the programs given as arguments
#   shell   an interactive shell in the guest (no timeout)
# In every mode but shell, programs given as arguments are run too (after
# the plan). Results: per-test lines and one "N passed, N failed, N skipped"
# line; the logs are kept under build/logs/. Environment:
#   TIMEOUT (s, whole run; the l4 boot has TIMEOUT_L4, default 1800),
#   TIMEOUT_SCALE (multiplies every limit; 3 with SANITIZE=kasan, 2 with
#   pagealloc), MEM (guest memory, 8G), SMP (vCPUs, 2; even with two
#   nodes), NODES (NUMA nodes, 2 or 1), APPEND (more kernel args), ONLY (a
#   grep -E pattern selecting plan lines by name), PLAN (a plan file instead
#   of the mode's), ACCEL (tcg, the default; kvm; auto: kvm if a probe boot
#   works),
#   DISKS=none (no disks; sizes: SWAP_SIZE, EXT4_SIZE, RAW_SIZE),
#   KEEP_DISKS=1 (keep the disk images in the log directory).
. "$(dirname "$0")/lib.sh"
mode=${1:-check}
[ $# -gt 0 ] && shift
KERNEL=${KERNEL:-$KOUT/bzImage}
[ -f "$KERNEL" ] || die "no $KERNEL (run: make kernel)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (run scripts/deps.sh)"

stamp=$(date +%Y%m%d-%H%M%S)
logs=$BUILD/logs/$mode-$stamp
mkdir -p "$logs"
ln -sfn "$mode-$stamp" "$BUILD/logs/latest"
ln -sfn "$mode-$stamp" "$BUILD/logs/latest-$mode"

plan=$logs/plan
case $mode in
check | run | bench) grep -v -e '^#' -e '^$' "${PLAN:-$TOP/tests/$mode.plan}" >"$plan" ;;
soak)
	soak=${SOAK:-1800}
	printf 'mshare_fuzz_long\t%s\t./mshare_fuzz -t %s\n' $((soak + 600)) "$soak" >"$plan"
	printf 'mshare_stress_long\t%s\t./mshare_stress -t %s\n' $((soak + 600)) "$soak" >>"$plan"
	: "${TIMEOUT:=$((2 * soak + 1800))}"
	;;
extra | shell) : >"$plan" ;;
*) die "mode $mode: want check, run, bench, soak, extra or shell" ;;
esac
# Sanitizer kernels are slower: scale the per-test limits (TIMEOUT_SCALE,
# default 3 for SANITIZE=kasan, 2 for pagealloc, else 1).
case "${SANITIZE:-}" in
kasan) : "${TIMEOUT_SCALE:=3}" ;;
pagealloc) : "${TIMEOUT_SCALE:=2}" ;;
*) : "${TIMEOUT_SCALE:=1}" ;;
esac
# fitplan PLAN: scale PLAN's limits and keep only the ONLY lines, in place.
fitplan() {
	if [ "$TIMEOUT_SCALE" != 1 ]; then
		awk -F '\t' -v OFS='\t' -v k="$TIMEOUT_SCALE" '{ $2 = $2 * k; print }' \
			"$1" >"$1.scaled"
		mv "$1.scaled" "$1"
	fi
	if [ -n "${ONLY:-}" ]; then
		grep -E "^[^	]*($ONLY)" "$1" >"$1.only" || true
		mv "$1.only" "$1"
	fi
}
fitplan "$plan"
for p in "$@"; do
	printf '%s\t%s\t%s\n' "extra/${p##*/}" "${EXTRA_TIMEOUT:-600}" "/extra/${p##*/}" >>"$plan"
done
# check: the second boot, 4-level paging and PTI (L4=n: none; L4=only:
# only that one).
l4=
case $mode-${L4:-y} in
check-n) ;;
check-*)
	if [ -f "$TOP/tests/check-l4.plan" ]; then
		mkdir -p "$logs/l4"
		grep -v -e '^#' -e '^$' "$TOP/tests/check-l4.plan" >"$logs/l4/plan"
		fitplan "$logs/l4/plan"
		[ -s "$logs/l4/plan" ] && l4=$logs/l4
		[ -n "$l4" ] || rm -rf "$logs/l4"
	fi
	[ "${L4:-y}" = only ] && : >"$plan"
	;;
esac
[ "$mode" = shell ] || [ -s "$plan" ] || [ -n "$l4" ] || die "nothing to run"

# The accelerator: TCG unless asked (ACCEL=kvm, or auto: KVM when a probe
# boot of this kernel reaches userspace within 20 s; the verdict is kept in
# build/accel-probe). KVM is not the default: on the project's machines the
# guest hangs in early boot under it, the measured limits of the plans are
# TCG's, and -cpu max under TCG always has LA57 (5-level paging) and 1 GiB
# pages, whatever the host CPU.
probe_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "no usable /dev/kvm"; return 1; }
	pdir=$(mktemp -d "$BUILD/kvm-probe.XXXXXX") || return 1
	mkdir -p "$pdir/root/bin"
	cp /bin/busybox "$pdir/root/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo KTEST-KVM-PROBE-OK\n/bin/busybox reboot -f\n' \
		>"$pdir/root/init"
	chmod +x "$pdir/root/init"
	(cd "$pdir/root" && find . | cpio -o -H newc --quiet) >"$pdir/probe.cpio"
	timeout -k 5 20 qemu-system-x86_64 -accel kvm -cpu max -smp 1 -m 512M \
		-kernel "$KERNEL" -initrd "$pdir/probe.cpio" \
		-append "console=ttyS0 panic=-1 rdinit=/init" -no-reboot \
		-nographic -nodefaults -display none -monitor none \
		-serial "file:$pdir/console.log" </dev/null >"$pdir/qemu.log" 2>&1
	if grep -q KTEST-KVM-PROBE-OK "$pdir/console.log" 2>/dev/null; then
		rm -rf "$pdir"
		echo "a probe boot reached userspace"
		return 0
	fi
	err=$(grep -v 'terminating on signal' "$pdir/qemu.log" | tail -n 1)
	echo "a probe boot did not reach userspace in 20 s${err:+ ($err)}"
	rm -rf "$pdir"
	return 1
}
case ${ACCEL:-tcg} in
tcg) accel=tcg why="ACCEL=tcg, the default" ;;
kvm) accel=kvm why="ACCEL=kvm" ;;
auto)
	if [ ! -s "$BUILD/accel-probe" ]; then
		if why=$(probe_kvm); then
			echo "kvm: $why" >"$BUILD/accel-probe"
		else
			echo "tcg: $why" >"$BUILD/accel-probe"
		fi
	fi
	accel=$(sed -n '1s/:.*//p' "$BUILD/accel-probe")
	why="ACCEL=auto, $(sed -n '1s/^[a-z]*: //p' "$BUILD/accel-probe") (cached in $BUILD/accel-probe)"
	;;
*) die "ACCEL=$ACCEL: want tcg, kvm or auto" ;;
esac
say "accelerator: $accel ($why)"

# CPUs, memory and NUMA: SMP vCPUs (2 by default; the kernel brings up at
# most CONFIG_NR_CPUS of them) in two sockets, NODES nodes (2 by default,
# one socket each) with equal shares of MEM. One node per socket: cores of
# one socket share a last-level cache, and the kernel WARNs about a cache
# shared across nodes.
smp=${SMP:-2}
case $smp in
'' | *[!0-9]* | 0) die "SMP=$smp: want a number of vCPUs" ;;
esac
if [ $((smp % 2)) = 0 ]; then
	smpargs="$smp,sockets=2,cores=$((smp / 2)),threads=1"
else
	[ "${NODES:-2}" = 1 ] || die "SMP=$smp: want an even number with NODES=2 (one socket per node)"
	smpargs="$smp,sockets=1,cores=$smp,threads=1"
fi
# cpus A B: "A" or "A-B", QEMU's list of the CPUs A to B.
cpus() { if [ "$1" = "$2" ]; then echo "$1"; else echo "$1-$2"; fi; }
mem=${MEM:-8G}
case $mem in
*[Gg]) mib=$((${mem%?} * 1024)) ;;
*[Mm]) mib=${mem%?} ;;
*) die "MEM=$mem: want a size in M or G" ;;
esac
memargs="-m ${mib}M"
case ${NODES:-2} in
1) ;;
2)
	half=$((mib / 2))
	memargs="$memargs -object memory-backend-ram,id=m0,size=${half}M"
	memargs="$memargs -object memory-backend-ram,id=m1,size=$((mib - half))M"
	memargs="$memargs -numa node,nodeid=0,cpus=$(cpus 0 $((smp / 2 - 1))),memdev=m0"
	memargs="$memargs -numa node,nodeid=1,cpus=$(cpus $((smp / 2)) $((smp - 1))),memdev=m1"
	;;
*) die "NODES=${NODES}: want 1 or 2" ;;
esac

append="console=ttyS0 panic=-1 printk.devkmsg=on ktest.mode=$mode"
append="$append default_hugepagesz=2M hugepagesz=1G hugepages=${HUGE_1G:-4}"
append="$append hugepagesz=2M hugepages=${HUGE_2M:-256}"
# what guest/init tops the 1 GiB pool up to when the boot fell short
case ${HUGE_1G:-4} in
*[!0-9]*) ;;
*) append="$append ktest.huge1g=${HUGE_1G:-4}" ;;
esac
# The soft-lockup watchdog fires after 2 x watchdog_thresh (default 10 s)
# without a reschedule. Under TCG, with lockdep, gup_test's
# PIN_LONGTERM_TEST_READ (upstream cow) copies a pinned 1 GiB page to user
# space in a loop with no cond_resched(): 22 s and more on a loaded host, a
# soft lockup of the emulator, not of the kernel. So 30 (60 s), scaled for
# the sanitizers; a real lockup (a loop that never ends) still reports.
# WATCHDOG_THRESH overrides it.
if [ "$accel" = tcg ] || [ "$TIMEOUT_SCALE" != 1 ]; then
	append="$append watchdog_thresh=${WATCHDOG_THRESH:-$((30 * TIMEOUT_SCALE))}"
fi
append="$append ${APPEND:-}"

# run_qemu DIR [ARG...]: boot the initramfs and disks of DIR, with the
# extra QEMU arguments ARG; extra kernel arguments in $more, a command to
# run QEMU under (timeout) in $wrap.
run_qemu() {
	rd=$1
	shift
	for d in swap ext4 raw; do
		[ -f "$rd/disks/$d.img" ] || continue
		set -- "$@" -drive "file=$rd/disks/$d.img,if=none,id=$d,format=raw,cache=unsafe,discard=unmap" \
			-device "virtio-blk-pci,drive=$d,serial=ktest-$d"
	done
	# shellcheck disable=SC2086 # $wrap and $memargs are word lists
	$wrap qemu-system-x86_64 -accel "$accel" -cpu max -smp "$smpargs" $memargs \
		-kernel "$KERNEL" -initrd "$rd/initramfs.cpio" \
		-append "$append${more:+ $more}" \
		-no-reboot -nographic -nodefaults -display none "$@"
}

# prepare DIR PLAN [PROG...]: the initramfs and fresh disks of a boot.
prepare() {
	pd=$1 pp=$2
	shift 2
	sh "$TOP/scripts/initramfs.sh" "$pd/initramfs.cpio" "$pp" "$@" || exit 1
	sh "$TOP/scripts/disks.sh" "$pd/disks" || exit 1
}
cleanup() {
	rm -f "$1/initramfs.cpio"
	[ -n "${KEEP_DISKS:-}" ] || rm -rf "$1/disks"
}

if [ "$mode" = shell ]; then
	prepare "$logs" "$plan" "$@"
	wrap= more=
	run_qemu "$logs" -serial mon:stdio -serial "file:$logs/ktap.log"
	cleanup "$logs"
	exit 0
fi

# boot DIR TIMEOUT WHAT: run the prepared boot of DIR to its end; the
# console and KTAP logs go to DIR.
boot() {
	bd=$1
	say "booting ($3, $(grep -c . "$bd/plan") tests, timeout $2s, $accel), logs in $bd"
	wrap="timeout -k 10 $2"
	run_qemu "$bd" -serial "file:$bd/console.log" \
		-serial "file:$bd/ktap.log" -monitor none </dev/null &
	qpid=$!
	# Show top-level results as they arrive.
	touch "$bd/ktap.log"
	# In run mode, show the programs' own output too.
	tail -n +1 -f --pid=$qpid "$bd/ktap.log" 2>/dev/null |
		awk -v all="$([ "$mode" = check ] || echo 1)" '
		/^(not )?ok [0-9]+ / { print "  " $0; fflush(); next }
		/^# ktest-(paging|retry) / { print "  " substr($0, 3); fflush(); next }
		all && /^# / && !/^# ktest-/ { print substr($0, 3); fflush() }'
	wait $qpid
	qrc=$?
	[ $qrc = 124 ] && echo "QEMU killed after $2s" >"$bd/timeout"
	cleanup "$bd"
}

if [ -s "$plan" ]; then
	prepare "$logs" "$plan" "$@"
	more=
	boot "$logs" "${TIMEOUT:-$((3600 * TIMEOUT_SCALE))}" "$mode"
fi
if [ -n "$l4" ]; then
	# What results.sh checks the boot really ran with.
	echo "levels=4 pti=on" >"$l4/expect-paging"
	prepare "$l4" "$l4/plan"
	more="no5lvl pti=on"
	boot "$l4" "${TIMEOUT_L4:-$((1800 * TIMEOUT_SCALE))}" "$mode, 4-level paging and PTI"
fi
sh "$TOP/scripts/results.sh" "$logs"
