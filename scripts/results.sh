#!/bin/sh
# results.sh LOGDIR: read a run's KTAP (ktap.log) and kernel console
# (console.log); print each test's result, the logs' paths and the final
# "N passed, N failed, N skipped" line. Exits 1 when a test failed, the
# guest did not finish, or the kernel log holds a WARNING, BUG, Oops,
# lockdep or KASAN report.
# A setting a test left changed (guest/ktest-runner puts it back) is shown
# as a LEAK line; it is not counted as a failure.
logs=${1:?usage: results.sh LOGDIR}
ktap=$logs/ktap.log
console=$logs/console.log
tr -d '\r' <"$ktap" >"$ktap.clean" 2>/dev/null || : >"$ktap.clean"

# Leaf results: the "ok"/"not ok" lines of each program's own KTAP (nested
# once, behind "# "); a program that prints none counts as one result.
awk '
function flush_block() {
	if (name == "")
		return
	if (top == "")
		top = "fail"
	if (leaves == 0) {
		res[top]++
		printf "%-5s %s%s\n", top == "pass" ? "ok" : top == "skip" ? "SKIP" : "FAIL", name, why
	} else if (top == "fail" && leaf_fail == 0) {
		res["fail"]++
		printf "FAIL  %s%s (its checks passed, the program did not)\n", name, why
	}
	name = ""
}
/^# ktest-start / { flush_block(); name = substr($0, 15); leaves = 0; leaf_fail = 0; top = ""; why = ""; next }
/^# (not )?ok [0-9]+ / && name != "" {
	line = substr($0, 3)
	leaves++
	sub(/^(not )?ok [0-9]+ /, "", line)
	if ($0 ~ /^# not ok/ && $0 !~ /# (TODO|XFAIL)/) { r = "fail"; leaf_fail++ }
	else if ($0 ~ /# [Ss][Kk][Ii][Pp]/) r = "skip"
	else r = "pass"
	res[r]++
	printf "%-5s %s: %s\n", r == "pass" ? "ok" : r == "skip" ? "SKIP" : "FAIL", name, line
	next
}
/^(not )?ok [0-9]+ / && name != "" {
	if ($0 ~ /^not ok/) top = "fail"; else if ($0 ~ /# SKIP/) top = "skip"; else top = "pass"
	if (top != "pass") { why = $0; sub(/^.*# /, " # ", why) }
	flush_block()
	next
}
/^# ktest-leak / { print "LEAK  " substr($0, 14); next }
/^# ktest-all-done/ { flush_block(); done = 1 }
END {
	flush_block()
	printf "passed=%d failed=%d skipped=%d done=%d\n", res["pass"], res["fail"], res["skip"], done > "/dev/stderr"
}' "$ktap.clean" 2>"$logs/counts" >"$logs/results"
cat "$logs/results"
eval "$(sed -e 's/ /;/g' "$logs/counts")"

status=0
if [ "$done" != 1 ]; then
	failed=$((failed + 1))
	status=1
	if [ -f "$logs/timeout" ]; then
		echo "FAIL  guest: $(cat "$logs/timeout")"
	else
		echo "FAIL  guest: the run did not finish (kernel panic or crash?)"
	fi
	tail -n 25 "$console" 2>/dev/null | sed 's/^/  | /'
fi

# Kernel reports: quote each with some context.
pat='WARNING:|BUG:|Oops|kernel BUG|general protection fault|Kernel panic|'
pat="$pat"'possible (circular|recursive) locking|inconsistent lock state|'
pat="$pat"'lockdep is turned off|KASAN|UBSAN|Bad page (state|map)'
pat="$pat"'|INFO: task .* blocked|soft lockup|RCU stall'
if grep -Eq "$pat" "$console" 2>/dev/null; then
	failed=$((failed + 1))
	status=1
	echo "FAIL  kernel log: $(grep -Ec "$pat" "$console") report line(s):"
	grep -E -m 3 -A 20 "$pat" "$console" | head -n 60 | sed 's/^/  | /'
fi
[ "$failed" -gt 0 ] && status=1
echo "logs: $console"
echo "      $ktap"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
