#!/bin/sh
# Build the mm kselftests of $KSRC (ours and upstream) statically against
# the headers of the built kernel, installed under build/kselftest.
. "$(dirname "$0")/lib.sh"

[ -d "$KOUT/usr/include" ] || die "no kernel headers in $KOUT/usr (run: make kernel)"
say "building the mm kselftests (static; about 1 min from scratch)"
make -s -C "$KSRC/tools/testing/selftests" TARGETS=mm O="$BUILD/kst-obj" \
	KHDR_INCLUDES="-isystem $KOUT/usr/include" \
	EXTRA_CFLAGS="-static" -j"$JOBS" \
	install INSTALL_PATH="$BUILD/kselftest" >"$BUILD/kselftest.log" 2>&1 ||
	{ grep -E 'error|Error' "$BUILD/kselftest.log" | head -30; die "kselftest build failed (log: $BUILD/kselftest.log)"; }
