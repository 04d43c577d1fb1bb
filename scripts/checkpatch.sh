#!/bin/sh
# checkpatch.sh PATCH...: checkpatch.pl --strict on the patches, printing
# what it reports but for the documented exceptions (README):
#   "does MAINTAINERS need updating?" for new files that an existing entry
#   already covers (tools/testing/selftests/mm/ is MEMORY MANAGEMENT's);
#   "Unknown commit id" in a Fixes: tag: the tree is unpacked from
#   Debian's tarball, with no upstream history to look the ids up in.
# Prints nothing when the patches are clean.
. "$(dirname "$0")/lib.sh"
[ -x "$KSRC/scripts/checkpatch.pl" ] || die "no kernel tree at $KSRC (run: make tree)"
for p in "$@"; do
	case $p in /*) set -- "$@" "$p" ;; *) set -- "$@" "$PWD/$p" ;; esac
	shift
done
cd "$KSRC" && ./scripts/checkpatch.pl --strict --no-tree -q --terse "$@" 2>&1 |
	grep -E 'ERROR|WARNING|CHECK' |
	grep -v -e 'does MAINTAINERS need updating' -e 'Unknown commit id'
exit 0
