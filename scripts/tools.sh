#!/bin/sh
# Build each program of tools/ (demos and benchmarks) and of admin/ (the
# administrators' tools and their tests), one .c file each, statically
# against the built kernel's uapi headers into build/tools; then the man
# pages of man/ for the guest and their example programs (scripts/man.sh).
. "$(dirname "$0")/lib.sh"
mkdir -p "$BUILD/tools"
for src in "$TOP"/tools/*.c "$TOP"/admin/*.c; do
	[ -f "$src" ] || continue
	bin=$BUILD/tools/$(basename "$src" .c)
	[ "$bin" -nt "$src" ] && [ "$bin" -nt "$KOUT/usr/include" ] && continue
	${CC:-gcc} -static -O2 -Wall -Wextra -Werror -isystem "$KOUT/usr/include" \
		-o "$bin" "$src" -lm || die "cannot build $src"
done
sh "$TOP/scripts/man.sh"
