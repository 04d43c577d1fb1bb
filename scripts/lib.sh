# Common settings for the tooling scripts (POSIX sh, sourced).
# shellcheck shell=sh

# The pinned base: Debian's linux-source-6.12 package, exact version.
BASE_PKG=linux-source-6.12
BASE_VERSION=6.12.117-1~deb12u1
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# The one project identity used for the base commit and every patch.
IDENT_NAME="mshare-series"
IDENT_EMAIL="mshare-series@users.noreply.invalid"
# Fixed date of the base commit, so its id is the same on every machine.
BASE_DATE="2025-01-01T00:00:00Z"

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KSRC=${KSRC:-$BUILD/linux}
# The kernel flavour: tiny (tinyconfig and configs/, the test kernel) or
# debian (Debian's own amd64 config and configs/debian.config), each with
# its own object dir; KOUT holds its bzImage and uapi headers.
case ${FLAVOUR:=tiny} in
tiny) KOBJ=${KOBJ:-$BUILD/obj} KOUT=${KOUT:-$BUILD} ;;
debian) KOBJ=${KOBJ:-$BUILD/obj-debian} KOUT=${KOUT:-$BUILD/debian} ;;
*) printf 'error: FLAVOUR=%s: want tiny or debian\n' "$FLAVOUR" >&2; exit 1 ;;
esac
JOBS=${JOBS:-$(nproc)}

# Stage lines show the time since the make command started (KTEST_T0, set
# by the Makefile), or since this script started.
: "${KTEST_T0:=$(date +%s)}"
export KTEST_T0
say() {
	t=$(($(date +%s) - KTEST_T0))
	printf '==> [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*" >&2
}
die() { printf '%s\n' "error: $*" >&2; exit 1; }

# git in the kernel tree with the project identity, whatever the user's config.
kgit() {
	GIT_AUTHOR_NAME=$IDENT_NAME GIT_AUTHOR_EMAIL=$IDENT_EMAIL \
	GIT_COMMITTER_NAME=$IDENT_NAME GIT_COMMITTER_EMAIL=$IDENT_EMAIL \
	git -C "$KSRC" -c core.autocrlf=false -c core.filemode=true \
		-c user.name="$IDENT_NAME" -c user.email="$IDENT_EMAIL" "$@"
}
