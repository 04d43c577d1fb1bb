#!/bin/sh
# pgbench.sh: `make pgbench`. PostgreSQL 15, unmodified, on mshare: builds
# the guest (scripts/pgguest.sh), boots it (QEMU TCG, 2 CPUs, MEM 8G, the
# ext4 root with the data directory and a swap disk), runs
# guest/pg/pgbench-guest and turns what it prints into build/pgbench/: CSV,
# results.md (tables, the PASS/MISS lines of the targets, the checks) and
# SVG plots. Runs as root (mmdebstrap). Environment:
#   PG_MODE=bench     the four configurations, then the checks (default)
#   PG_MODE=short     only the checks, on a small database (the short form:
#                     shared_buffers 128 MiB, pgbench scale 7, 30 s of TPC-B)
#   PG_SB, PG_SCALE, PG_CLIENTS (commas: 1,16,64,128), PG_CONFIGS (a,b,c,d),
#   PG_STEADY, PG_CAP, PG_LOOKUPS, PG_RW, PG_SAMPLE, PG_CHECKS (last, first,
#                     0): passed to the guest (guest/pg/pgbench-guest says
#                     what they do)
#   PG_TARGET_N       the client count the targets are read at (128)
#   MEM, TIMEOUT      guest memory (8G), limit of the whole run (s, 21600;
#                     what finished before it is still turned into results)
#   PG_LOG=DIR        no guest: process the logs of an earlier run again
# Exits non-zero when the run broke (no end marker, a kernel report) or a
# check failed; a MISS is a result, not a failure.
. "$(dirname "$0")/lib.sh"
mode=${PG_MODE:-bench}
out=$BUILD/pgbench
[ "$mode" = short ] && out=$BUILD/pgbench-short
status=0

if [ -n "${PG_LOG:-}" ]; then
	logs=$PG_LOG
else
	sh "$TOP/scripts/pgguest.sh" || exit 1
	stamp=$(date +%Y%m%d-%H%M%S)
	logs=$BUILD/logs/pgbench-$mode-$stamp
	mkdir -p "$logs"
	ln -sfn "pgbench-$mode-$stamp" "$BUILD/logs/latest-pgbench-$mode"
	append="console=ttyS0 panic=-1 printk.devkmsg=on root=/dev/vda rootfstype=ext4 rw"
	append="$append init=/usr/local/sbin/pg-init PG_MODE=$mode"
	for v in PG_SB PG_SCALE PG_CLIENTS PG_CONFIGS PG_STEADY PG_CAP PG_LOOKUPS PG_RW PG_SAMPLE PG_CHECKS; do
		eval "val=\${$v:-}"
		[ -n "$val" ] && append="$append $v=$val"
	done
	timeout=${TIMEOUT:-21600}
	pg=$BUILD/pg
	say "booting the PostgreSQL guest ($mode, timeout ${timeout}s), logs in $logs"
	t0=$(date +%s)
	timeout -k 10 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp 2 \
		-m "${MEM:-8G}" -kernel "$pg/kernel/bzImage" -append "$append" \
		-drive "file=$pg/root.img,if=none,id=root,format=raw,cache=unsafe" \
		-device virtio-blk-pci,drive=root,serial=pg-root \
		-drive "file=$pg/swap.img,if=none,id=swap,format=raw,cache=unsafe" \
		-device virtio-blk-pci,drive=swap,serial=pg-swap \
		-no-reboot -nographic -nodefaults -display none \
		-serial "file:$logs/console.log" -serial "file:$logs/out.log" \
		-monitor none </dev/null >"$logs/qemu.log" 2>&1 &
	qpid=$!
	# The host's load while the guest runs (TCG shares the host's cores:
	# its speed follows their load), a line every 10 s; and when each
	# line of the guest arrived, to match them.
	(while kill -0 $qpid 2>/dev/null; do
		echo "$(date +%s) $(cut -d' ' -f1 /proc/loadavg)"
		sleep 10
	done) >"$logs/hostload" 2>/dev/null &
	touch "$logs/out.log"
	tail -n +1 -f --pid=$qpid "$logs/out.log" 2>/dev/null |
		while IFS= read -r line; do
			case $line in
			"# "* | CHECK* | PGBENCH-END*)
				echo "$(date +%s) $line" >>"$logs/arrived"
				echo "  $line" ;;
			esac
		done
	wait $qpid
	qrc=$?
	[ $qrc = 124 ] && echo "QEMU killed after ${timeout}s" >"$logs/timeout"
	echo "$(($(date +%s) - t0))" >"$logs/seconds"
