#!/bin/sh
# pgguest.sh: build the PostgreSQL guest of `make pgbench` under build/pg/
# (as root: mmdebstrap, and files owned by the guest's users):
#   kernel/bzImage  the series with CONFIG_MSHARE, tinyconfig + base.config
#                   + mshare.config + configs/pg.config (virtio disks, ext4,
#                   swap), no debug options; built in build/obj-pg
#   rootfs.tar      Debian 12 by mmdebstrap: the essential variant with
#                   postgresql-15 (server, pgbench, pg_amcheck, amcheck,
#                   pg_prewarm), procps and mount; cached, made again only
#                   when its inputs (rootfs.inputs: the mmdebstrap command)
#                   change
#   root/           rootfs.tar unpacked (again when the tar is newer), with
#                   our files: libmshare-preload.so and mshare-run (built by
#                   scripts/preload.sh), pgmon (static), guest/pg/init as
#                   /usr/local/sbin/pg-init, pgbench-guest and sweep.sql
#   root.img        ext4 (ROOT_SIZE, 8G sparse) made by mkfs.ext4 -d from
#                   root/, fresh on every call: the data directory is on it
#   swap.img        swap (SWAP_SIZE, 2G sparse), fresh on every call
# PG_KERNEL=keep uses kernel/ as it is (bzImage and usr/include), without
# the kernel build: for a cache copied from another checkout, whose object
# directory names the other tree (Kbuild would build it all again).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "pgguest.sh runs as root (mmdebstrap, files of the guest's users)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (run: make deps)"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing (e2fsprogs)"
pg=$BUILD/pg
mkdir -p "$pg"

# The kernel: its own config and object directory, so the test kernel of
# build/obj is left alone.
if [ "${PG_KERNEL:-}" = keep ]; then
	[ -f "$pg/kernel/bzImage" ] && [ -f "$pg/kernel/usr/include/linux/msharefs.h" ] ||
		die "PG_KERNEL=keep: no kernel in $pg/kernel"
	say "PG_KERNEL=keep: the kernel of $pg/kernel as it is"
else
	KOBJ=$BUILD/obj-pg KCFG=$BUILD/kconfig-pg OUT=$pg/kernel SANITIZE=none \
		EXTRA_CONFIG="$(sed -e '/^#/d' -e '/^$/d' "$TOP/configs/pg.config")" \
		sh "$TOP/scripts/kernel.sh" || die "the guest kernel did not build"
fi
UAPI=$pg/kernel/usr/include sh "$TOP/scripts/preload.sh" || die "preload did not build"
mon=$pg/pgmon
if ! [ -f "$mon" ] || [ "$TOP/guest/pg/pgmon.c" -nt "$mon" ]; then
	${CC:-gcc} -O2 -Wall -Wextra -Werror -static -o "$mon" "$TOP/guest/pg/pgmon.c" ||
		die "cannot build pgmon"
fi

# The root file system from Debian's packages. Documentation, manuals and
# translations are left out; the postgresql-common hook makes no cluster.
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
pkgs=postgresql-15,procps,mount
# --format=tar: the name's .tmp suffix would otherwise make a directory.
set -- --variant=essential --format=tar --include=$pkgs \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" >"$1/etc/postgresql-common/createcluster.d/mshare.conf"' \
	bookworm "$pg/rootfs.tar.tmp" \
	"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
	"deb $security bookworm-security main"
inputs=$(printf '%s\n' "$@" | sed "s|$pg/|build/pg/|")
if ! [ -f "$pg/rootfs.tar" ] || [ "$(cat "$pg/rootfs.inputs" 2>/dev/null)" != "$inputs" ]; then
	say "mmdebstrap: Debian 12 with $pkgs into $pg/rootfs.tar (a few minutes)"
	rm -rf "$pg/rootfs.tar.tmp"
	mmdebstrap --quiet "$@" || die "mmdebstrap failed"
	[ -f "$pg/rootfs.tar.tmp" ] || die "mmdebstrap made no tar file"
	rm -rf "$pg/rootfs.tar"
	mv "$pg/rootfs.tar.tmp" "$pg/rootfs.tar"
	printf '%s\n' "$inputs" >"$pg/rootfs.inputs"
fi
root=$pg/root
if ! [ -f "$root/.unpacked" ] || [ "$pg/rootfs.tar" -nt "$root/.unpacked" ]; then
	say "unpacking $pg/rootfs.tar into $root"
	rm -rf "$root"
	mkdir -p "$root"
	# The guest's owners by number: the host's names map elsewhere.
	tar -x --numeric-owner -p -f "$pg/rootfs.tar" -C "$root" || die "cannot unpack the root"
	touch "$root/.unpacked"
fi
# Our files, put in again on every call (cheap).
install -D -m 755 "$TOP/guest/pg/init" "$root/usr/local/sbin/pg-init"
install -D -m 755 "$TOP/guest/pg/pgbench-guest" "$root/usr/local/lib/pgbench/pgbench-guest"
install -D -m 644 "$TOP/guest/pg/sweep.sql" "$root/usr/local/lib/pgbench/sweep.sql"
install -D -m 755 "$mon" "$root/usr/local/bin/pgmon"
install -D -m 755 "$BUILD/preload/libmshare-preload.so" "$root/usr/lib/mshare/libmshare-preload.so"
install -D -m 755 "$BUILD/preload/mshare-run" "$root/usr/bin/mshare-run"

# The disks. lazy_itable_init=0: inode tables written now (zero, sparse),
# not by the guest's ext4lazyinit thread during the benchmark.
rm -f "$pg/root.img" "$pg/swap.img"
truncate -s "${ROOT_SIZE:-8G}" "$pg/root.img" &&
	mkfs.ext4 -q -F -L pg-root -m 0 -E lazy_itable_init=0,lazy_journal_init=1 \
		-d "$root" "$pg/root.img" || die "mkfs.ext4 -d $root failed"
truncate -s "${SWAP_SIZE:-2G}" "$pg/swap.img" &&
	mkswap -q -L pg-swap "$pg/swap.img" >/dev/null || die "mkswap failed"
say "guest: $pg/kernel/bzImage, $pg/root.img ($(du -sh "$root" | cut -f1) of files), $pg/swap.img"
