#!/bin/sh
# bench.sh: `make bench`. Boots the guest on tests/bench.plan (the
# benchmarks of tools/mshare-bench.c, scenarios 1 to 6), then a second
# guest with more CPUs on tests/bench-flush.plan (scenario 7, TLB flushes
# against the number of sharers), and turns what they print into
# build/bench/: one CSV per scenario, results.md (markdown tables and the
# PASS/MISS lines of the targets) and SVG plots (gnuplot).
# Exits non-zero only when the run itself broke (no results, a crash, a
# kernel report); a MISS is a result, not a failure. Environment:
#   HUGE_2M, HUGE_1G  boot-time huge page pools (default 640 and 2)
#   MEM               guest memory (default 8G)
#   BENCH_QUICK=1     small sizes and few processes (development)
#   BENCH_ONLY=1,3    only these scenarios (7: only the second boot)
#   BENCH_SMP         vCPUs of scenario 7's boot (default 8; the kernel
#                     brings up at most CONFIG_NR_CPUS), BENCH_SMP_MEM its
#                     memory (default 2G; no huge page pools)
#   BENCH_LOG="DIR.." no guest: reprocess the logs of earlier boots
. "$(dirname "$0")/lib.sh"
out=$BUILD/bench
status=0

if [ -n "${BENCH_LOG:-}" ]; then
	logs=$BENCH_LOG
else
	# The scenarios of each boot: 1 to 6 in the first, 7 in the second.
	sel=$(printf '%s\n' "${BENCH_ONLY:-1,2,3,4,5,6,7}" | tr ', ' '\n\n')
	first=$(printf '%s\n' "$sel" | grep -x '[1-6]' | tr '\n' ',' | sed 's/,$//')
	# Unknown kernel arguments reach init, and so the program, as
	# environment variables.
	args=
	[ -n "${BENCH_QUICK:-}" ] && args="BENCH_QUICK=$BENCH_QUICK"
	logs=
	if [ -n "$first" ]; then
		HUGE_2M=${HUGE_2M:-640} HUGE_1G=${HUGE_1G:-2} TIMEOUT=${TIMEOUT:-1800} \
			APPEND="${APPEND:-} $args BENCH_ONLY=$first" \
			sh "$TOP/scripts/vm.sh" bench || status=1
		logs=$(cd "$BUILD/logs/latest-bench" && pwd -P) || die "no logs"
	fi
	# Scenario 7: on 2 CPUs at most one other CPU can hold a translation,
	# so its boot has more (BENCH_SMP); its plan sets BENCH_ONLY=7.
	if printf '%s\n' "$sel" | grep -qx 7; then
		[ -z "$logs" ] || sleep 1 # a log directory of its own
		SMP=${BENCH_SMP:-8} MEM=${BENCH_SMP_MEM:-2G} HUGE_2M=0 HUGE_1G=0 \
			TIMEOUT=${TIMEOUT_FLUSH:-6000} PLAN=$TOP/tests/bench-flush.plan \
			APPEND="${APPEND:-} $args" sh "$TOP/scripts/vm.sh" bench || status=1
		logs="$logs $(cd "$BUILD/logs/latest-bench" && pwd -P)" || die "no logs"
	fi
	[ -n "$logs" ] || die "BENCH_ONLY=$BENCH_ONLY: no scenario of 1 to 7"
fi
for l in $logs; do
	[ -f "$l/ktap.log" ] || die "no $l/ktap.log"
done
command -v gnuplot >/dev/null || die "gnuplot is missing (run scripts/deps.sh)"

mkdir -p "$out"
: >"$out/gnuplot.log"
rm -f "$out"/*.csv "$out"/*.dat "$out"/*.svg "$out/results.md"
log=$out/output.txt
for l in $logs; do
	tr -d '\r' <"$l/ktap.log" | sed -n 's/^# //p'
done >"$log"

# One CSV per scenario; of meta, which every boot prints, the first value
# of each key.
sed -n 's/^CSV //p' "$log" | awk -v out="$out" '
BEGIN {
	name["meta"] = "meta"
	name["s1"] = "s1-processes"
	name["s2"] = "s2-size"
	name["s3"] = "s3-attach"
	name["s4"] = "s4-populate"
	name["s5"] = "s5-rearrange"
	name["s6"] = "s6-hooks"
	name["s7"] = "s7-flush"
}
{
	s = $1
	sub(/^[^ ]* /, "")
	if (s == "meta") {
		k = $0
		sub(/,.*/, "", k)
		if (k in seen)
			next
		seen[k] = 1
	}
	f = out "/" (s in name ? name[s] : s) ".csv"
	print > f
}'
ls "$out"/s*.csv >/dev/null 2>&1 || { echo "no CSV lines in the logs of" $logs; status=1; }

