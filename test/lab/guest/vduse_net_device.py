#!/usr/bin/env python3
"""The lab's VDUSE virtio-net device (runs inside the outer guest, installed as /lab/).

It creates /dev/vduse/NAME offering VERSION_1 | ACCESS_PLATFORM | MAC | STATUS only (so QEMU
accepts x-svq=on), answers the kernel's requests (SET_STATUS, GET_VQ_STATE, UPDATE_IOTLB) and
never touches a ring. Its log is the ground truth of the lab: after every UPDATE_IOTLB it walks
the whole IOTLB the kernel gave the device and writes one line per entry, with the host virtual
address each entry stands for in the process that holds /dev/vhost-vdpa-* (VA mode: an entry is
a file range; /proc/PID/maps says where QEMU mapped that range).

usage: vduse_net_device.py NAME LOGFILE        (until SIGTERM/SIGINT)

Log lines: "WALL_SECONDS KIND key=value ..." where WALL_SECONDS is gettimeofday() like the
prefix of QEMU's log-backend trace lines. Kinds: created, status, vq, vq-state, update,
entry, end-update, stopping, destroyed, error.
Structures follow include/uapi/linux/vduse.h (API version 0)."""
import fcntl
import os
import signal
import struct
import sys
import time

NAME, LOG = sys.argv[1], sys.argv[2]


def ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (0x81 << 8) | nr


WRITE, READ = 1, 2
SET_API_VERSION = ioc(WRITE, 0x01, 8)
CREATE_DEV = ioc(WRITE, 0x02, 336)
DESTROY_DEV = ioc(WRITE, 0x03, 256)
IOTLB_GET_FD = ioc(WRITE | READ, 0x10, 32)
VQ_SETUP = ioc(WRITE, 0x14, 32)
VQ_GET_INFO = ioc(WRITE | READ, 0x15, 48)
REQUEST_SIZE = 152
REQ_GET_VQ_STATE, REQ_SET_STATUS, REQ_UPDATE_IOTLB = 0, 1, 2
PERM = {1: 'ro', 2: 'wo', 3: 'rw'}
U64_MAX = (1 << 64) - 1

FEATURES = (1 << 32) | (1 << 33) | (1 << 5) | (1 << 16)
QUEUES, QUEUE_SIZE = 2, 256
CONFIG = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]) + struct.pack('<HHH', 1, 1, 1500)

out = open(LOG, 'a', buffering=1)


def log(kind, text=''):
    out.write('%.6f %s %s\n' % (time.time(), kind, text))


def vhost_vdpa_holder():
    """PID of the process that has /dev/vhost-vdpa-* open (the inner QEMU), or None."""
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            for fdname in os.listdir('/proc/%s/fd' % pid):
                # a QEMU run through chroot sees its /dev through a bind mount: match the tail
                if '/dev/vhost-vdpa-' in os.readlink('/proc/%s/fd/%s' % (pid, fdname)):
                    return int(pid)
        except OSError:
            continue
    return None


def read_maps(pid):
    """[(start, end, file_offset, major, minor, inode, path)] of PID's mappings."""
    vmas = []
    try:
        with open('/proc/%d/maps' % pid) as f:
            for line in f:
                parts = line.split(None, 5)
                start, end = (int(x, 16) for x in parts[0].split('-'))
                major, minor = (int(x, 16) for x in parts[3].split(':'))
                path = parts[5].strip() if len(parts) > 5 else ''
                vmas.append((start, end, int(parts[2], 16), major, minor, int(parts[4]), path))
    except OSError:
        pass
    return vmas


def hva_of(vmas, st, file_off, size):
    """Where the file range lies in the holder's address space ('?' when no VMA holds it)."""
    hits = [v for v in vmas
            if v[5] == st.st_ino and v[3] == os.major(st.st_dev) and v[4] == os.minor(st.st_dev)
            and v[2] <= file_off and file_off + size <= v[2] + (v[1] - v[0])]
    if not hits:
        return '?', ''
    return ','.join('0x%x' % (v[0] + file_off - v[2]) for v in hits), hits[0][6]


