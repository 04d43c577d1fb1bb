# Tooling around the patch series in patches/: see README.md.
#
#   make run      build everything, boot the guest, show each feature working
#   make check    build everything, boot the guest, run the tests
#   make help     all targets and variables

SHELL := /bin/sh
S := scripts
# The stage lines of the scripts show the time since make started.
KTEST_T0 := $(shell date +%s)
export KTEST_T0

# SANITIZE=kasan|pagealloc|none selects the kernel variant (default: debug).
# MSHARE=n builds the kernel without CONFIG_MSHARE (on by default once the
# series has it).
# EXTRA="prog ..." runs more static programs in the guest.
# ONLY=regex runs only the plan lines whose names match.
# ACCEL=tcg|kvm|auto, NODES=2|1, L4=y|n|only, DISKS=none: see scripts/vm.sh.
# FLAVOUR=debian builds and boots Debian's own config (scripts/kernel.sh).
export SANITIZE MSHARE ONLY TIMEOUT TIMEOUT_SCALE MEM APPEND SOAK FROM \
	ACCEL NODES L4 TIMEOUT_L4 DISKS KEEP_DISKS FLAVOUR DEBIAN_CONFIG
# PG_*: the PostgreSQL benchmark (scripts/pgbench.sh says what they do).
export PG_SB PG_SCALE PG_CLIENTS PG_CONFIGS PG_STEADY PG_LOOKUPS PG_RW \
	PG_SAMPLE PG_CHECKS PG_CAP PG_TARGET_N PG_LOG PG_KERNEL

.PHONY: help deps tree export kernel selftests tools preload check run vm bench soak \
	pgbench pgcheck check-series checkpatch matrix clean distclean

help:
	@sed -n 's/^## //p' $(lastword $(MAKEFILE_LIST))

## make run           the main job: set up, build, boot, show each feature working
run: tools
	@sh $(S)/vm.sh run $(EXTRA)

## make check         the tests: our selftests and the upstream mm subset in the guest
check: tools
	@sh $(S)/vm.sh check $(EXTRA)

## make bench         the benchmarks in the guest: CSV, tables and plots in build/bench
bench: tools
	@sh $(S)/bench.sh

## make pgbench       PostgreSQL 15 on mshare (Debian guest, as root): pgbench in 4 configurations at 1-128 clients, the checks; build/pgbench (about an hour)
pgbench: tree
	@sh $(S)/pgbench.sh

## make pgcheck       the short form: initdb, 30 s of TPC-B through mshare-run, amcheck, a crash reset, stop (minutes)
pgcheck: tree
	@PG_MODE=short sh $(S)/pgbench.sh

## make soak          the long forms of the mshare fuzzer and stress test (SOAK=s each)
soak: tools
	@sh $(S)/vm.sh soak

## make vm            an interactive shell in the guest (Ctrl-a x quits)
vm: tools
	@sh $(S)/vm.sh shell

## make deps          apt-get what the tooling needs (Debian 12; root or sudo)
deps:
	@sh $(S)/deps.sh

## make tree          build/linux: the pinned base with patches/ applied (branch series)
tree: deps
	@sh $(S)/tree.sh

## make export        write the commits of build/linux back to patches/
export:
	@sh $(S)/export.sh

## make kernel        build/bzImage and build/usr/include from configs/
kernel: tree
	@sh $(S)/kernel.sh

## make selftests     the mm kselftests, static, under build/kselftest
selftests: kernel
	@sh $(S)/selftests.sh

## make tools         the programs of tools/ and admin/, and the man pages' examples, static, under build/tools; preload/ (dynamic) under build/preload
tools: selftests
	@sh $(S)/tools.sh
	@sh $(S)/preload.sh

## make preload       libmshare-preload.so, mshare-run and their test, under build/preload
preload: kernel
	@sh $(S)/preload.sh

## make check-series  every patch: checkpatch --strict, and the tree builds after it
check-series: tree
	@sh $(S)/check-series.sh

## make checkpatch    checkpatch --strict on patches/, then the man pages of man/ (mandoc lint)
checkpatch: tree
	@out=$$(sh $(S)/checkpatch.sh $(addprefix patches/,$(shell sed '/^#/d' patches/series))); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
		echo "checkpatch --strict: clean (but the documented exceptions, README)"
	@sh $(S)/man-lint.sh

## make matrix        the build matrix (README); MATRIX="name ..." picks entries (series: slow, only when named)
matrix: tree
	@sh $(S)/matrix.sh $(MATRIX)

## make clean         remove build output, keep the kernel tree (build/linux)
clean:
	rm -rf build/obj build/obj-* build/kconfig build/kst-obj build/kselftest \
		build/tools build/preload build/bzImage build/usr build/logs build/initramfs.* \
		build/matrix build/bench build/accel-probe build/debian \
		build/kconfig-debian build/pgbench build/pgbench-short build/kconfig-pg \
		build/pg/kernel build/pg/pgmon build/pg/root.img build/pg/swap.img

## make distclean     remove build/ entirely (the kernel tree too: export first!)
distclean:
	@sh $(S)/tree.sh --check-exported && rm -rf build
