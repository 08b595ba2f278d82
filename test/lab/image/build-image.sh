#!/usr/bin/env bash
# Builds the vDPA lab's outer-guest image from Debian's archive (host side, root).
#   usage: build-image.sh IMAGEDIR WORKDIR
# IMAGEDIR receives root.img (ext4: trixie userspace, QEMU 10.0, the 6.12 kernel's modules,
# a bookworm tree with QEMU 7.2 and gdb at /opt/bookworm, the guest scripts at /lab), vmlinuz and
# initrd.img. WORKDIR keeps the debootstrapped trees between builds (stage stamps), so a
# change to the guest scripts only re-runs the last step (seconds).
# The trixie and bookworm trees are bootstrapped in parallel.
set -euo pipefail
IMG=${1:?usage: build-image.sh IMAGEDIR WORKDIR}
WORK=${2:?usage: build-image.sh IMAGEDIR WORKDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
GUEST=$HERE/../guest
MIRROR=${IOVA_LENS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The package sets: the trees are rebuilt from nothing when these lines change.
TRIXIE_PKGS="kmod iproute2 procps python3 zstd initramfs-tools qemu-system-x86"
TRIXIE_KERNEL="linux-image-amd64"
BOOKWORM_PKGS="qemu-system-x86"
# gdb (bookworm's 13, as on the host) takes cores of the debug-built QEMUs (scenarios *dbg-*); its own
# stage, so adding it does not re-bootstrap the trees
BOOKWORM_EXTRA="gdb"
TREES_KEY=$(echo "trixie:$TRIXIE_PKGS:$TRIXIE_KERNEL bookworm:$BOOKWORM_PKGS $MIRROR" | sha256sum | cut -c1-16)
ROOT=$WORK/trixie
OLD=$WORK/bookworm
mkdir -p "$IMG" "$WORK"
if [ "$(cat "$WORK/trees-key" 2>/dev/null)" != "$TREES_KEY" ]; then
  rm -rf "$ROOT" "$OLD"
  echo "$TREES_KEY" >"$WORK/trees-key"
fi
t0=$(date +%s)
say() { echo "lab-image: [$(( $(date +%s) - t0 ))s] $*"; }

for tool in debootstrap mkfs.ext4 chroot; do
  command -v "$tool" >/dev/null || { echo "lab-image: $tool is missing (run scripts/setup-test-env.sh as root)" >&2; exit 1; }
done

unmount_all() {
  for m in "$OLD/proc" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev"; do
    if mountpoint -q "$m" 2>/dev/null; then umount "$m" || umount -l "$m" || true; fi
  done
}
trap unmount_all EXIT

in_chroot() { local r=$1; shift; chroot "$r" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

# Bookworm: only QEMU 7.2 (with SeaBIOS and iPXE) and its libraries; run through chroot.
build_bookworm() {
  if [ ! -e "$OLD/.stage-done" ]; then
    rm -rf "$OLD"
    debootstrap --variant=minbase bookworm "$OLD" "$MIRROR" >"$WORK/bookworm.log" 2>&1
    mount -t proc proc "$OLD/proc"
    in_chroot "$OLD" apt-get install -y -q --no-install-recommends $BOOKWORM_PKGS >>"$WORK/bookworm.log" 2>&1
    umount "$OLD/proc"
    in_chroot "$OLD" apt-get clean
    touch "$OLD/.stage-done"
  fi
  local extra; extra=.stage-extra-$(echo "$BOOKWORM_EXTRA" | sha256sum | cut -c1-8)
  if [ ! -e "$OLD/$extra" ]; then
    mount -t proc proc "$OLD/proc"
    { in_chroot "$OLD" apt-get update -q && in_chroot "$OLD" apt-get install -y -q --no-install-recommends $BOOKWORM_EXTRA; } >>"$WORK/bookworm.log" 2>&1 \
      || { umount "$OLD/proc"; return 1; }
    umount "$OLD/proc"
    in_chroot "$OLD" apt-get clean
    rm -f "$OLD"/.stage-extra-*
    touch "$OLD/$extra"
  fi
}

build_trixie() {
  if [ ! -e "$ROOT/.stage-base" ]; then
    rm -rf "$ROOT"
    debootstrap --variant=minbase trixie "$ROOT" "$MIRROR" >"$WORK/trixie.log" 2>&1
    touch "$ROOT/.stage-base"
  fi
  mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
  mountpoint -q "$ROOT/sys" || mount -t sysfs sys "$ROOT/sys"
  mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
  if [ ! -e "$ROOT/.stage-pkgs" ]; then
    # QEMU 10.0 (+ SeaBIOS, iPXE), iproute2 for `vdpa`, python3 for the VDUSE device and the
    # QMP client, initramfs-tools for a small initrd (configured before the kernel arrives).
    in_chroot "$ROOT" apt-get update -q >>"$WORK/trixie.log" 2>&1
    in_chroot "$ROOT" apt-get install -y -q --no-install-recommends $TRIXIE_PKGS >>"$WORK/trixie.log" 2>&1
    sed -i 's/^MODULES=.*/MODULES=list/' "$ROOT/etc/initramfs-tools/initramfs.conf"
    printf 'virtio_pci\nvirtio_blk\ncrc32c_generic\next4\n' >"$ROOT/etc/initramfs-tools/modules"
    touch "$ROOT/.stage-pkgs"
  fi
  if [ ! -e "$ROOT/.stage-kernel" ]; then
    in_chroot "$ROOT" apt-get install -y -q --no-install-recommends $TRIXIE_KERNEL >>"$WORK/trixie.log" 2>&1
    in_chroot "$ROOT" apt-get clean
    touch "$ROOT/.stage-kernel"
  fi
}

say "trees in $WORK (logs: trixie.log, bookworm.log)"
build_bookworm &
bp=$!
build_trixie || { say "trixie tree failed; see $WORK/trixie.log"; tail -20 "$WORK/trixie.log" >&2; exit 1; }
wait "$bp" || { say "bookworm tree failed; see $WORK/bookworm.log"; tail -20 "$WORK/bookworm.log" >&2; exit 1; }
unmount_all
say "trees ready"

KVER=$(find "$ROOT/boot" -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -1)
[ -n "$KVER" ] || { echo "lab-image: no kernel in $ROOT/boot" >&2; exit 1; }
[ -s "$ROOT/boot/initrd.img-$KVER" ] || in_chroot "$ROOT" update-initramfs -c -k "$KVER" >>"$WORK/trixie.log" 2>&1

# Assemble: guest scripts at /lab, bookworm at /opt/bookworm, one ext4 image.
rm -rf "$ROOT/lab" "$ROOT/opt/bookworm"
install -d "$ROOT/lab" "$ROOT/opt"
install -m 0755 "$GUEST"/init.sh "$GUEST"/scenario.sh "$GUEST"/alias-poke.sh "$GUEST"/core-snap.sh "$ROOT/lab/"
install -m 0755 "$GUEST"/vduse_net_device.py "$GUEST"/qmp_client.py "$ROOT/lab/"
echo vdpa-lab >"$ROOT/etc/hostname"
rm -f "$IMG/root.img.tmp"
# bookworm joins as hard links (same filesystem, no copy); mkfs.ext4 -d copies the tree.
cp -al "$OLD" "$ROOT/opt/bookworm"
mkfs.ext4 -q -L vdpalab -d "$ROOT" "$IMG/root.img.tmp" 3G
cp "$ROOT/boot/vmlinuz-$KVER" "$IMG/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$IMG/initrd.img"
mv "$IMG/root.img.tmp" "$IMG/root.img"
echo "$KVER" >"$IMG/kernel-release"
say "image ready: $IMG (kernel $KVER)"
