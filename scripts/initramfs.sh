#!/bin/sh
# initramfs.sh OUT PLAN [PROG...]: pack the guest initramfs into OUT: busybox,
# bash, the init and runner of guest/, the kselftests, the tools of build/tools,
# the man pages of build/man (with guest/man to read them), the preload
# library, launcher and test of build/preload, the plan (as /etc/ktest/plan)
# and any extra programs (under /extra). The programs of build/preload are
# dynamically linked (LD_PRELOAD needs a dynamic loader): the host's loader
# and the libraries they need are copied in at pack time.
. "$(dirname "$0")/lib.sh"
out=$1
plan=$2
shift 2
[ -x /bin/busybox ] || die "busybox-static is missing (run scripts/deps.sh)"
bash_static=$(command -v bash-static) || die "bash-static is missing"

stage=$(mktemp -d "$BUILD/initramfs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT
# mktemp made it 0700: the guest's / must be searchable by other users.
chmod 755 "$stage"
mkdir -p "$stage/bin" "$stage/usr/bin" "$stage/etc/ktest" "$stage/extra" \
	"$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/root"
cp /bin/busybox "$stage/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done
ln -sf ../../bin/busybox "$stage/usr/bin/timeout"
ln -sf ../../bin/busybox "$stage/usr/bin/env"
cp "$bash_static" "$stage/bin/bash"
cp "$TOP/guest/init" "$stage/init"
cp "$TOP/guest/ktest-runner" "$stage/bin/ktest-runner"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$stage/etc/group"
[ -d "$BUILD/kselftest" ] && cp -a "$BUILD/kselftest" "$stage/kselftest"
[ -d "$BUILD/tools" ] && cp -a "$BUILD/tools" "$stage/tools"
# The pages of man/, as text (scripts/man.sh), and a man(1) to read them.
if [ -d "$BUILD/man" ]; then
	mkdir -p "$stage/usr/share/man"
	for d in "$BUILD"/man/cat[1-8]; do
		[ -d "$d" ] && cp -a "$d" "$stage/usr/share/man/"
	done
	cp "$TOP/guest/man" "$stage/usr/bin/man"
	chmod 755 "$stage/usr/bin/man"
fi
cp "$plan" "$stage/etc/ktest/plan"
for p in "$@"; do
	[ -f "$p" ] || die "extra program $p does not exist"
	cp "$p" "$stage/extra/"
done
if [ -d "$BUILD/preload" ]; then
	mkdir -p "$stage/usr/lib/mshare"
	for f in libmshare-preload.so mshare-preload-test; do
		[ -f "$BUILD/preload/$f" ] && cp "$BUILD/preload/$f" "$stage/usr/lib/mshare/"
	done
	[ -f "$BUILD/preload/mshare-run" ] && cp "$BUILD/preload/mshare-run" "$stage/usr/bin/"
fi
# The loader and shared libraries of every dynamic program put in, from the
# host, at the paths ldd gives (the loader's is the one the programs name).
for f in "$stage"/usr/lib/mshare/* "$stage"/usr/bin/mshare-run "$stage"/extra/*; do
	[ -f "$f" ] || continue
	ldd "$f" 2>/dev/null | sed -n -e 's|.*=> \(/[^ ]*\) (0x.*|\1|p' \
		-e 's|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p'
done | LC_ALL=C sort -u | while read -r lib; do
	[ -e "$stage$lib" ] && continue
	mkdir -p "$stage${lib%/*}"
	cp -L "$lib" "$stage$lib" || die "cannot copy $lib"
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out" ||
	die "cpio failed"
