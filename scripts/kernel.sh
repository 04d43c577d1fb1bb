#!/bin/sh
# Configure and build the kernel of $KSRC out of tree, from tinyconfig plus
# the fragments in configs/ (base and realistic always, then the variant's).
# Leaves build/bzImage and the uapi headers under build/usr/include.
# Incremental: .config is only rewritten when it changes.
#
#   SANITIZE=     (default) base + debug fragments
#   SANITIZE=kasan      adds configs/kasan.config
#   SANITIZE=pagealloc  adds configs/pagealloc.config
#   SANITIZE=none       base fragment only, no debug options
#   MSHARE=n            leaves out configs/mshare.config (on when the tree
#                       has CONFIG_MSHARE)
#   EXTRA_CONFIG="CONFIG_FOO=y ..." adds lines after the fragments
#   FLAVOUR=debian      Debian's own amd64 config (package linux-config-6.12,
#                       DEBIAN_CONFIG names another of its configs) instead
#                       of tinyconfig, with configs/debian.config in place of
#                       base and realistic; only bzImage is built (what the
#                       guest needs is built in), in build/obj-debian, to
#                       build/debian/bzImage
. "$(dirname "$0")/lib.sh"

[ -f "$KSRC/Makefile" ] || die "no kernel tree at $KSRC (run: make tree)"
case $FLAVOUR in
tiny) frags="$TOP/configs/base.config $TOP/configs/realistic.config" ;;
debian)
	frags="$TOP/configs/debian.config"
	debcfg=/usr/src/linux-config-6.12/config.${DEBIAN_CONFIG:-amd64_none_amd64}.xz
	[ -f "$debcfg" ] || die "no $debcfg (run scripts/deps.sh: linux-config-6.12)"
	: "${KCFG:=$BUILD/kconfig-debian}"
	;;
esac
case "${SANITIZE:-}" in
"") frags="$frags $TOP/configs/debug.config" ;;
none) ;;
kasan | pagealloc)
	frags="$frags $TOP/configs/debug.config $TOP/configs/$SANITIZE.config" ;;
*) die "SANITIZE=$SANITIZE: want kasan, pagealloc, none or nothing" ;;
esac
# The mshare patches add CONFIG_MSHARE (default n): the test kernel has it
# on unless MSHARE=n is asked for.
if [ "${MSHARE:-y}" != n ] && grep -q '^config MSHARE$' "$KSRC/mm/Kconfig"; then
	frags="$frags $TOP/configs/mshare.config"
fi
for f in $TOP/configs/local.config; do
	[ -f "$f" ] && frags="$frags $f"
done

KCFG=${KCFG:-$BUILD/kconfig}
mkdir -p "$KOBJ" "$KCFG"
extra="$KCFG/extra.config"
: >"$extra"
for l in ${EXTRA_CONFIG:-}; do echo "$l" >>"$extra"; done

# Generate the wanted config in a scratch dir, compare, install if changed.
cfg="$KCFG/.config"
if [ "$FLAVOUR" = debian ]; then
	xz -dc "$debcfg" >"$cfg" || die "cannot unpack $debcfg"
else
	make -s -C "$KSRC" O="$KCFG" tinyconfig >/dev/null ||
		die "tinyconfig failed"
fi
# shellcheck disable=SC2086
KCONFIG_CONFIG=$cfg "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KCFG" \
	"$cfg" $frags "$extra" >"$KCFG/merge.log" 2>&1 ||
	{ cat "$KCFG/merge.log"; die "merge_config failed"; }
make -s -C "$KSRC" O="$KCFG" olddefconfig >/dev/null || die "olddefconfig failed"

# Every line of the fragments must have survived olddefconfig.
bad=0
# shellcheck disable=SC2086
for line in $(cat $frags "$extra" | sed -e '/^#/d' -e '/^$/d' | tr -d ' '); do
	sym=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		grep -q "^$sym=" "$cfg" && { echo "config: $sym wanted off but is on"; bad=1; }
	else
		grep -qx "$sym=$val" "$cfg" || { echo "config: $line not in the result: $(grep "^$sym=" "$cfg" || echo "unset")"; bad=1; }
	fi
done
[ $bad = 0 ] || die "config fragments do not apply cleanly (see above)"

if ! cmp -s "$cfg" "$KOBJ/.config"; then
	say "config changed: installing it in $KOBJ"
	cp "$cfg" "$KOBJ/.config"
fi

if [ -f "$KOBJ/vmlinux" ]; then
	say "building bzImage in $KOBJ (-j$JOBS; what changed only)"
else
	say "building bzImage in $KOBJ (-j$JOBS; from scratch: about 10 min on 2 idle cores)"
fi
make -s -C "$KSRC" O="$KOBJ" -j"$JOBS" ${KMAKEFLAGS:-} bzImage || die "kernel build failed"
OUT=${OUT:-$KOUT}
mkdir -p "$OUT"
cp "$KOBJ/arch/x86/boot/bzImage" "$OUT/bzImage"
make -s -C "$KSRC" O="$KOBJ" headers_install INSTALL_HDR_PATH="$OUT/usr" >/dev/null ||
	die "headers_install failed"
say "kernel: $OUT/bzImage ($(cat "$KOBJ/include/config/kernel.release"))"
