#!/bin/sh
# Build preload/ into build/preload: libmshare-preload.so, the launcher
# mshare-run and the test program, dynamically linked against the host's
# libc (the guest gets its loader and libc: scripts/initramfs.sh), with
# the built kernel's uapi headers. Lint the man page if mandoc is there.
. "$(dirname "$0")/lib.sh"
src=$TOP/preload
out=$BUILD/preload
# Where the guest (scripts/initramfs.sh) installs them.
LIBDIR=/usr/lib/mshare
# The uapi headers of a built kernel: the test kernel's, or UAPI (the
# PostgreSQL guest's kernel, scripts/pgguest.sh).
UAPI=${UAPI:-$BUILD/usr/include}
[ -f "$UAPI/linux/msharefs.h" ] ||
	die "no $UAPI/linux/msharefs.h (run: make kernel)"
mkdir -p "$out"
CFLAGS="-O2 -g -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2 -isystem $UAPI"

# build OUT SRC... -- FLAGS...: rebuild OUT when a source or the headers changed
build() {
	o=$1
	shift
	stale=
	[ -f "$o" ] && [ "$o" -nt "$UAPI" ] || stale=1
	for f in "$0" "$src/mshare-preload.h" "$@"; do
		[ "$f" = -- ] && break
		[ "$f" -nt "$o" ] && stale=1
	done
	[ -n "$stale" ] || return 0
	files=
	while [ "$1" != -- ]; do
		files="$files $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	${CC:-gcc} $CFLAGS "$@" -o "$o" $files || die "cannot build $o"
}

build "$out/libmshare-preload.so" "$src/libmshare-preload.c" -- \
	-shared -fPIC -fvisibility=hidden -pthread -Wl,-z,now -Wl,-z,relro
build "$out/mshare-run" "$src/mshare-run.c" -- \
	-DMSHARE_LIBRARY_PATH="\"$LIBDIR/libmshare-preload.so\""
build "$out/mshare-preload-test" "$src/mshare-preload-test.c" -- -pthread

# The man page: linted (mandoc -Tlint, else groff's warnings), and
# rendered as text for the guest's man(1) as scripts/man.sh renders man/.
man=$src/mshare-run.1
if command -v mandoc >/dev/null; then
	mandoc -Tlint -Wwarning "$man" || die "$man: mandoc -Tlint"
	txt=$BUILD/man/cat1/mshare-run.1
	if command -v col >/dev/null && ! [ "$txt" -nt "$man" ]; then
		mkdir -p "$BUILD/man/cat1"
		mandoc -Tascii -Owidth=78 "$man" | col -bx >"$txt.tmp" &&
			mv "$txt.tmp" "$txt" || die "cannot render $man"
	fi
elif command -v groff >/dev/null; then
	w=$(groff -ww -z -man "$man" 2>&1)
	[ -z "$w" ] || die "$man: groff -ww: $w"
fi
exit 0