def walk_iotlb(seq):
    pid = vhost_vdpa_holder()
    vmas = read_maps(pid) if pid else []
    start, count = 0, 0
    while count < 4096:
        buf = bytearray(struct.pack('<QQQB7x', 0, start, U64_MAX, 0))
        try:
            mfd = fcntl.ioctl(dev, IOTLB_GET_FD, buf, True)
        except OSError:
            break
        file_off, first, last, perm = struct.unpack('<QQQB7x', buf)
        try:
            st = os.fstat(mfd)
        finally:
            os.close(mfd)
        hva, path = hva_of(vmas, st, file_off, last - first + 1)
        log('entry', 'seq=%d iova=0x%x last=0x%x size=0x%x perm=%s file_off=0x%x ino=%d hva=%s file=%s'
            % (seq, first, last, last - first + 1, PERM.get(perm, str(perm)), file_off, st.st_ino,
               hva, path.replace(' ', '_') or '-'))
        count += 1
        if last >= U64_MAX:
            break
        start = last + 1
    log('end-update', 'seq=%d entries=%d holder=%s' % (seq, count, pid))


def vq_info(index):
    buf = bytearray(struct.pack('<II3Q8sB7x', index, 0, 0, 0, 0, b'\0' * 8, 0))
    fcntl.ioctl(dev, VQ_GET_INFO, buf, True)
    idx, num, desc, drv, used, state, ready = struct.unpack('<II3Q8sB7x', buf)
    log('vq', 'vq=%d num=%d desc=0x%x driver=0x%x device=0x%x avail_idx=%d ready=%d'
        % (idx, num, desc, drv, used, struct.unpack('<H', state[:2])[0], ready))


class Stop(Exception):
    pass


def stop(*_):
    raise Stop()


control = os.open('/dev/vduse/control', os.O_RDWR)
fcntl.ioctl(control, SET_API_VERSION, struct.pack('<Q', 0))
config = struct.pack('<256sIIQII52sI', NAME.encode(), 0, 1, FEATURES, QUEUES, 4096,
                     b'\0' * 52, len(CONFIG)) + CONFIG
fcntl.ioctl(control, CREATE_DEV, bytearray(config))
path = '/dev/vduse/' + NAME
for _ in range(200):
    if os.path.exists(path):
        break
    time.sleep(0.05)
dev = os.open(path, os.O_RDWR)
for q in range(QUEUES):
    fcntl.ioctl(dev, VQ_SETUP, struct.pack('<IH26s', q, QUEUE_SIZE, b'\0' * 26))
log('created', 'name=%s features=0x%x vqs=%d' % (NAME, FEATURES, QUEUES))
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

updates = 0
try:
    while True:
        try:
            req = os.read(dev, REQUEST_SIZE)
        except OSError as e:
            log('error', 'read %s' % e)
            time.sleep(0.1)
            continue
        if len(req) < REQUEST_SIZE:
            continue
        kind, rid = struct.unpack_from('<II', req, 0)
        union = b'\0' * 128
        if kind == REQ_SET_STATUS:
            status = req[24]
            log('status', 'status=0x%x' % status)
            if status & 0x4:
                for q in range(QUEUES):
                    vq_info(q)
        elif kind == REQ_GET_VQ_STATE:
            idx = struct.unpack_from('<I', req, 24)[0]
            log('vq-state', 'vq=%d avail_idx=0' % idx)
            union = struct.pack('<IH', idx, 0).ljust(128, b'\0')
        elif kind == REQ_UPDATE_IOTLB:
            first, last = struct.unpack_from('<QQ', req, 24)
            updates += 1
            log('update', 'seq=%d start=0x%x last=0x%x' % (updates, first, last))
            walk_iotlb(updates)  # before replying: QEMU's write() waits, the IOTLB holds still
        else:
            log('error', 'unknown request type %d' % kind)
        os.write(dev, struct.pack('<II16s', rid, 0, b'\0' * 16) + union)
except Stop:
    pass
log('stopping')
os.close(dev)
try:
    fcntl.ioctl(control, DESTROY_DEV, NAME.encode().ljust(256, b'\0'))
    log('destroyed')
except OSError as e:
    log('error', 'destroy %s' % e)
