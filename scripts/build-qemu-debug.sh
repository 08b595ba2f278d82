#!/usr/bin/env bash
# QEMU with debug information, built from Debian's SOURCE package (Debian's binary is stripped and
# its debug symbols are not reachable here). Part 9's tests read QEMU's own memory through gdb and
# need the symbols and type layouts of the binary they boot.
#
#   7.2  = bookworm's qemu source (one-tree VhostIOVATree layout)
#   10.0 = trixie's qemu source   (allocator + GPA + HVA trees); needs meson >= 1.5, taken from
#          bookworm-backports' .deb unpacked with dpkg-deb -x (nothing is installed system-wide)
#
# A private apt state (deb-src lines only) under the cache fetches the source; the build is lean:
# x86_64-softmmu only, a handful of devices (q35, VT-d, virtio-pci/net/blk, PCIe ports), debug info,
# not stripped. The install prefix is cached as a tarball keyed by the source version and a hash of
# the configure line + devices file + this script's recipe version:
#   ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug/qemu-<version>-<hash>.tar.zst
# and unpacked next to it (the directory of the same name). Rebuilt only when missing.
#
#   usage: scripts/build-qemu-debug.sh [--print] [7.2|10.0|all]   (default: all)
#     --print  print the path of the cached qemu-system-x86_64 and exit 1 if it is not built
#              (never fetches or builds; tests use it)
#   env: IOVA_LENS_CACHE, IOVA_LENS_QEMU_DEBUG_JOBS (ninja -j, default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
RECIPE=1
CACHE="${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug"
PRINT=0
if [ "${1:-}" = --print ]; then PRINT=1; shift; fi
WHICH="${1:-all}"
JOBS="${IOVA_LENS_QEMU_DEBUG_JOBS:-$(nproc)}"
log() { echo "build-qemu-debug: $*" >&2; }
die() { log "$*"; exit 1; }

suite_of() { case "$1" in 7.2) echo bookworm ;; 10.0) echo trixie ;; *) die "unknown QEMU line '$1' (7.2 or 10.0)" ;; esac; }

DEVICES='CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_BLK=y
CONFIG_PCIE_PORT=y
CONFIG_VGA_PCI=y
CONFIG_PARALLEL=y
CONFIG_SERIAL_ISA=y
CONFIG_I8257=y'

CONFIGURE=(--target-list=x86_64-softmmu --without-default-features --without-default-devices
  --with-devices-x86_64=iova-lens
  --enable-tcg --enable-fdt=system --enable-kvm --enable-slirp --enable-vhost-net
  --enable-vhost-user --enable-vhost-vdpa --enable-vhost-kernel --enable-trace-backends=log
  --enable-debug-info --disable-strip --disable-werror --disable-docs --disable-tools
  --disable-guest-agent --disable-install-blobs
  --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)

