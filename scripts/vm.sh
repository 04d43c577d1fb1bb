#!/bin/sh
# vm.sh MODE [PROG...]: boot build/bzImage in QEMU (TCG, -cpu max, 2 CPUs)
# with a fresh initramfs and run the plan of MODE:
#   check   tests/check.plan: our selftests and the upstream mm subset
#   run     tests/run.plan: show each feature working
#   bench   tests/bench.plan: the benchmarks
#   soak    the long forms of the mshare fuzzer and stress test, SOAK
#           seconds each (default 1800)
#   extra   only the programs given as arguments
#   shell   an interactive shell in the guest (no timeout)
# In every mode but shell, programs given as arguments are run too (after
# the plan). Results: per-test lines and one "N passed, N failed, N skipped"
# line; the logs are kept under build/logs/. Environment:
#   TIMEOUT (s, whole run), TIMEOUT_SCALE (multiplies every limit; 3 with
#   SANITIZE=kasan, 2 with pagealloc), MEM (guest memory), APPEND (more kernel args),
#   ONLY (a grep -E pattern selecting plan lines by name).
. "$(dirname "$0")/lib.sh"
mode=${1:-check}
[ $# -gt 0 ] && shift
[ -f "$BUILD/bzImage" ] || die "no $BUILD/bzImage (run: make kernel)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (run scripts/deps.sh)"

stamp=$(date +%Y%m%d-%H%M%S)
logs=$BUILD/logs/$mode-$stamp
mkdir -p "$logs"
ln -sfn "$mode-$stamp" "$BUILD/logs/latest"
ln -sfn "$mode-$stamp" "$BUILD/logs/latest-$mode"

plan=$logs/plan
case $mode in
check | run | bench) grep -v -e '^#' -e '^$' "$TOP/tests/$mode.plan" >"$plan" ;;
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
if [ "$TIMEOUT_SCALE" != 1 ]; then
	awk -F '\t' -v OFS='\t' -v k="$TIMEOUT_SCALE" '{ $2 = $2 * k; print }' \
		"$plan" >"$plan.scaled"
	mv "$plan.scaled" "$plan"
fi
if [ -n "${ONLY:-}" ]; then
	grep -E "^[^	]*($ONLY)" "$plan" >"$plan.only" || true
	mv "$plan.only" "$plan"
fi
for p in "$@"; do
	printf '%s\t%s\t%s\n' "extra/${p##*/}" "${EXTRA_TIMEOUT:-600}" "/extra/${p##*/}" >>"$plan"
done
[ "$mode" = shell ] || [ -s "$plan" ] || die "nothing to run"

initrd=$logs/initramfs.cpio
sh "$TOP/scripts/initramfs.sh" "$initrd" "$plan" "$@" || exit 1

mem=${MEM:-8G}
append="console=ttyS0 panic=-1 printk.devkmsg=on ktest.mode=$mode"
append="$append default_hugepagesz=2M hugepagesz=1G hugepages=${HUGE_1G:-4}"
append="$append hugepagesz=2M hugepages=${HUGE_2M:-256}"
# The soft-lockup watchdog fires after 2 x watchdog_thresh (10 s) without a
# reschedule; sanitizer kernels under TCG take longer over long loops with
# no cond_resched() (gup_test pinning a 1 GiB page under KASAN), so scale it.
[ "$TIMEOUT_SCALE" != 1 ] &&
	append="$append watchdog_thresh=$((10 * TIMEOUT_SCALE))"
append="$append ${APPEND:-}"
set -- qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$mem" \
	-kernel "$BUILD/bzImage" -initrd "$initrd" -append "$append" \
	-no-reboot -nographic -nodefaults -display none
if [ "$mode" = shell ]; then
	"$@" -serial mon:stdio -serial "file:$logs/ktap.log"
	rm -f "$initrd"
	exit 0
fi

timeout=${TIMEOUT:-$((3600 * TIMEOUT_SCALE))}
say "booting ($mode, $(grep -c . "$plan") tests, timeout ${timeout}s), logs in $logs"
timeout -k 10 "$timeout" "$@" -serial "file:$logs/console.log" \
	-serial "file:$logs/ktap.log" -monitor none </dev/null &
qpid=$!
# Show top-level results as they arrive.
touch "$logs/ktap.log"
# In run mode, show the programs' own output too.
tail -n +1 -f --pid=$qpid "$logs/ktap.log" 2>/dev/null |
	awk -v all="$([ "$mode" = check ] || echo 1)" '
	/^(not )?ok [0-9]+ / { print "  " $0; fflush(); next }
	all && /^# / && !/^# ktest-/ { print substr($0, 3); fflush() }'
wait $qpid
qrc=$?
[ $qrc = 124 ] && echo "QEMU killed after ${timeout}s" >"$logs/timeout"
rm -f "$initrd"
sh "$TOP/scripts/results.sh" "$logs"