# csv2md FILE: the CSV as a markdown table.
csv2md() {
	awk -F, 'NR == 1 { s = "|"; t = "|"
		for (i = 1; i <= NF; i++) { s = s " " $i " |"; t = t "---|" }
		print s; print t; next }
	{ s = "|"; for (i = 1; i <= NF; i++) s = s " " $i " |"; print s }' "$1"
}

# pivot FILE ROWCOL KINDCOL VALCOL DAT: rows by ROWCOL, one column per kind,
# as a markdown table on stdout and a gnuplot data file DAT ("-": none).
pivot() {
	awk -F, -v r="$2" -v k="$3" -v v="$4" -v dat="$5" '
	NR == 1 { rname = $r; vname = $v; next }
	{
		if (!($r in seen)) { seen[$r] = 1; rows[++nr] = $r }
		if (!($k in kseen)) { kseen[$k] = 1; kinds[++nk] = $k }
		val[$r, $k] = $v
	}
	END {
		s = "| " rname " |"; t = "|---|"; d = rname
		for (j = 1; j <= nk; j++) { s = s " " kinds[j] " |"; t = t "---|"; d = d " " kinds[j] }
		print s; print t
		if (dat != "-") print d > dat
		for (i = 1; i <= nr; i++) {
			s = "| " rows[i] " |"; d = rows[i]
			for (j = 1; j <= nk; j++) {
				x = ((rows[i], kinds[j]) in val) ? val[rows[i], kinds[j]] : "-"
				s = s " " x " |"; d = d " " x
			}
			print s
			if (dat != "-") print d > dat
		}
	}' "$1"
}

meta() { awk -F, -v k="$1" '$1 == k { print $2 }' "$out/meta.csv" 2>/dev/null; }
# runs: one line per boot, its guest and the guest time of the benchmark.
runs() {
	for l in $logs; do
		t=$(tr -d '\r' <"$l/ktap.log" | sed -n 's/^ok [0-9]* mshare-bench[a-z-]* # time=\(.*\)$/\1/p')
		k=$(tr -d '\r' <"$l/ktap.log" | sed -n 's/^# ktest-begin //p')
		echo "Run of $(basename "$l") (guest: $k), guest time of the benchmark ${t:-unknown}"
	done
}

