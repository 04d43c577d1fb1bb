#!/bin/sh
# Build each program of tools/ (one .c file each) statically against the
# built kernel's uapi headers into build/tools.
. "$(dirname "$0")/lib.sh"
mkdir -p "$BUILD/tools"
for src in "$TOP"/tools/*.c; do
	[ -f "$src" ] || continue
	bin=$BUILD/tools/$(basename "$src" .c)
	[ "$bin" -nt "$src" ] && [ "$bin" -nt "$KOUT/usr/include" ] && continue
	${CC:-gcc} -static -O2 -Wall -Wextra -Werror -isystem "$KOUT/usr/include" \
		-o "$bin" "$src" -lm || die "cannot build $src"
done
