#!/bin/bash
# Cores of the running inner QEMU (inside the outer guest, installed as /lab/). One gdb from the
# bookworm tree, started before the device does (`start`), waits on a FIFO; each `snap` has it
# attach (QEMU stops), `gcore` into a tmpfs, detach (QEMU runs on). gdb reads no debug information
# here (--readnever): the cores are read on the host against the debug build QEMU ran from. Only
# QEMU's private anonymous memory and ELF headers are dumped (coredump_filter 0x11): the heap
# with the IOVA trees, not the shared guest RAM. `finish` quits gdb and compresses the cores
# into OUTDIR (after QEMU exited: the device's window is short and TCG is slow).
#   usage: core-snap.sh start  OUTDIR QEMU_PID CHROOT QEMU_BINARY (inside CHROOT)
#          core-snap.sh snap   OUTDIR QEMU_PID CHROOT NAME
#          core-snap.sh finish OUTDIR QEMU_PID CHROOT
# One line per core in OUTDIR/cores.txt (times in µs of the wall clock the trace's lines carry):
#   NAME FILE STOP_US RESUME_US TRACE_LINES_BEFORE TRACE_LINES_AFTER STATUS
# gdb takes STOP_US before it attaches and RESUME_US after it detached: QEMU was stopped inside
# that window, so a trace line stamped before STOP_US happened before the core, one stamped after
# RESUME_US after it. Env: LIMIT (s to wait for one core, 300).
set -u
CMD=$1; OUT=$2; QP=$3; ROOT=$4
FIFO=$ROOT/tmp/cores/gdb.in
LOG=$OUT/gdb-cores.log
note() { echo "[$(cut -d' ' -f1 /proc/uptime)] wall=$(date +%s.%6N) $*" >>"$OUT/steps.log"; }
# alive and not a zombie (an orphaned gdb may wait for a reaper)
alive() { [ -n "$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "" ] && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]; }
# write to the FIFO without ever blocking for good (no reader: gdb is gone)
tell() { timeout 10 bash -c 'printf "%s\n" "${@:2}" >"$1"' _ "$FIFO" "$@"; }
lines() { if [ -f "$OUT/trace.log" ]; then wc -l <"$OUT/trace.log"; else echo 0; fi; }

case $CMD in
start)
  mkdir -p "$ROOT/tmp/cores"
  mountpoint -q "$ROOT/tmp/cores" || mount -t tmpfs cores "$ROOT/tmp/cores"
  rm -f "$FIFO"; mkfifo "$FIFO"
  echo 0x11 >"/proc/$QP/coredump_filter"
  # gdb reads the FIFO until `finish` writes quit; the `sleep` keeps a writer open in between
  (sleep 100000 >"$FIFO") &
  echo $! >"$ROOT/tmp/cores/holder.pid"
  chroot "$ROOT" gdb -nx -q --readnever -iex 'set auto-load off' -iex 'set auto-solib-add off' \
    -iex 'set pagination off' -iex 'set confirm off' -iex 'set height 0' "$5" <"$FIFO" >"$LOG" 2>&1 &
  echo $! >"$ROOT/tmp/cores/gdb.pid"
  ;;
snap)
  NAME=$5
  n0=$(lines)
  GP=$(cat "$ROOT/tmp/cores/gdb.pid")
  status=timeout
  if ! alive "$GP" || ! tell "shell date +%s%6N >/tmp/cores/$NAME.t0" "attach $QP" "gcore /tmp/cores/$NAME" "detach" \
    "shell date +%s%6N >/tmp/cores/$NAME.t1" "echo SNAP-DONE $NAME\\n"; then
    status=gdb-died
  else
    # done when gdb has written the resume time (the file exists before date writes into it)
    for _ in $(seq 1 $(( ${LIMIT:-300} * 5 ))); do
      if [ -s "$ROOT/tmp/cores/$NAME.t1" ]; then status=ok; break; fi
      alive "$GP" || { status=gdb-died; break; }
      sleep 0.2
    done
  fi
  n1=$(lines)
  [ "$status" = ok ] && [ ! -s "$ROOT/tmp/cores/$NAME" ] && status=no-core
  t0=$(cat "$ROOT/tmp/cores/$NAME.t0" 2>/dev/null || echo 0); t1=$(cat "$ROOT/tmp/cores/$NAME.t1" 2>/dev/null || echo 0)
  echo "$NAME core-$NAME.zst $t0 $t1 $n0 $n1 $status" >>"$OUT/cores.txt"
  note "core $NAME: $status, QEMU stopped within $(( (t1 - t0) / 1000 )) ms, trace lines $n0..$n1"
  ;;
finish)
  [ -p "$FIFO" ] || exit 0
  GP=$(cat "$ROOT/tmp/cores/gdb.pid")
  # a FIFO nobody reads would block the writer: only a live gdb is told to quit
  alive "$GP" && tell quit
  kill "$(cat "$ROOT/tmp/cores/holder.pid")" 2>/dev/null
  for _ in $(seq 1 50); do alive "$GP" || break; sleep 0.2; done
  kill -9 "$GP" 2>/dev/null
  while read -r name file _; do
    [ -s "$ROOT/tmp/cores/$name" ] && zstd -q -1 -o "$OUT/$file" "$ROOT/tmp/cores/$name"
  done <"$OUT/cores.txt"
  umount "$ROOT/tmp/cores" 2>/dev/null
  note "cores compressed: $(cd "$OUT" && du -ch core-*.zst 2>/dev/null | tail -1 | cut -f1)"
  ;;
*) echo "core-snap: unknown command $CMD" >&2; exit 2 ;;
esac