# Private apt state: only deb-src lines for one suite; lists are kept so later runs work offline.
apt_private() { local tool=apt-get; if [ "$1" = --cache ]; then tool=apt-cache; shift; fi
  local suite="$1"; shift
  local dir="$CACHE/apt-$suite"
  mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc/preferences.d" "$dir/etc/apt.conf.d"
  local opts=(-o "Dir::Etc::SourceList=$dir/etc/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::Etc::Parts=$dir/etc/apt.conf.d" -o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir" -o "Dir::Cache::archives=$dir/archives"
    -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
  if [ ! -f "$dir/etc/sources.list" ]; then
    {
      echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main"
      [ "$suite" = bookworm ] && echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main"
    } >"$dir/etc/sources.list"
  fi
  "$tool" "${opts[@]}" "$@"
}

ensure_lists() {
  local suite="$1"
  if ! compgen -G "$CACHE/apt-$suite/lists/*Sources*" >/dev/null; then
    log "fetching $suite's source index (private apt state in $CACHE/apt-$suite)"
    apt_private "$suite" update -qq || die "apt-get update of $suite's deb-src failed (network to deb.debian.org?)"
  fi
}

source_version() {
  apt_private --cache "$1" showsrc qemu 2>/dev/null | awk '/^Package: qemu$/{p=1} p&&/^Version:/&&!v{v=$2} END{print v}'
}

key_of() {
  local version="$1"
  local hash
  hash=$(printf '%s\n' "$RECIPE" "${CONFIGURE[*]}" "$DEVICES" | sha256sum | cut -c1-12)
  echo "qemu-${version//[:~]/_}-$hash"
}

need_build_deps() {
  local need=()
  for p in libfdt-dev libglib2.0-dev libpixman-1-dev libslirp-dev meson ninja-build dpkg-dev zstd pkg-config python3-venv; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "missing build dependencies: ${need[*]} (run once: sudo bash scripts/setup-test-env.sh)"
  log "installing build dependencies: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# meson >= 1.5 for the 10.0 source: bookworm-backports' .deb, unpacked (never installed).
backport_meson() {
  local root="$CACHE/meson-backport"
  if [ ! -x "$root/usr/bin/meson" ]; then
    ensure_lists bookworm
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && apt_private bookworm download -qq meson/bookworm-backports) \
      || die "could not download meson from bookworm-backports (QEMU 10.0 needs meson >= 1.5)"
    rm -rf "$root"; mkdir -p "$root"
    dpkg-deb -x "$tmp"/meson_*.deb "$root"
    rm -rf "$tmp"
  fi
  echo "$root"
}

build_one() {
  local line="$1" suite version key
  suite=$(suite_of "$line")
  if [ "$PRINT" = 1 ]; then
    version=$(source_version "$suite" 2>/dev/null || true)
    [ -n "$version" ] || die "QEMU $line with debug info is not built (run: bash scripts/build-qemu-debug.sh $line)"
    key=$(key_of "$version")
    local bin="$CACHE/$key/bin/qemu-system-x86_64"
    [ -x "$bin" ] || die "QEMU $line with debug info is not built (run: bash scripts/build-qemu-debug.sh $line)"
    echo "$bin"; return
  fi
  ensure_lists "$suite"
  version=$(source_version "$suite")
  [ -n "$version" ] || die "no qemu source package in $suite's index"
  key=$(key_of "$version")
  local tarball="$CACHE/$key.tar.zst" prefix="$CACHE/$key"
  if [ -x "$prefix/bin/qemu-system-x86_64" ]; then log "QEMU $line ($version) cached: $prefix"; return; fi
  if [ -f "$tarball" ]; then
    log "unpacking $tarball"
    rm -rf "$prefix.tmp"; mkdir -p "$prefix.tmp"
    tar -C "$prefix.tmp" --zstd -xf "$tarball"
    mv "$prefix.tmp" "$prefix"; return
  fi
  need_build_deps
  local start=$SECONDS work="$CACHE/work-$line"
  local env=()
  if [ "$line" = 10.0 ]; then
    local mroot; mroot=$(backport_meson)
    env=(PYTHONPATH="$mroot/usr/lib/python3/dist-packages" PATH="$mroot/usr/bin:$PATH")
  fi
  if [ -d "$work/build" ] && [ "$(cat "$work/KEY" 2>/dev/null)" = "$key" ]; then
    log "resuming the configured build in $work"
  else
    rm -rf "$work"; mkdir -p "$work"
    log "fetching qemu $version source from $suite"
    (cd "$work" && apt_private "$suite" source --download-only -qq "qemu=$version") \
      || die "apt-get source qemu=$version failed"
    # dpkg-source applies Debian's own patches (debian/patches), as Debian builds it
    (cd "$work" && dpkg-source --no-check -x ./*.dsc src >/dev/null) \
      || die "dpkg-source -x failed in $work"
    printf '%s\n' "$DEVICES" >"$work/src/configs/devices/x86_64-softmmu/iova-lens.mak"
    mkdir -p "$work/build"
    log "configuring (lean, debug info): ${CONFIGURE[*]}"
    (cd "$work/build" && env "${env[@]}" ../src/configure --prefix="$prefix.tmp" "${CONFIGURE[@]}" >configure.log 2>&1) \
      || { tail -30 "$work/build/configure.log" >&2; die "configure failed (full log: $work/build/configure.log)"; }
    echo "$key" >"$work/KEY"
  fi
  log "building qemu-system-x86_64 with $JOBS jobs"
  (cd "$work/build" && env "${env[@]}" ninja -j "$JOBS" qemu-system-x86_64 >ninja.log 2>&1) \
    || { tail -30 "$work/build/ninja.log" >&2; die "build failed (full log: $work/build/ninja.log)"; }
  # only the emulator is installed: firmware comes from --firmwarepath (Debian's packages), and
  # `meson install` would want every other target (docs, keymaps, trace-events-all) built too
  rm -rf "$prefix.tmp"
  install -D -m 755 "$work/build/qemu-system-x86_64" "$prefix.tmp/bin/qemu-system-x86_64"
  printf 'source: qemu %s (%s)\nconfigure: %s\n' "$version" "$suite" "${CONFIGURE[*]}" >"$prefix.tmp/BUILD-INFO"
  tar -C "$prefix.tmp" --zstd -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  mv "$prefix.tmp" "$prefix"
  rm -rf "$work"
  log "QEMU $line ($version) built in $((SECONDS - start)) s wall: $prefix ($(du -h "$tarball" | cut -f1) cached)"
}

mkdir -p "$CACHE"
case "$WHICH" in
  all) build_one 7.2; build_one 10.0 ;;
  7.2|10.0) build_one "$WHICH" ;;
  *) die "usage: scripts/build-qemu-debug.sh [--print] [7.2|10.0|all]" ;;
esac
