#!/bin/sh
# man.sh: the pages of man/ for the guest, and their example programs.
#   - each man/manN/PAGE.N is rendered as plain text into
#     build/man/catN/PAGE.N (the guest's /usr/share/man/catN, read there
#     with "man N PAGE", guest/man);
#   - each example program of a page (the lines between
#     '.\" SRC BEGIN (NAME.c)' and '.\" SRC END', as the man-pages project
#     marks them) is extracted into build/man/src/NAME.c and built
#     statically into build/tools/NAME, so that the examples are proven to
#     build, and can be run in the guest.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || die "mandoc is missing (run scripts/deps.sh)"
command -v col >/dev/null || die "col is missing (run scripts/deps.sh)"
[ -d "$BUILD/usr/include" ] || die "no kernel headers in $BUILD/usr (run: make kernel)"
out=$BUILD/man
rm -rf "$out/src.new"
mkdir -p "$out/src" "$out/src.new" "$BUILD/tools"
for page in "$TOP"/man/man[1-8]/*.[1-8]; do
	[ -f "$page" ] || continue
	sec=${page##*.}
	name=$(basename "$page")
	mkdir -p "$out/cat$sec"
	txt=$out/cat$sec/$name
	if ! [ "$txt" -nt "$page" ]; then
		mandoc -Tascii -Owidth=78 "$page" | col -bx >"$txt.tmp" ||
			die "cannot render $page"
		mv "$txt.tmp" "$txt"
	fi
	# The examples: roff escapes back to C (\- \[rs] \[aq] \[ha] \[ti] \&).
	awk -v dir="$out/src.new" '
	/^\.\\" SRC BEGIN \(/ {
		f = $0
		sub(/.*\(/, "", f)
		sub(/\).*/, "", f)
		f = dir "/" f
		printf "" >f
		next
	}
	/^\.\\" SRC END/ { close(f); f = ""; next }
	f == "" || /^\.(EX|EE)$/ { next }
	{
		gsub(/\\-/, "-")
		gsub(/\\\[aq\]/, "\047")
		gsub(/\\\[ha\]/, "^")
		gsub(/\\\[ti\]/, "~")
		gsub(/\\&/, "")
		gsub(/\\\[rs\]/, "\\")
		print >f
	}' "$page" || die "cannot extract the examples of $page"
done
# Keep an unchanged example's time, so that it is not built again.
for new in "$out"/src.new/*.c; do
	[ -f "$new" ] || continue
	src=$out/src/$(basename "$new")
	cmp -s "$new" "$src" || mv "$new" "$src"
done
rm -rf "$out/src.new"
for src in "$out"/src/*.c; do
	[ -f "$src" ] || continue
	bin=$BUILD/tools/$(basename "$src" .c)
	[ "$bin" -nt "$src" ] && [ "$bin" -nt "$BUILD/usr/include" ] && continue
	${CC:-gcc} -static -O2 -Wall -Wextra -Werror -isystem "$BUILD/usr/include" \
		-o "$bin" "$src" || die "cannot build the example $src"
done
