#!/usr/bin/env bash
# The vDPA lab, host side: builds (once) the outer-guest image, boots it once under TCG and
# runs the named scenarios inside it, one folder per scenario.
#   usage: test/lab/run-lab.sh [--out DIR] [--build-only | --check-image] [SCENARIO ...]
#   (default: every scenario; --check-image exits 0 when the image of this recipe is built)
# Scenarios are listed in test/lab/scenarios.txt. The image lives in
#   ${IOVA_LENS_CACHE:-/var/cache/iova-lens}/vdpa-lab/image-<hash of test/lab/image and guest>
# and is rebuilt when that hash changes (building needs root: debootstrap, chroot).
# Results go to --out DIR (default: <cache>/vdpa-lab/runs/<UTC time>, linked as runs/latest).
# Env: IOVA_LENS_LAB_TIMEOUT bounds the outer boot (seconds, default 2400).
set -euo pipefail

# Everything runs from one function, read whole before it starts: editing this file while a lab
# runs cannot change the running copy.
main() {
  HERE=$(cd "$(dirname "$0")" && pwd)
  CACHE=${IOVA_LENS_CACHE:-/var/cache/iova-lens}/vdpa-lab
  OUT=""; BUILD_ONLY=0; CHECK=0; WANT=()
  while [ $# -gt 0 ]; do
    case $1 in
      --out) OUT=${2:?--out needs a directory}; shift 2 ;;
      --build-only) BUILD_ONLY=1; shift ;;
      --check-image) CHECK=1; shift ;;
      -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
      -*) echo "run-lab: unknown option $1" >&2; exit 2 ;;
      *) WANT+=("$1"); shift ;;
    esac
  done

  KEY=$(cd "$HERE" && find image guest -type f -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  IMG=$CACHE/image-$KEY
  if [ "$CHECK" = 1 ]; then [ -s "$IMG/root.img" ]; exit $?; fi
  if [ ! -s "$IMG/root.img" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "run-lab: no lab image for this recipe ($IMG); build it once as root: sudo bash scripts/setup-test-env.sh" >&2
      exit 1
    fi
    mkdir -p "$CACHE"
    for old in "$CACHE"/image-*; do [ "$old" = "$IMG" ] || rm -rf "$old"; done
    echo "run-lab: building the lab image (about 4 minutes from nothing, seconds when only test/lab/guest changed)"
    "$HERE/image/build-image.sh" "$IMG" "$CACHE/work"
  fi
  [ "$BUILD_ONLY" = 1 ] && { echo "run-lab: image ready in $IMG"; exit 0; }

  declare -A QEMU SVQ IOMMU ALIAS
  ORDER=()
  while read -r name qemu svq iommu alias; do
    case $name in ''|'#'*) continue ;; esac
    QEMU[$name]=$qemu; SVQ[$name]=$svq; IOMMU[$name]=$iommu; ALIAS[$name]=$alias; ORDER+=("$name")
  done <"$HERE/scenarios.txt"
  [ ${#WANT[@]} -gt 0 ] || WANT=("${ORDER[@]}")
  for s in "${WANT[@]}"; do
    [ -n "${QEMU[$s]:-}" ] || { echo "run-lab: unknown scenario $s (known: ${ORDER[*]})" >&2; exit 2; }
  done

  if [ -z "$OUT" ]; then
    OUT=$CACHE/runs/$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$OUT"; ln -sfn "$OUT" "$CACHE/runs/latest"
  fi
  mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
  SHARE=$(mktemp -d "${TMPDIR:-/tmp}/iova-lens-lab.XXXXXX")
  trap 'rm -rf "$SHARE"' EXIT
  {
    echo '#!/bin/sh'
    echo 'once() { rm -rf "/share/$1"; /lab/scenario.sh "/share/$1" "$2" "$3" "$4"; }'
    echo 'run() {'
    echo '  once "$@"; rc=$?'
    echo '  if [ $rc = 3 ] && [ "$5" = required ]; then'
    echo '    echo "$1: the alias missed the device window; retrying"; mv "/share/$1" "/share/$1.missed"'
    echo '    once "$@"; rc=$?; echo "$1 retried" >>/share/retries'
    echo '  fi'
    echo '  echo "$1 $rc" >>/share/results'
    echo '}'
    for s in "${WANT[@]}"; do echo "run $s ${QEMU[$s]} ${SVQ[$s]} ${IOMMU[$s]} ${ALIAS[$s]}"; done
  } >"$SHARE/job.sh"
  chmod +x "$SHARE/job.sh"

  # scenarios on QEMU 7.2dbg / 10dbg run the host's debug builds, shared read-only over 9p
  DBGSHARE=()
  for v in 7.2 10; do
    used=0
    for s in "${WANT[@]}"; do [ "${QEMU[$s]}" = "${v}dbg" ] && used=1; done
    [ $used = 1 ] || continue
    bin=$(bash "$HERE/../../scripts/build-qemu-debug.sh" --print "$([ $v = 10 ] && echo 10.0 || echo 7.2)") \
      || { echo "run-lab: scenarios on QEMU ${v}dbg need the debug build (bash scripts/build-qemu-debug.sh)" >&2; exit 1; }
    DBGSHARE+=(-virtfs "local,path=$(dirname "$(dirname "$bin")"),mount_tag=qemu${v//./}dbg,security_model=none,readonly=on,id=qemu${v//./}dbg")
  done

  echo "run-lab: ${WANT[*]} -> $OUT"
  t0=$(date +%s)
  timeout --foreground -k 10 "${IOVA_LENS_LAB_TIMEOUT:-2400}" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -smp 2 -m 3G -display none -nodefaults -no-reboot \
    -serial "file:$SHARE/console.log" \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 init=/lab/init.sh loglevel=4 mitigations=off" \
    -drive "file=$IMG/root.img,if=virtio,format=raw,snapshot=on" \
    -virtfs "local,path=$SHARE,mount_tag=lab,security_model=none,id=lab" "${DBGSHARE[@]}" || echo "run-lab: outer guest exit $?"
  t1=$(date +%s)

  status=0
  for s in "${WANT[@]}"; do
    rm -rf "${OUT:?}/$s"
    if [ -d "$SHARE/$s" ]; then mv "$SHARE/$s" "$OUT/$s"; else echo "run-lab: no result for $s" >&2; status=1; fi
    [ -d "$SHARE/$s.missed" ] && mv "$SHARE/$s.missed" "$OUT/$s.missed"
  done
  cp "$SHARE/console.log" "$OUT/outer-console.log" 2>/dev/null || true
  cp "$SHARE/job.out" "$OUT/job.out" 2>/dev/null || true
  cp "$SHARE/results" "$OUT/results.txt" 2>/dev/null || { echo "run-lab: the job wrote no results" >&2; status=1; }
  cp "$SHARE/retries" "$OUT/retries.txt" 2>/dev/null || true
  echo "image $IMG; outer boot with ${#WANT[@]} scenarios: $((t1 - t0))s" | tee "$OUT/timing.txt"
  while read -r s rc; do
    case $rc in 0) ;; 3) [ "${ALIAS[$s]}" = required ] && { echo "run-lab: $s: the alias never reached the listener" >&2; status=1; } ;;
      *) echo "run-lab: $s failed ($rc); see $OUT/$s/steps.log" >&2; status=1 ;; esac
  done <"$OUT/results.txt" 2>/dev/null || true
  echo "run-lab: results in $OUT"
  exit $status
}
main "$@"
exit $?
