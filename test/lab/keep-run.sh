#!/usr/bin/env bash
# Keeps a compact copy of a lab run in the repository: test/fixtures/vdpa-lab/<scenario>/ (the
# files the suite reads) and the QEMU 7.2 + SVQ run as samples/vdpa-lab-qemu-7.2-svq/.
#   usage: test/lab/keep-run.sh RUN_DIR
set -euo pipefail
RUN=${1:?usage: keep-run.sh RUN_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$ROOT/test/fixtures/vdpa-lab
KEEP="trace.log qemu-stderr.log device.log versions.txt cmdline.txt steps.log qemu-maps-start1.txt qemu-maps-start2.txt"
for d in "$RUN"/*/; do
  s=$(basename "$d")
  # the debug-build scenarios' evidence is their cores (~17 MB compressed per scenario): not kept
  case $s in *.missed|*dbg-*) continue ;; esac
  [ -f "$d/trace.log" ] || continue
  rm -rf "${FIX:?}/$s"; mkdir -p "$FIX/$s"
  for f in $KEEP; do [ -f "$d/$f" ] && cp "$d/$f" "$FIX/$s/"; done
done
cp "$RUN/timing.txt" "$FIX/timing.txt" 2>/dev/null || true
S=$ROOT/samples/vdpa-lab-qemu-7.2-svq
rm -rf "$S"; mkdir -p "$S"
for f in trace.log qemu-stderr.log device.log versions.txt cmdline.txt; do cp "$FIX/qemu72-svq-on/$f" "$S/"; done
du -sh "$FIX" "$S"
