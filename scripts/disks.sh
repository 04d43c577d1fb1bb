#!/bin/sh
# disks.sh DIR: make the guest's disks in DIR, fresh (sparse image files, no
# root needed); scripts/vm.sh attaches those that exist:
#   swap.img  SWAP_SIZE (2G)  mkswap          guest: swapon, KTEST_SWAP
#   ext4.img  EXT4_SIZE (2G)  mkfs.ext4       guest: /mnt/ext4, KTEST_EXT4
#   raw.img   RAW_SIZE (256M) left unformatted guest: KTEST_RAWDEV (O_DIRECT)
# Each is a virtio-blk PCI disk whose serial (ktest-swap, ktest-ext4,
# ktest-raw) tells guest/init which is which. DISKS=none makes none.
. "$(dirname "$0")/lib.sh"
dir=${1:?usage: disks.sh DIR}
[ "${DISKS:-yes}" = none ] && exit 0
command -v mkswap >/dev/null || die "mkswap is missing (util-linux)"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing (run scripts/deps.sh: e2fsprogs)"
mkdir -p "$dir" || die "cannot make $dir"
rm -f "$dir/swap.img" "$dir/ext4.img" "$dir/raw.img"
truncate -s "${SWAP_SIZE:-2G}" "$dir/swap.img" &&
	mkswap -q -L ktest-swap "$dir/swap.img" >/dev/null ||
	die "mkswap on $dir/swap.img failed"
# lazy_itable_init=0: the inode tables are known zero (mke2fs discards the
# sparse file), so the guest's ext4lazyinit thread has nothing to do;
# lazy_journal_init=1: the journal of a fresh sparse file is zero already.
truncate -s "${EXT4_SIZE:-2G}" "$dir/ext4.img" &&
	mkfs.ext4 -F -q -L ktest-ext4 -m 0 \
		-E lazy_itable_init=0,lazy_journal_init=1 "$dir/ext4.img" ||
	die "mkfs.ext4 on $dir/ext4.img failed"
truncate -s "${RAW_SIZE:-256M}" "$dir/raw.img" || die "truncate $dir/raw.img failed"