s7limit=
[ -n "$(meta s7_limit)" ] && s7limit="N = $(meta s7_limit) did not fit in the guest (see output.txt): the table stops below it."
md=$out/results.md
{
	echo "# mshare benchmarks: results"
	echo
	runs | sed 's/$/  /'
	[ "$(meta quick)" = 1 ] && echo "(QUICK MODE: small sizes and few processes, not the real figures)"
	echo "Region granularity G = $(meta granule) bytes. Page-table sizes in kB (PageTables"
	echo "of /proc/meminfo, exact after vm.stat_refresh); times under TCG are only"
	echo "meaningful as ratios within this run."
	echo
	echo "## Targets"
	echo
	grep -E '^(PASS|MISS) ' "$log" | sed 's/^/- /'
	if [ -f "$out/s1-processes.csv" ]; then
		echo
		echo "## 1. Page-table memory against the number of processes"
		echo
		echo "Page-table kB that N readers of a populated region cost, the region's own"
		echo "tables included (the growth of PageTables with all N attached, minus that of"
		echo "N processes that map nothing, plus what the object holds itself):"
		echo
		pivot "$out/s1-processes.csv" 1 3 4 "$out/s1-pt.dat"
		echo
		echo "Page faults per reader to read all of it:"
		echo
		pivot "$out/s1-processes.csv" 1 3 8 -
		echo
		echo "hugetlb-2M: hugetlb shares PMD tables only where a shared mapping covers a"
		echo "whole 1 GiB-aligned range, so not at this size. sysv-shm: measured up to"
		echo "N = 16 (one fault per page, the slowest under TCG; its tables are memfd's)."
		echo "All rows:"
		echo
		csv2md "$out/s1-processes.csv"
	fi
	if [ -f "$out/s2-size.csv" ]; then
		echo
		echo "## 2. Page-table memory against the region size, N = $(awk -F, 'NR == 2 { print $1 }' "$out/s2-size.csv")"
		echo
		pivot "$out/s2-size.csv" 2 3 4 "$out/s2-pt.dat"
		echo
		echo "hugetlb's PMD sharing applies at 1024 MiB only (a whole aligned GiB); the"
		echo "hugetlb_pmd_share column says whether this kernel shared. All rows:"
		echo
		csv2md "$out/s2-size.csv"
	fi
	if [ -f "$out/s3-attach.csv" ]; then
		echo
		echo "## 3. A new process reads a populated region"
		echo
		echo "memfd-read: reads, with fault-around mapping 16 pages per fault;"
		echo "memfd-write: writes, one fault per page; memfd-populate: MAP_POPULATE"
		echo "at mmap (the faults are taken in mmap). Times are per process, TCG:"
		echo "compare the ratio column only."
		echo
		csv2md "$out/s3-attach.csv"
	fi
	if [ -f "$out/s4-populate.csv" ]; then
		echo
		echo "## 4. Populating with 4 KiB, 2 MiB and 1 GiB pages"
		echo
		echo "Writing every page of a MAP_SHARED anonymous mapping (plain) or of an"
		echo "mshare region attached by the writer (its tables are the region's:"
		echo "VmPTE does not grow, PageTables does, once)."
		echo
		csv2md "$out/s4-populate.csv"
	fi
	if [ -f "$out/s5-rearrange.csv" ]; then
		echo
		echo "## 5. Rearranging a file mapping page by page"
		echo
		echo "Reversing the order of the pages of a memfd mapping, one call per page."
		echo "VMAs in the process from /proc/self/maps; in the region's host mm from"
		echo "its map_count (found with vm.max_map_count: the smallest limit that still"
		echo "lets one more mapping in)."
		echo
		csv2md "$out/s5-rearrange.csv"
	fi
	if [ -f "$out/s6-hooks.csv" ]; then
		echo
		echo "## 6. What mshare's hooks cost a process that never attached a region"
		echo
		echo "One process times each call (CPU time per call, ns) as A, never having"
		echo "attached a region, then as B, after attaching one; a_over_b is its time"
		echo "relative to a second process that never attaches, before over after"
		echo "(below 1: A pays less than B). control: the same ratio across a change"
		echo "that attaches nothing (the method's noise). x_over_y: two processes doing"
		echo "the same work. refused-range is mprotect() refused at its first VMA after"
		echo "the hook walked them all: the hook's walk and little else. walk_pct_of_b:"
		echo "the share of B's time the walk takes (from the refused rows)."
		echo
		csv2md "$out/s6-hooks.csv"
	fi
	if [ -f "$out/s7-flush.csv" ]; then
		echo
		echo "## 7. TLB flushes of a region's changes against the number of sharers"
		echo
		echo "N processes attached to a region read it without pause, spread over"
		echo "CPUs 1 to $(($(meta s7_cpus) - 1)) of $(meta s7_cpus), while one process on CPU 0 changes it;"
		echo "memfd: N processes map a shared memfd and a hole is punched in the"
		echo "page they read. Counted exactly (/proc/vmstat, CONFIG_DEBUG_TLBFLUSH):"
		echo "rounds of flush IPIs (nr_tlb_remote_flush) and IPIs received"
		echo "(nr_tlb_remote_flush_received) per change; mshare-reclaim is one"
		echo "MSHAREFS_ADVISE(MADV_PAGEOUT) of a populated range, pages_per_op the"
		echo "pages it swapped out; the idle rows are a window of the given ms"
		echo "with the readers running and nothing changed.${s7limit:+ $s7limit}"
		echo
		echo "Remote flush rounds per change:"
		echo
		pivot "$out/s7-flush.csv" 1 2 7 -
		echo
		echo "IPIs received per change:"
		echo
		pivot "$out/s7-flush.csv" 1 2 8 -
		echo
		echo "Time per change relative to N = 1 (medians; TCG: ratios only):"
		echo
		pivot "$out/s7-flush.csv" 1 2 10 -
		if [ -n "$(meta s7_spread_ms)" ]; then
			echo
			echo "The control of target 7b: at N = 1, the one reader reading on all"
			echo "$(($(meta s7_cpus) - 1)) reader CPUs (a thread on each), so that a round reaches as"
			echo "many CPUs as from N = $(($(meta s7_cpus) - 1)) on: mshare-replace $(meta s7_spread_ms) ms a"
			echo "replace, $(meta s7_spread_rounds_per_op) rounds and $(meta s7_spread_received_per_op) IPIs received a replace."
		fi
		echo
		echo "All rows:"
		echo
		csv2md "$out/s7-flush.csv"
	fi
} >"$md"

