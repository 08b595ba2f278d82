#!/usr/bin/env bash
# The C source of the QEMU that scripts/build-qemu-debug.sh built (Debian's source package with
# Debian's patches applied, as built), for stepping through QEMU in a C debugger: the C-debug-session
# E2E stops in it and hovers its code. The build itself deletes its tree; this keeps one per source
# version, unpacked where a debugger finds it with one substitute-path rule:
#   ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug/source-<version>/src   (+ an empty build/)
# The debug info names files as <work>/build/../src/…, so
#   set substitute-path <CACHE>/qemu-debug/work-<line> <CACHE>/qemu-debug/source-<version>
# maps them (--print-substitute prints that pair).
#
#   usage: scripts/fetch-qemu-source.sh [--print | --print-substitute] 7.2|10.0
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${IOVA_LENS_CACHE:-/var/cache/iova-lens}/qemu-debug"
MODE=fetch
case "${1:-}" in --print) MODE=print; shift ;; --print-substitute) MODE=substitute; shift ;; esac
LINE="${1:-}"
log() { echo "fetch-qemu-source: $*" >&2; }
die() { log "$*"; exit 1; }
case "$LINE" in 7.2) SUITE=bookworm ;; 10.0) SUITE=trixie ;; *) die "usage: scripts/fetch-qemu-source.sh [--print|--print-substitute] 7.2|10.0" ;; esac

APT="$CACHE/apt-$SUITE"
[ -f "$APT/etc/sources.list" ] || die "no private apt state in $APT: run bash scripts/build-qemu-debug.sh $LINE first"
apt_private() {
  local tool=apt-get
  if [ "$1" = --cache ]; then tool=apt-cache; shift; fi
  "$tool" -o "Dir::Etc::SourceList=$APT/etc/sources.list" -o "Dir::Etc::SourceParts=-" \
    -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT" -o "Dir::Cache::archives=$APT/archives" \
    -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" "$@"
}
VERSION=$(apt_private --cache showsrc qemu 2>/dev/null | awk '/^Package: qemu$/{p=1} p&&/^Version:/&&!v{v=$2} END{print v}')
[ -n "$VERSION" ] || die "no qemu source package in $SUITE's index (run bash scripts/build-qemu-debug.sh $LINE)"
DIR="$CACHE/source-${VERSION//[:~]/_}"

case "$MODE" in
  print) [ -f "$DIR/src/VERSION" ] || die "QEMU $LINE source is not fetched (run: bash scripts/fetch-qemu-source.sh $LINE)"; echo "$DIR"; exit 0 ;;
  substitute) [ -f "$DIR/src/VERSION" ] || die "QEMU $LINE source is not fetched (run: bash scripts/fetch-qemu-source.sh $LINE)"; echo "$CACHE/work-$LINE $DIR"; exit 0 ;;
esac
if [ -f "$DIR/src/VERSION" ]; then log "QEMU $LINE source ($VERSION) cached: $DIR/src"; exit 0; fi
tmp=$(mktemp -d "$CACHE/source-tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "fetching qemu $VERSION source from $SUITE"
(cd "$tmp" && apt_private source --download-only -qq "qemu=$VERSION") || die "apt-get source qemu=$VERSION failed"
(cd "$tmp" && dpkg-source --no-check -x ./*.dsc out >/dev/null) || die "dpkg-source -x failed in $tmp"
rm -rf "$DIR"; mkdir -p "$DIR/build"
mv "$tmp/out" "$DIR/src"
log "QEMU $LINE source ($VERSION): $DIR/src"
