#!/bin/sh
# results.sh LOGDIR: read a run's KTAP (ktap.log) and kernel console
# (console.log); print each test's result, the logs' paths and the final
# "N passed, N failed, N skipped" line. Exits 1 when a test failed, the
# guest did not finish, or the kernel log holds a WARNING, BUG, Oops,
# lockdep or KASAN report, a bad page-table entry, a bad page, a bad RSS
# counter or page-table bytes left at exit.
# A second boot of the same run (check's 4-level paging boot) has its logs
# in LOGDIR/l4: its tests are named l4/NAME, its kernel log is checked the
# same way, and when LOGDIR/l4/expect-paging says "levels=4 pti=on" the
# guest's "# ktest-paging" line must say so too. One final line for both.
# A test run again (retry=1 in the plan) is shown as a RETRY line, the
# checks of its failed run not counted, and listed again at the end with
# the result of its second run. A setting a test left changed
# (guest/ktest-runner puts it back) is shown as a LEAK line; it is not
# counted as a failure. Each failure is recapped last, with the lines its
# test printed before it (at most 20), so that the end of the output says
# what failed and why.
logs=${1:?usage: results.sh LOGDIR}

# Kernel reports: quoted with some context.
pat='WARNING:|BUG:|Oops|kernel BUG|general protection fault|Kernel panic|'
pat="$pat"'possible (circular|recursive) locking|inconsistent lock state|'
pat="$pat"'lockdep is turned off|KASAN|UBSAN|Bad page|'
pat="$pat"'bad (pgd|p4d|pud|pmd|pte) |Bad rss-counter|non-zero pgtables_bytes'
pat="$pat"'|INFO: task .* blocked|soft lockup|RCU stall'