# The plots.
plot() {
	gnuplot >>"$out/gnuplot.log" 2>&1 || { cat "$out/gnuplot.log"; status=1; }
}
# lines DAT: a gnuplot plot list, one line per kind (column), each kind in
# the same colour in every plot.
lines() {
	awk -v f="$1" -v q="'" 'NR == 1 {
		col["memfd"] = "#7b3294"; col["sysv-shm"] = "#1b9e77"
		col["hugetlb-2M"] = "#4a90d9"; col["mshare-4K"] = "#e69f00"
		col["mshare-2M"] = "#d7191c"
		for (i = 2; i <= NF; i++)
			printf "%s%s%s%s using 1:(floor1(column(%d))) with linespoints lw 2 pt 7 lc rgb %s%s%s title %s%s%s",
				(i > 2 ? ", " : ""), q, f, q, i, q, ($i in col ? col[$i] : "black"), q, q, $i, q
		exit
	}' "$1"
}
common="set terminal svg size 900,540 dynamic font 'sans,12' background rgb 'white' noenhanced
set datafile missing '-'
set grid
set key top left
floor1(x) = x < 1 ? 1 : x"
if [ -f "$out/s1-pt.dat" ]; then
	plot <<EOF
$common
set output '$out/s1-processes.svg'
set title 'Page tables for N processes that each read a populated $(awk -F, 'NR == 2 { print $2 }' "$out/s1-processes.csv") MiB region'
set xlabel 'processes (N)'
set ylabel 'page-table memory (kB, log scale; 0 drawn as 1)'
set logscale xy 2
set xtics (1, 2, 4, 8, 16, 32, 64)
set format y '%.0f'
set yrange [0.7:*]
plot $(lines "$out/s1-pt.dat")
EOF
fi
if [ -f "$out/s2-pt.dat" ]; then
	plot <<EOF
$common
set output '$out/s2-size.svg'
set title 'Page tables for $(awk -F, 'NR == 2 { print $1 }' "$out/s2-size.csv") processes against the region size'
set xlabel 'region size (MiB)'
set ylabel 'page-table memory (kB, log scale; 0 drawn as 1)'
set logscale xy 2
set xtics (64, 128, 256, 512, 1024)
set format y '%.0f'
set yrange [0.7:*]
plot $(lines "$out/s2-pt.dat")
EOF
fi
if [ -f "$out/s3-attach.csv" ]; then
	plot <<EOF
$common
set terminal svg size 900,760 dynamic font 'sans,12' background rgb 'white' noenhanced
set output '$out/s3-attach.svg'
set datafile separator ','
set multiplot layout 2,1 title 'A new process reads a populated $(($(awk -F, 'NR == 2 { print $2 }' "$out/s3-attach.csv") / 256)) MiB region'
set style data histograms
set key autotitle columnhead
set style fill solid 0.7 border -1
set boxwidth 0.8
set key off
set xtics norotate
set logscale y 10
set yrange [0.5:*]
set title 'page faults (log scale)'
plot '$out/s3-attach.csv' using 3:xtic(1) lc rgb '#4472c4'
unset logscale y
set yrange [0:*]
set title 'time, relative to mshare-4K-read'
plot '$out/s3-attach.csv' using 9:xtic(1) lc rgb '#ed7d31'
unset multiplot
EOF
fi
if [ -f "$out/s4-populate.csv" ]; then
	plot <<EOF
$common
set terminal svg size 900,760 dynamic font 'sans,12' background rgb 'white' noenhanced
set output '$out/s4-populate.svg'
set datafile separator ','
set multiplot layout 2,1 title 'Populating $(awk -F, 'NR == 2 { print $2 * $3 / 1024 }' "$out/s4-populate.csv") MiB by writing every page'
set style data histograms
set key autotitle columnhead
set style fill solid 0.7 border -1
set key off
set xtics norotate
set logscale y 10
set yrange [0.5:*]
set title 'page faults (log scale)'
plot '$out/s4-populate.csv' using 4:xtic(1) lc rgb '#4472c4'
set title 'page tables, kB (log scale)'
plot '$out/s4-populate.csv' using 5:xtic(1) lc rgb '#70ad47'
unset multiplot
EOF
fi
if [ -f "$out/s5-rearrange.csv" ]; then
	plot <<EOF
