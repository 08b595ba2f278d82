#!/bin/bash
# One lab scenario inside the outer guest (installed as /lab/scenario.sh).
#   usage: scenario.sh OUTDIR QEMU(7.2|10|7.2dbg|10dbg) SVQ(on|off) IOMMU(0|1)
# 7.2dbg and 10dbg run the host's debug builds of QEMU (scripts/build-qemu-debug.sh, shared by
# run-lab.sh over 9p as qemu72dbg / qemu10dbg) in the bookworm tree, with a small TCG
# translation buffer and one malloc arena (small cores), and take cores of QEMU (core-snap.sh):
# "alias-open" and "alias-closed" (one poke, POKE_GAP s after each write) while the first start
# runs, "restarted" (SETTLE s after the second start's first listener commit). The device's
# window is short (iPXE keeps the NIC open ~30 s of guest time, and the guest's clock runs on
# while gdb holds QEMU: a core costs ~5 s of it under TCG), so these scenarios take no core
# before the alias and wait less: SETTLE 2, POKES 1, POKE_GAP 2 unless set.
# Creates the VDUSE net device (vduse_net_device.py), binds it to vhost_vdpa, runs the inner
# QEMU (TCG, q35, SeaBIOS -> iPXE, whose virtio-net driver starts the device) with a
# vhost-vdpa netdev and the vhost_vdpa/SVQ/IOVA trace events, pokes the SMRAM alias while the
# device runs, system_reset, waits for the second start, quits, tears down.
# Env: SETTLE (s after a start before acting, 5), POKES (2), POKE_GAP (3), LIMIT (s per wait,
# 300), INNER_MEM (128M).
# Exit: 0 done; 3 done but the alias never reached the listener (caller may retry); 1 failed.
set -u
OUT=$1; VER=$2; SVQ=$3; IOMMU=$4
case $VER in *dbg) SETTLE=${SETTLE:-2}; POKES=${POKES:-1}; POKE_GAP=${POKE_GAP:-2} ;; esac
SETTLE=${SETTLE:-5}; LIMIT=${LIMIT:-300}; INNER_MEM=${INNER_MEM:-128M}
mkdir -p "$OUT"
STEPS=$OUT/steps.log
step() { echo "[$(cut -d' ' -f1 /proc/uptime)] wall=$(date +%s.%6N) $*" | tee -a "$STEPS"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$(uptime_s)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }

step "scenario qemu=$VER svq=$SVQ iommu=$IOMMU"
for m in vdpa vduse vhost_iotlb vhost vhost_vdpa; do modprobe "$m" || step "modprobe $m failed"; done
[ -e /dev/vduse/lab0 ] && { step "FAIL: stale /dev/vduse/lab0"; exit 1; }
python3 /lab/vduse_net_device.py lab0 "$OUT/device.log" 2>"$OUT/device-stderr.log" &
DEVPID=$!
for _ in $(seq 1 200); do [ -e /dev/vduse/lab0 ] && break; kill -0 $DEVPID 2>/dev/null || break; sleep 0.2; done
[ -e /dev/vduse/lab0 ] || { step "FAIL: /dev/vduse/lab0 never appeared"; exit 1; }
vdpa dev add name lab0 mgmtdev vduse >>"$STEPS" 2>&1 || { step "FAIL: vdpa dev add"; kill $DEVPID; exit 1; }
for _ in $(seq 1 100); do ls /dev/vhost-vdpa-* >/dev/null 2>&1 && break; sleep 0.2; done
VHDEV=$(ls /dev/vhost-vdpa-* 2>/dev/null | head -1)
[ -n "$VHDEV" ] || { step "FAIL: no /dev/vhost-vdpa-*"; kill $DEVPID; exit 1; }
step "VDUSE device lab0 -> $VHDEV ($(readlink /sys/bus/vdpa/devices/lab0/driver))"

