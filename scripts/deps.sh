#!/bin/sh
# Install what the tooling needs on Debian 12 (idempotent, quiet when done).
. "$(dirname "$0")/lib.sh"

# linux-config-6.12: Debian's own configs, for FLAVOUR=debian (same version
# as the source).
PKGS="$BASE_PKG=$BASE_VERSION linux-config-6.12=$BASE_VERSION build-essential flex bison bc libelf-dev libssl-dev
cpio xz-utils kmod rsync git qemu-system-x86 busybox-static bash-static
libcap-dev libnuma-dev gnuplot-nox sparse mandoc bsdextrautils e2fsprogs util-linux mmdebstrap"

missing=
for p in $PKGS; do
	name=${p%%=*}
	want=${p#*=}
	[ "$want" = "$p" ] && want=
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null)
	case "$have" in
	"install ok installed"*)
		[ -z "$want" ] || [ "${have##* }" = "$want" ] && continue ;;
	esac
	missing="$missing $p"
done
[ -z "$missing" ] && exit 0

[ "$(id -u)" = 0 ] && SUDO= || SUDO=sudo
say "installing:$missing"
$SUDO apt-get update -qq || die "apt-get update failed"
if ! apt-cache madison "$BASE_PKG" 2>/dev/null | grep -q " $BASE_VERSION "; then
	die "the package registry no longer serves $BASE_PKG $BASE_VERSION, the pinned base.
Not falling back to another version: update BASE_VERSION in scripts/lib.sh
and re-check the series against the new base."
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	$missing >"${TMPDIR:-/tmp}/deps-apt.log" 2>&1 ||
	{ tail -20 "${TMPDIR:-/tmp}/deps-apt.log"; die "apt-get install failed"; }
