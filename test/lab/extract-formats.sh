#!/usr/bin/env bash
# Writes the trace-event formats compiled into a QEMU binary (log backend: every event's printf
# format is a string "%d@%zu.%06zu:NAME FORMAT\n" in the binary), one "NAME FORMAT" per line,
# for the event families the catalog covers. The output is what that QEMU really prints.
#   usage: test/lab/extract-formats.sh QEMU_BINARY "VERSION TEXT" > test/fixtures/qemu-formats/qemu-X.txt
# The lab's work trees hold Debian's 7.2 and 10.0 binaries:
#   <cache>/vdpa-lab/work/bookworm/usr/bin/qemu-system-x86_64, .../work/trixie/usr/bin/...
set -euo pipefail
BIN=${1:?usage: extract-formats.sh QEMU_BINARY VERSION}
echo "# trace-event formats compiled into $2 (log backend), extracted by test/lab/extract-formats.sh"
strings -n 6 "$BIN" | sed -n 's/^%d@%zu\.%06zu:\([a-z0-9_]*\) \(.*\)\\n$/\1 \2/p; s/^%d@%zu\.%06zu:\([a-z0-9_]*\) \(.*\)$/\1 \2/p' |
  grep -E '^(vhost_|virtio_|virtqueue_|vtd_|vfio_listener_|vfio_dma_|vfio_iommu_|vfio_known_|iommufd_backend_)' | LC_ALL=C sort -u