DBG=""; QEMU_BIN=qemu-system-x86_64; ACCEL=tcg
case $VER in 7.2dbg|10dbg) DBG=${VER%dbg} ;; esac
if [ "$VER" = 7.2 ] || [ -n "$DBG" ]; then
  B=/opt/bookworm
  mkdir -p $B/out $B/tmp
  mountpoint -q $B/dev || mount --bind /dev $B/dev
  mountpoint -q $B/proc || mount -t proc proc $B/proc
  mountpoint -q $B/sys || mount -t sysfs sys $B/sys
  mount --bind "$OUT" $B/out
  RUN="chroot $B"; IO=/out; HOSTQMP=$B/tmp/qmp.sock
  if [ -n "$DBG" ]; then
    # the debug build, copied off the 9p share (QEMU and gdb then read a local file)
    tag=qemu${DBG//./}dbg
    mkdir -p /mnt/$tag $B/opt/$tag
    mountpoint -q /mnt/$tag || mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288 $tag /mnt/$tag \
      || { step "FAIL: no 9p share $tag (run-lab.sh shares the debug build of QEMU $DBG)"; vdpa dev del lab0; kill $DEVPID; exit 1; }
    cp /mnt/$tag/bin/qemu-system-x86_64 $B/opt/$tag/ || { step "FAIL: copying the debug QEMU $DBG"; vdpa dev del lab0; kill $DEVPID; exit 1; }
    cp /mnt/$tag/BUILD-INFO "$OUT/qemu-debug-build.txt" 2>/dev/null
    QEMU_BIN=/opt/$tag/qemu-system-x86_64; ACCEL=tcg,tb-size=16
    RUN="chroot $B env MALLOC_ARENA_MAX=1"
  fi
else
  RUN=""; IO=$OUT; HOSTQMP=/tmp/qmp.sock
fi
rm -f "$HOSTQMP"
printf '\xf8\x03' >"$OUT/.sercon-port"   # SeaBIOS mirrors its console (and iPXE's) to COM1
DEV="virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,bootindex=1"
EXTRA=""
if [ "$IOMMU" = 1 ]; then
  EXTRA="-device intel-iommu,intremap=off -trace enable=vtd_*"
  DEV="$DEV,disable-legacy=on,iommu_platform=on,ats=on"
fi
{
  echo "qemu: $($RUN $QEMU_BIN --version | head -1)"
  echo "kernel: $(uname -r) ($(uname -v))"
  echo "vduse-device: features=0x$(printf %x $(( (1<<32)|(1<<33)|(1<<5)|(1<<16) ))) vqs=2"
} >"$OUT/versions.txt"
# VDUSE maps only shared file-backed memory (vhost-vdpa VA mode): guest RAM is a shared memfd.
CMD="$QEMU_BIN -M q35,memory-backend=mem0 -accel $ACCEL -m $INNER_MEM -smp 1 -nodefaults -display none
 -object memory-backend-memfd,id=mem0,size=$INNER_MEM,share=on
 -serial file:$IO/inner-serial.log -fw_cfg name=etc/sercon-port,file=$IO/.sercon-port
 -qmp unix:/tmp/qmp.sock,server=on,wait=off -msg timestamp=on
 -netdev type=vhost-vdpa,vhostdev=$VHDEV,id=n0,x-svq=$SVQ -device $DEV -boot order=n $EXTRA
 -trace enable=vhost_vdpa_* -trace enable=vhost_svq_* -trace enable=vhost_iova_* -D $IO/trace.log"
echo $CMD >"$OUT/cmdline.txt"

starts() { local n; n=$(grep -cE 'vhost_vdpa_dev_start .*started: 1' "$OUT/trace.log" 2>/dev/null); echo "${n:-0}"; }
errors() { local n; n=$(grep -c 'errno=' "$OUT/qemu-stderr.log" 2>/dev/null); echo "${n:-0}"; }
wait_starts() {
  local t=$(uptime_s) e0=$(errors)
  while kill -0 $QP 2>/dev/null; do
    [ "$(starts)" -ge "$1" ] && return 0
    # a start the kernel refused (e.g. errno 14) never comes: give it SETTLE more seconds
    if [ "$(errors)" -gt "$e0" ]; then
      step "start #$1 failed: $(grep 'errno=' "$OUT/qemu-stderr.log" | tail -1)"
      sleep "$SETTLE"
      [ "$(starts)" -ge "$1" ] && return 0
      return 1
    fi
    [ "$(elapsed "$t" | cut -d. -f1)" -ge "$LIMIT" ] && { step "no start #$1 within ${LIMIT}s"; return 1; }
    sleep 0.5
  done
  return 1
}
step "inner QEMU $VER starting"
T0=$(uptime_s)
$RUN $CMD >"$OUT/qemu-stderr.log" 2>&1 &
QP=$!
[ -n "$DBG" ] && /lab/core-snap.sh start "$OUT" $QP $B $QEMU_BIN
if wait_starts 1; then
  step "device start #1, $(elapsed "$T0")s after launch"
  cat /proc/$QP/maps >"$OUT/qemu-maps-start1.txt" 2>/dev/null   # which HVAs are shared/private
  sleep "$SETTLE"
  HOOK=""
  [ -n "$DBG" ] && HOOK="/lab/core-snap.sh snap $OUT $QP $B"
  /lab/alias-poke.sh "$HOSTQMP" "$STEPS" "${POKES:-2}" "${POKE_GAP:-3}" ${HOOK:+"$HOOK"}
  python3 /lab/qmp_client.py "$HOSTQMP" --hmp "info mtree -f" >"$OUT/mtree-flat.txt" 2>&1
  step "system_reset"
  python3 /lab/qmp_client.py "$HOSTQMP" system_reset >>"$STEPS" 2>&1
  if wait_starts 2; then
    step "device start #2, $(elapsed "$T0")s after launch"
    cat /proc/$QP/maps >"$OUT/qemu-maps-start2.txt" 2>/dev/null
    sleep "$SETTLE"
    [ -n "$DBG" ] && /lab/core-snap.sh snap "$OUT" $QP $B restarted
  fi
fi
if kill -0 $QP 2>/dev/null; then
  step "quit"
  python3 /lab/qmp_client.py "$HOSTQMP" quit >>"$STEPS" 2>&1
  for _ in $(seq 1 60); do kill -0 $QP 2>/dev/null || break; sleep 0.5; done
  kill -0 $QP 2>/dev/null && { step "inner QEMU still alive: SIGKILL"; kill -9 $QP; }
else
  step "inner QEMU exited by itself"
fi
wait $QP
step "inner QEMU exit status $?, ran $(elapsed "$T0")s, device starts $(starts)"
[ -n "$DBG" ] && /lab/core-snap.sh finish "$OUT" $QP $B

[ "$VER" = 7.2 ] || [ -n "$DBG" ] && umount $B/out $B/dev $B/proc $B/sys 2>/dev/null
vdpa dev del lab0 >>"$STEPS" 2>&1
kill $DEVPID 2>/dev/null
for _ in $(seq 1 40); do kill -0 $DEVPID 2>/dev/null || break; sleep 0.25; done
kill -0 $DEVPID 2>/dev/null && kill -9 $DEVPID
dmesg >"$OUT/dmesg.txt"
rm -f "$OUT/.sercon-port"
if ! grep -qE 'vhost_vdpa_listener_region_add .*iova 0xfeda0000 ' "$OUT/trace.log"; then
  step "the SMRAM alias never reached the listener"
  exit 3
fi
step "done"
