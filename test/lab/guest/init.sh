#!/bin/sh
# PID 1 of the lab's outer guest (installed as /lab/init). Mounts the usual file systems and
# the host folder shared over 9p (tag "lab") at /share, runs /share/job.sh with its output in
# /share/job.out, then powers the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts
mountpoint -q /dev/shm || mount -t tmpfs shm /dev/shm
mountpoint -q /run || mount -t tmpfs run /run
mountpoint -q /tmp || mount -t tmpfs tmp /tmp
mount -o remount,rw / 2>/dev/null
hostname vdpa-lab
echo "lab-init: kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)s"
modprobe 9pnet_virtio && modprobe 9p
mkdir -p /share
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 lab /share; then
  if [ -x /share/job.sh ]; then
    /share/job.sh >/share/job.out 2>&1
    echo "lab-init: job exit $? at uptime $(cut -d' ' -f1 /proc/uptime)s"
  else
    echo "lab-init: no /share/job.sh"
  fi
  sync
  umount /share
else
  echo "lab-init: cannot mount the 9p share"
fi
echo o >/proc/sysrq-trigger
sleep 30