$common
set terminal svg size 1100,540 dynamic font 'sans,12' background rgb 'white' noenhanced
set output '$out/s5-rearrange.svg'
set datafile separator ','
set multiplot layout 1,2 title 'Rearranging a file mapping page by page ($(awk -F, 'NR == 2 { print $2 }' "$out/s5-rearrange.csv") calls)'
set style data histograms
set key autotitle columnhead
set style fill solid 0.7 border -1
set key top right
set xtics norotate
set logscale y 10
set yrange [0.5:*]
set title 'VMAs (log scale)'
plot '$out/s5-rearrange.csv' using 3:xtic(1) lc rgb '#4472c4' title 'in the process', \
	'' using 4 lc rgb '#a5a5a5' title 'in the host mm'
unset logscale y
set yrange [0:*]
set key off
set title 'time per call, relative to remap_file_pages'
plot '$out/s5-rearrange.csv' using 6:xtic(1) lc rgb '#ed7d31'
unset multiplot
EOF
fi
if [ -f "$out/s6-hooks.csv" ]; then
	plot <<EOF
$common
set terminal svg size 1000,540 dynamic font 'sans,12' background rgb 'white' noenhanced
set output '$out/s6-hooks.svg'
set datafile separator ','
set title 'Per-call cost before the first attach (A) relative to after it (B), $(awk -F, 'NR == 2 { print $2 }' "$out/s6-hooks.csv") VMAs'
set style data histograms
set key autotitle columnhead
set style fill solid 0.7 border -1
set key top right
set xtics norotate font ',11'
set ylabel 'ratio (1: same cost)'
set yrange [0:1.4]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot '$out/s6-hooks.csv' using 6:xtic(1) lc rgb '#e69f00' title 'A/B', \
	'' using 9 lc rgb '#a5a5a5' title 'control (nothing attached)'
EOF
fi
if [ -f "$out/s7-flush.csv" ]; then
	# The changes of one page or range, against N: one data file per
	# figure, a column per case.
	awk -F, 'NR == 1 || $2 ~ /^(mshare-replace|mshare-replace-hot|mshare-unmap|memfd-replace)$/' \
		"$out/s7-flush.csv" >"$out/s7-plot.csv"
	pivot "$out/s7-plot.csv" 1 2 7 "$out/s7-rounds.dat" >/dev/null
	pivot "$out/s7-plot.csv" 1 2 8 "$out/s7-received.dat" >/dev/null
	pivot "$out/s7-plot.csv" 1 2 10 "$out/s7-time.dat" >/dev/null
	rm -f "$out/s7-plot.csv"
	# lines7 DAT: one line per case, the same colour in each figure.
	lines7() {
		awk -v f="$1" -v q="'" 'NR == 1 {
			col["mshare-replace"] = "#e69f00"; col["mshare-replace-hot"] = "#4a90d9"
			col["mshare-unmap"] = "#d7191c"
			col["memfd-replace"] = "#7b3294"
			for (i = 2; i <= NF; i++)
				printf "%s%s%s%s using 1:%d with linespoints lw 2 pt 7 lc rgb %s%s%s title %s%s%s",
					(i > 2 ? ", " : ""), q, f, q, i, q, ($i in col ? col[$i] : "black"), q, q, $i, q
			exit
		}' "$1"
	}
	# Without the counters (no CONFIG_DEBUG_TLBFLUSH), the times only.
	if awk 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "-") f = 1 } END { exit !f }' \
		"$out/s7-rounds.dat"; then
		panels=3 counts="set title 'remote flush rounds per change'
plot $(lines7 "$out/s7-rounds.dat")
set title 'IPIs received per change'
plot $(lines7 "$out/s7-received.dat")"
	else
		panels=1 counts=
	fi
	plot <<EOF
$common
set terminal svg size $((panels * 470)),520 dynamic font 'sans,12' background rgb 'white' noenhanced
set output '$out/s7-flush.svg'
set multiplot layout 1,$panels title 'Changing a page or range of a region that N processes read, $(meta s7_cpus) CPUs'
set logscale x 2
set xrange [0.8:1300]
set xtics (1, 16, 64, 256, 1024)
set xlabel 'processes reading it (N)'
set yrange [0:*]
$counts
set title 'time per change, relative to N = 1 (log scale)'
set logscale y 10
set yrange [0.5:*]
plot $(lines7 "$out/s7-time.dat")
unset multiplot
EOF
fi

{
	echo
	echo "## Figures"
	echo
	for f in "$out"/*.svg; do
		[ -f "$f" ] || continue
		echo "![$(basename "$f" .svg)]($(basename "$f"))"
		echo
	done
} >>"$md"

say "results in $out: $(cd "$out" && echo *.csv *.svg results.md)"
grep -E '^(PASS|MISS) ' "$log"
runs | while read -r line; do say "$line"; done
exit $status