tpassed=0 tfailed=0 tskipped=0 status=0
# boot DIR PREFIX: the results of one boot, its tests named PREFIX/NAME.
boot() {
	ktap=$1/ktap.log
	console=$1/console.log
	tr -d '\r' <"$ktap" >"$ktap.clean" 2>/dev/null || : >"$ktap.clean"

	# Leaf results: the "ok"/"not ok" lines of each program's own KTAP
	# (nested once, behind "# "); a program that prints none counts as one
	# result.
	awk -v pfx="$2" -v retryfile="$1/retries" -v failfile="$1/failures" '
	# recap WHAT: a failure and the diagnostics printed before it.
	function recap(what,   k) {
		bfails = bfails "FAIL  " what "\n"
		for (k = (nd > 20 ? nd - 20 : 0); k < nd; k++)
			bfails = bfails "  > " diag[k % 20] "\n"
		nd = 0
	}
	function flush_block() {
		if (name == "")
			return
		printf "%s", buf
		for (r in bres)
			res[r] += bres[r]
		if (top == "")
			top = "fail"
		if (retried != "")
			retries = retries "RETRY " name ": " (top == "fail" ? "failed" : "passed") " when run again (" retried ")\n"
		if (leaves == 0) {
			res[top]++
			printf "%-5s %s%s\n", top == "pass" ? "ok" : top == "skip" ? "SKIP" : "FAIL", name, why
			if (top == "fail")
				recap(name why)
		} else if (top == "fail" && leaf_fail == 0) {
			res["fail"]++
			printf "FAIL  %s%s (its checks passed, the program did not)\n", name, why
			recap(name why " (its checks passed, the program did not)")
		}
		fails = fails bfails
		bfails = ""
		nd = 0
		name = ""
	}
	function reset_block() {
		leaves = 0; leaf_fail = 0; buf = ""; split("", bres)
	}
	/^# ktest-start / { flush_block(); name = pfx substr($0, 15); reset_block(); top = ""; why = ""; retried = ""; nd = 0; next }
	/^# ktest-retry / && name != "" {
		line = $0
		sub(/^# ktest-retry [^ ]* /, "", line)
		sub(/, running it again$/, "", line)
		printf "RETRY %s: %s, running it again (its %d check(s) of that run not counted)\n", name, line, leaves
		retried = retried (retried == "" ? "" : "; ") line
		reset_block()
		bfails = ""
		nd = 0
		next
	}
	/^# (not )?ok [0-9]+ / && name != "" {
		line = substr($0, 3)
		leaves++
		sub(/^(not )?ok [0-9]+ /, "", line)
		if ($0 ~ /^# not ok/ && $0 !~ /# (TODO|XFAIL)/) { r = "fail"; leaf_fail++ }
		else if ($0 ~ /# [Ss][Kk][Ii][Pp]/) r = "skip"
		else r = "pass"
		bres[r]++
		buf = buf sprintf("%-5s %s: %s\n", r == "pass" ? "ok" : r == "skip" ? "SKIP" : "FAIL", name, line)
		if (r == "fail")
			recap(name ": " line)
		nd = 0
		next
	}
	# What a test printed since its last result: the diagnostics of a
	# failure (the RUN and OK lines of the harness left out).
	/^# / && name != "" && $0 !~ /^# # +(RUN|OK|FAIL) / &&
	    $0 !~ /^# (TAP version|[0-9]+\.\.[0-9]+$|# Starting |ktest-)/ {
		diag[nd % 20] = substr($0, 3)
		nd++
	}
	/^(not )?ok [0-9]+ / && name != "" {
		if ($0 ~ /^not ok/) top = "fail"; else if ($0 ~ /# SKIP/) top = "skip"; else top = "pass"
		if (top != "pass") { why = $0; sub(/^.*# /, " # ", why) }
		flush_block()
		next
	}
	/^# ktest-leak / { print "LEAK  " pfx substr($0, 14); next }
	/^# ktest-all-done/ { flush_block(); done = 1 }
	END {
		flush_block()
		printf "%s", retries > retryfile
		printf "%s", fails > failfile
		printf "passed=%d failed=%d skipped=%d done=%d\n", res["pass"], res["fail"], res["skip"], done > "/dev/stderr"
	}' "$ktap.clean" 2>"$1/counts" >"$1/results"
	cat "$1/results"
	eval "$(sed -e 's/ /;/g' "$1/counts")"

	if [ "$done" != 1 ]; then
		failed=$((failed + 1))
		if [ -f "$1/timeout" ]; then
			echo "FAIL  ${2}guest: $(cat "$1/timeout")"
		else
			echo "FAIL  ${2}guest: the run did not finish (kernel panic or crash?)"
		fi | tee -a "$1/failures"
		tail -n 25 "$console" 2>/dev/null | sed 's/^/  | /'
	fi
	if [ -f "$1/expect-paging" ]; then
		want=$(cat "$1/expect-paging")
		got=$(sed -n 's/^# ktest-paging \([^(]*[^ (]\).*/\1/p' "$ktap.clean")
		if [ "$got" != "$want" ]; then
			failed=$((failed + 1))
			echo "FAIL  ${2}paging: the guest ran with '${got:-nothing reported}', not '$want'" |
				tee -a "$1/failures"
		fi
	fi
	if grep -Eq "$pat" "$console" 2>/dev/null; then
		failed=$((failed + 1))
		echo "FAIL  ${2}kernel log: $(grep -Ec "$pat" "$console") report line(s):"
		grep -E -m 3 -A 20 "$pat" "$console" | head -n 60 | sed 's/^/  | /'
		{
			echo "FAIL  ${2}kernel log: the first report line(s):"
			grep -E -m 3 "$pat" "$console" | sed 's/^/  > /'
		} >>"$1/failures"
	fi
	tpassed=$((tpassed + passed))
	tfailed=$((tfailed + failed))
	tskipped=$((tskipped + skipped))
	logsout="$logsout $console $ktap"
	retryout="$retryout$(cat "$1/retries" 2>/dev/null)
"
	failout="$failout$(cat "$1/failures" 2>/dev/null)
"
}

logsout= retryout= failout=
[ -f "$logs/plan" ] && [ -s "$logs/plan" ] && boot "$logs" ""
[ -d "$logs/l4" ] && boot "$logs/l4" "l4/"
[ -n "$logsout" ] || { echo "FAIL  no boot in $logs"; tfailed=1; }
[ "$tfailed" -gt 0 ] && status=1
# Tests that passed only when run again (retry=1 in the plan): listed last,
# so they are seen even when everything passed.
printf '%s' "$retryout" | grep .
# Every failure again, with what its test printed before it.
if printf '%s' "$failout" | grep -q .; then
	echo "failures, with the lines printed before each:"
	printf '%s' "$failout" | grep .
fi
first=logs:
for f in $logsout; do
	printf '%-5s %s\n' "$first" "$f"
	first=
done
echo "$tpassed passed, $tfailed failed, $tskipped skipped"
exit $status
