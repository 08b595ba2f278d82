#!/usr/bin/env bash
# Everything the tests need beyond Node and `npm ci`; `npm test` runs it first.
#   1. Debian packages: QEMU (the real peer), a Debian kernel, busybox and cpio for the tiny test
#      guest; Chromium, ripgrep and libkrb5-dev for the VS Code (code-server) end-to-end tests;
#      debootstrap and e2fsprogs to build the vDPA lab's image.
#   2. code-server for the end-to-end tests (test/e2e/install-code-server.sh).
#   3. The vDPA lab image (test/lab/run-lab.sh --build-only), cached outside the clone in
#      ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/vdpa-lab.
#   4. QEMU 7.2 and 10.0 with debug information, built from Debian's source packages
#      (scripts/build-qemu-debug.sh; ~6 min CPU each when the cache is empty), cached in
#      ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug.
# Steps 1, 3 and 4 need root the first time; without it the script stops at once and prints the
# one command to run. Later runs find everything in place and take a second.
#   usage: scripts/setup-test-env.sh [--system-only]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_CMD="sudo bash scripts/setup-test-env.sh"
is_root() { [ "$(id -u)" = 0 ]; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v busybox >/dev/null || [ -x /bin/busybox ] || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
ls /boot/vmlinuz-* >/dev/null 2>&1 || need+=(linux-image-amd64)
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
[ -e /usr/include/gssapi/gssapi_krb5.h ] || need+=(libkrb5-dev)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || [ -x /usr/sbin/mkfs.ext4 ] || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  if ! is_root; then
    echo "setup-test-env: missing Debian packages: ${need[*]}" >&2
    echo "setup-test-env: run once: $ROOT_CMD" >&2
    exit 1
  fi
  echo "setup-test-env: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ "${1:-}" = --system-only ] && exit 0

bash test/e2e/install-code-server.sh

if ! bash test/lab/run-lab.sh --check-image; then
  if ! is_root; then
    echo "setup-test-env: the vDPA lab image is missing or out of date (building it needs root: debootstrap, chroot)" >&2
    echo "setup-test-env: run once: $ROOT_CMD   (about 4 minutes; cached in ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/vdpa-lab)" >&2
    exit 1
  fi
  bash test/lab/run-lab.sh --build-only
fi

# QEMU with debug info: a second when cached; the first build installs its build dependencies
# (libglib2.0-dev, meson…), which needs root
if ! bash scripts/build-qemu-debug.sh all; then
  echo "setup-test-env: building QEMU with debug info failed; the first time it needs root: $ROOT_CMD" >&2
  echo "setup-test-env: (about 6 min CPU per QEMU; cached in ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug)" >&2
  exit 1
fi
# QEMU 7.2's source for the C-debug-session E2E (it stops in physmem.c): seconds, cached
bash scripts/fetch-qemu-source.sh 7.2