fi
[ -f "$logs/out.log" ] || die "no $logs/out.log"
mkdir -p "$out"
rm -f "$out"/*.csv "$out"/*.dat "$out"/*.svg "$out/results.md" "$out/gnuplot.log"
log=$out/output.txt
tr -d '\r' <"$logs/out.log" >"$log"

end=$(sed -n 's/^PGBENCH-END //p' "$log")
if [ -z "$end" ]; then
	status=1
	echo "FAIL  guest: the run did not finish$([ -f "$logs/timeout" ] && echo ": $(cat "$logs/timeout")")"
	tail -n 25 "$logs/console.log" 2>/dev/null | sed 's/^/  | /'
fi
pat='WARNING:|BUG:|Oops|kernel BUG|general protection fault|Kernel panic|'
pat="$pat"'possible (circular|recursive) locking|inconsistent lock state|'
pat="$pat"'KASAN|UBSAN|Bad page (state|map)|bad p[4mu]d|'
pat="$pat"'INFO: task .* blocked|soft lockup|RCU stall|Out of memory'
if grep -Eq "$pat" "$logs/console.log" 2>/dev/null; then
	status=1
	echo "FAIL  kernel log: $(grep -Ec "$pat" "$logs/console.log") report line(s):"
	grep -E -m 3 -A 20 "$pat" "$logs/console.log" | head -n 60 | sed 's/^/  | /'
fi
grep -q '^CHECK not ok' "$log" && status=1

# The CSV tables.
{
	echo "config,clients,txns,failed,seconds,warm_s,tps_steady,lat_steady_ms,steady_s,steady_txns,tps_all,lat_all_ms,conn_init_ms,pt_base_kb,pt_peak_kb,pt_db_kb,vmpte_sum_kb,vmpte_per_backend_kb,vmpte_max_kb,backends,minflt,minflt_per_backend,samples,sweep_pct,capped"
	sed -n 's/^CSV pg //p' "$log"
} >"$out/pgbench.csv"
# The host's mean load during each run (when the guest's lines arrived).
if [ -s "$logs/arrived" ] && [ -s "$logs/hostload" ]; then
	awk -v arr="$logs/arrived" -v ld="$logs/hostload" '
	BEGIN {
		while ((getline l < ld) > 0) { split(l, f, " "); lt[++nl] = f[1]; lv[nl] = f[2] }
		while ((getline l < arr) > 0) {
			split(l, f, " ")
			# "# config a, 16 clients: huge_pages=..." starts a run
			# ("# config a, 16 clients: 90 s" ends the configuration)
			if (f[2] == "#" && f[3] == "config" && f[6] == "clients:" && f[7] ~ /^huge_pages=/) {
				c = f[4]; sub(/,$/, "", c); t0[c "," f[5]] = f[1]
			}
			if (f[2] == "#" && f[4] ~ /^n=[0-9]+:$/) {
				n = f[4]; sub(/^n=/, "", n); sub(/:$/, "", n); t1[f[3] "," n] = f[1]
			}
		}
	}
	NR == 1 { print $0 ",host_load"; next }
	{
		k = $1 "," $2; s = 0; m = 0
		for (i = 1; i <= nl; i++) if (lt[i] >= t0[k] && lt[i] <= t1[k]) { s += lv[i]; m++ }
		print $0 "," (m ? sprintf("%.2f", s / m) : "-")
	}' FS=, "$out/pgbench.csv" >"$out/pgbench.csv.tmp" && mv "$out/pgbench.csv.tmp" "$out/pgbench.csv"
fi
{ echo "config,conn_ms"; sed -n 's/^CSV conn //p' "$log"; } >"$out/conn.csv"
{ echo "config,clients,ms,pagetables_kb,backends,vmpte_sum_kb,vmpte_max_kb,minflt_sum"; sed -n 's/^CSV trace //p' "$log"; } >"$out/trace.csv"
{ echo "key,value"; sed -n 's/^CSV meta //p' "$log"; } >"$out/meta.csv"
{ echo "key,value"; sed -n 's/^CSV check //p' "$log"; } >"$out/checks.csv"
meta() { awk -F, -v k="$1" '$1 == k { sub(/^[^,]*,/, ""); print }' "$out/meta.csv"; }
N=${PG_TARGET_N:-128}
# The highest client count all configurations measured.
top=$(awk -F, 'NR > 1 { n[$2]++; if (!($1 in c)) { c[$1] = 1; nc++ } }
	END { for (k in n) if (n[k] == nc && k + 0 > m) m = k + 0; if (m) print m }' "$out/pgbench.csv")

# v CONFIG CLIENTS COLUMN: one value of pgbench.csv.
v() {
	awk -F, -v c="$1" -v n="$2" -v col="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
		$1 == c && $2 == n { print $(k[col]); exit }' "$out/pgbench.csv"
}
# The targets, at N clients.
targets() {
	pa=$(v a "$N" pt_db_kb) pb=$(v b "$N" pt_db_kb) pc=$(v c "$N" pt_db_kb) pd=$(v d "$N" pt_db_kb)
	fa=$(v a "$N" minflt_per_backend) fc=$(v c "$N" minflt_per_backend)
	ta=$(v a "$N" tps_steady) tc=$(v c "$N" tps_steady)
	awk -v pa="$pa" -v pb="$pb" -v pc="$pc" -v pd="$pd" -v fa="$fa" -v fc="$fc" \
		-v ta="$ta" -v tc="$tc" -v n="$N" 'function r(c) { return c ? "PASS" : "MISS" }
	function have(x) { return x != "" && x != "-" }
	BEGIN {
		if (have(pa) && have(pc))
			printf "%s (c) page tables at %d clients at most 1/20 of (a)'"'"'s: %d kB against %d kB (1/%.1f)\n",
				r(pc * 20 <= pa), n, pc, pa, (pc > 0 ? pa / pc : 0)
		else print "MISS (c) page tables against (a): not measured at " n " clients"
		if (have(fa) && have(fc))
			printf "%s (c) minor faults a backend at %d clients at most 1/10 of (a)'"'"'s: %d against %d (1/%.1f)\n",
				r(fc * 10 <= fa), n, fc, fa, (fc > 0 ? fa / fc : 0)
		else print "MISS (c) faults against (a): not measured at " n " clients"
		if (have(ta) && have(tc))
			printf "%s (c) tps at %d clients at least 0.95x (a)'"'"'s: %.2f against %.2f (%.3fx)\n",
				r(tc >= 0.95 * ta), n, tc, ta, (ta > 0 ? tc / ta : 0)
		else print "MISS (c) tps against (a): not measured at " n " clients"
		if (have(pb) && have(pd))
			printf "%s (d) page tables at %d clients no more than (b)'"'"'s: %d kB against %d kB\n",
				r(pd <= pb), n, pd, pb
		else print "MISS (d) page tables against (b): not measured at " n " clients"
	}'
}

# pivot COLUMN DAT: clients down, configurations across (markdown; a
# gnuplot data file DAT unless "-").
pivot() {
	awk -F, -v col="$1" -v dat="$2" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
	{
		if (!($2 in seen)) { seen[$2] = 1; rows[++nr] = $2 }
		if (!($1 in cs)) { cs[$1] = 1; cfg[++nc] = $1 }
		val[$2, $1] = $(k[col])
	}
	END {
		s = "| clients |"; t = "|---|"; d = "clients"
		for (j = 1; j <= nc; j++) { s = s " " cfg[j] " |"; t = t "---|"; d = d " " cfg[j] }
		print s; print t
		if (dat != "-") print d > dat
		for (i = 1; i <= nr; i++) {
			s = "| " rows[i] " |"; d = rows[i]
			for (j = 1; j <= nc; j++) {
				x = ((rows[i], cfg[j]) in val) && val[rows[i], cfg[j]] != "" ? val[rows[i], cfg[j]] : "-"
				s = s " " x " |"; d = d " " x
			}
			print s
			if (dat != "-") print d > dat
		}
	}' "$out/pgbench.csv"
}

# The table at N clients: each configuration, ratios to (a).
table_n() {
	awk -F, -v n="$N" -v conn="$out/conn.csv" '
	BEGIN { while ((getline l < conn) > 0) { split(l, f, ","); cm[f[1]] = f[2] }
		name["a"] = "(a) mmap, 4 KiB"; name["b"] = "(b) huge_pages=on, 2 MiB"
		name["c"] = "(c) mshare-run, 4 KiB"; name["d"] = "(d) mshare-run, 2 MiB" }
	NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
	$2 == n { row[++nr] = $0; if ($1 == "a") { ta = $(k["tps_steady"]); la = $(k["lat_steady_ms"]) } }
	END {
		print "| configuration | PageTables growth (kB) | VmPTE, sum over backends (kB) | VmPTE a backend (kB) | minor faults a backend | sweep a client (%) | tps (steady) | tps / (a) | latency (ms) | latency / (a) | backend start, pgbench -C (ms) | host load |"
		print "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nr; i++) {
			split(row[i], f, ",")
			tr = (ta > 0 && f[k["tps_steady"]] != "-") ? sprintf("%.3f", f[k["tps_steady"]] / ta) : "-"
			lr = (la > 0 && f[k["lat_steady_ms"]] != "-") ? sprintf("%.3f", f[k["lat_steady_ms"]] / la) : "-"
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", (f[1] in name ? name[f[1]] : f[1]),
				f[k["pt_db_kb"]], f[k["vmpte_sum_kb"]], f[k["vmpte_per_backend_kb"]],
				f[k["minflt_per_backend"]], ("sweep_pct" in k && f[k["sweep_pct"]] != "" ? f[k["sweep_pct"]] : "-"), f[k["tps_steady"]], tr, f[k["lat_steady_ms"]], lr,
				(f[1] in cm ? cm[f[1]] : "-"), ("host_load" in k ? f[k["host_load"]] : "-")
		}
	}' "$out/pgbench.csv"
}

md=$out/results.md
{
	echo "# PostgreSQL on mshare: results"
	echo
	echo "Run $(basename "$logs") ($(meta postgres); guest kernel $(meta kernel)); $(cat "$logs/seconds" 2>/dev/null || echo ?) s of guest time in all."
	if [ "$mode" = bench ]; then
		echo "shared_buffers $(meta shared_buffers_mb) MiB (shared memory $(meta shared_memory_mb) MiB);"
		dk=$(meta data_kb)
		echo "pgbench scale $(meta scale): $((${dk:-0} / 1024)) MiB of tables and indexes;"
		echo "each client sweeps the table by index lookups ($(meta lookups_per_txn) a transaction,"
		echo "one per heap page; a sweep is $(meta sweep_txns) transactions): one sweep to warm up,"
		echo "then on for $(meta steady_pct)% of the time so far (at least 30 s); a run is cut at $(meta cap_s) s"
		echo "(pgbench -T), so at many clients the clients are part-way through their sweep when it"
		echo "ends (\"sweep a client\" below). Steady state: from when the last client finished"
		echo "its warm-up sweep to when the first client finished (pgbench -l logs); in a run the"
		echo "cap ended first, its second half."
		echo "Page tables and faults are exact; tps and latency are TCG figures: compare the ratios only."
		echo "Highest client count measured: $top (targets at $N)."
		echo
		echo "## Targets (at $N clients)"
		echo
		targets | sed 's/^/- /'
		echo
		if [ -n "$top" ] && [ "$top" != "$N" ]; then
			echo "The same at $top clients, the most measured (not the targets):"
			echo
			n_save=$N N=$top
			targets | sed 's/^/- /'
			N=$n_save
			echo
		fi
		echo "## ${top:-$N} clients"
		echo
		n_save=$N N=${top:-$N}
		table_n
		N=$n_save
		echo
		echo "## Share of a sweep of the table each client made (%; 100: every page of the pool)"
		echo
		pivot sweep_pct -
		echo
		echo "## Page-table growth (kB: PageTables at the peak of the run, less before the server started)"
		echo
		pivot pt_db_kb "$out/pt.dat"
		echo
		echo "## VmPTE a backend at the peak (kB)"
		echo
		pivot vmpte_per_backend_kb -
		echo
		echo "## Minor faults a backend (the postmaster's cminflt over the run, / clients)"
		echo
		pivot minflt_per_backend "$out/faults.dat"
		echo
		echo "## tps in steady state"
		echo
		pivot tps_steady "$out/tps.dat"
		echo
		echo "## Latency in steady state (ms)"
		echo
		pivot lat_steady_ms -
		echo
		echo "## Initial connection time of the run (ms, pgbench)"
		echo
		pivot conn_init_ms -
		echo
		echo "## Seconds a run"
		echo
		pivot seconds -
		if head -1 "$out/pgbench.csv" | grep -q host_load; then
			echo
			echo "## The host's load average during each run (TCG runs on the host's 2 cores, shared)"
			echo
			pivot host_load -
		fi
	fi
	echo
	echo "## Checks"
	echo
	sed -n 's/^CHECK /- /p' "$log"
	echo
	echo "## Timings and settings"
	echo
	echo '```'
	cat "$out/meta.csv" "$out/checks.csv"
	echo '```'
} >"$md"

if [ "$mode" = bench ] && [ -s "$out/pt.dat" ]; then
	command -v gnuplot >/dev/null || die "gnuplot is missing (run scripts/deps.sh)"
	plot() { gnuplot >>"$out/gnuplot.log" 2>&1 || { cat "$out/gnuplot.log"; status=1; }; }
	lines() {
		awk -v f="$1" -v q="'" 'NR == 1 {
			col["a"] = "#7b3294"; col["b"] = "#4a90d9"; col["c"] = "#e69f00"; col["d"] = "#d7191c"
			t["a"] = "(a) mmap 4K"; t["b"] = "(b) huge_pages 2M"; t["c"] = "(c) mshare-run 4K"; t["d"] = "(d) mshare-run 2M"
			for (i = 2; i <= NF; i++)
				printf "%s%s%s%s using 1:(floor1(column(%d))) with linespoints lw 2 pt 7 lc rgb %s%s%s title %s%s%s",
					(i > 2 ? ", " : ""), q, f, q, i, q, ($i in col ? col[$i] : "black"), q, q, ($i in t ? t[$i] : $i), q
			exit
		}' "$1"
	}
	xt=$(awk 'NR > 1 { s = s (s ? ", " : "") $1 } END { print s }' "$out/pt.dat")
	common="set terminal svg size 900,540 dynamic font 'sans,12' background rgb 'white' noenhanced
set datafile missing '-'
set grid
set key top left
floor1(x) = x < 1 ? 1 : x
set logscale x 2
set xtics ($xt)
set xlabel 'pgbench clients'"
	plot <<EOF
$common
set output '$out/pgbench-pagetables.svg'
set title 'PostgreSQL $(meta shared_buffers_mb) MiB shared_buffers: page tables at the peak of the run'
set ylabel 'PageTables growth (kB, log scale)'
set logscale y 10
set format y '%.0f'
plot $(lines "$out/pt.dat")
EOF
	plot <<EOF
$common
set output '$out/pgbench-faults.svg'
set title 'Minor page faults a backend over a run'
set ylabel 'faults (log scale)'
set logscale y 10
set format y '%.0f'
plot $(lines "$out/faults.dat")
EOF
	numeric() { awk 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "-") f = 1 } END { exit !f }' "$1"; }
	numeric "$out/tps.dat" && plot <<EOF
$common
set output '$out/pgbench-tps.svg'
set title 'Throughput in steady state (TCG: compare configurations, not machines)'
set ylabel 'transactions/s'
set yrange [0:*]
plot $(lines "$out/tps.dat")
EOF
	# PageTables during the run at N clients (or the most measured),
	# each configuration.
	tn=$(awk -F, -v n="$N" 'NR > 1 { if ($2 == n) f = 1; if ($2 > m) m = $2 } END { print f ? n : m }' "$out/trace.csv")
	for c in a b c d; do
		awk -F, -v c="$c" -v n="$tn" 'NR > 1 && $1 == c && $2 == n { print $3 / 1000, $4 }' \
			"$out/trace.csv" >"$out/trace-$c.dat"
	done
	series=
	for c in a b c d; do
		[ -s "$out/trace-$c.dat" ] || continue
		case $c in
		a) t="(a) mmap 4K" col="#7b3294" ;;
		b) t="(b) huge_pages 2M" col="#4a90d9" ;;
		c) t="(c) mshare-run 4K" col="#e69f00" ;;
		d) t="(d) mshare-run 2M" col="#d7191c" ;;
		esac
		series="$series${series:+, }'$out/trace-$c.dat' with lines lw 2 lc rgb '$col' title '$t'"
	done
	[ -n "$series" ] && plot <<EOF
set terminal svg size 900,540 dynamic font 'sans,12' background rgb 'white' noenhanced
set grid
set key top left
set output '$out/pgbench-growth.svg'
set title 'PageTables during the run at $tn clients (sampled every $(meta sample_ms) ms): the warm-up sweep, then steady state'
set xlabel 'seconds into the run'
set ylabel 'PageTables (kB)'
set yrange [0:*]
plot $series
EOF
	{
		echo
		echo "## Figures"
		echo
		for f in "$out"/*.svg; do
			[ -f "$f" ] && printf '![%s](%s)\n\n' "$(basename "$f" .svg)" "$(basename "$f")"
		done
	} >>"$md"
fi

say "results in $out: $(cd "$out" && echo *.csv *.svg results.md)"
[ "$mode" = bench ] && targets
grep -c '^CHECK ok' "$log" | sed 's/$/ checks passed/'
grep '^CHECK not ok' "$log"
[ -n "$end" ] && say "guest time: $end s (PGBENCH-END)"
echo "logs: $logs"
exit $status
