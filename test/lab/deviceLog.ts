// Reads the lab device's log (test/lab/guest/vduse_net_device.py): every IOTLB the kernel gave
// the VDUSE device, with the wall-clock time it arrived, as the device saw it.

export interface DeviceEntry {
  iova: bigint;
  /** inclusive */
  last: bigint;
  /** 1 ro, 2 wo, 3 rw (VDUSE_ACCESS_*; the same numbers as the model's Perm) */
  perm: number;
  /** where QEMU has this file range mapped; undefined when the device could not place it */
  hva?: bigint;
  fileOffset: bigint;
  inode: number;
  file: string;
}

export interface DeviceUpdate {
  seq: number;
  /** microseconds since the epoch (gettimeofday, the clock of QEMU's trace prefix) */
  timeUs: bigint;
  entries: DeviceEntry[];
  /** 1-based line of the update in device.log */
  line: number;
}

export interface DeviceLog {
  updates: DeviceUpdate[];
  /** device status writes (SET_STATUS), with their time */
  statuses: { status: number; timeUs: bigint }[];
}

export const microseconds = (seconds: string): bigint => {
  const [s, frac = ''] = seconds.split('.');
  return BigInt(s) * 1_000_000n + BigInt((frac + '000000').slice(0, 6));
};

const PERM: Record<string, number> = { ro: 1, wo: 2, rw: 3 };

function fields(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of rest.trim().split(/\s+/)) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

export function parseDeviceLog(text: string, path = 'device.log'): DeviceLog {
  const updates: DeviceUpdate[] = [];
  const statuses: DeviceLog['statuses'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+\.\d+) (\S+)(.*)$/.exec(lines[i]);
    if (!m) {
      if (lines[i].trim() !== '') throw new Error(`${path}:${i + 1}: unreadable line: ${lines[i]}`);
      continue;
    }
    const [, time, kind, rest] = m;
    const f = fields(rest);
    if (kind === 'update') {
      updates.push({ seq: Number(f.seq), timeUs: microseconds(time), entries: [], line: i + 1 });
    } else if (kind === 'entry') {
      const u = updates[updates.length - 1];
      if (!u || u.seq !== Number(f.seq)) throw new Error(`${path}:${i + 1}: IOTLB entry outside its update`);
      const perm = PERM[f.perm];
      if (perm === undefined) throw new Error(`${path}:${i + 1}: unknown permission ${f.perm}`);
      u.entries.push({
        iova: BigInt(f.iova),
        last: BigInt(f.last),
        perm,
        hva: f.hva === '?' ? undefined : BigInt(f.hva.split(',')[0]),
        fileOffset: BigInt(f.file_off),
        inode: Number(f.ino),
        file: f.file,
      });
    } else if (kind === 'end-update') {
      const u = updates[updates.length - 1];
      if (!u || u.entries.length !== Number(f.entries)) throw new Error(`${path}:${i + 1}: update ${f.seq} lists ${u?.entries.length} entries, its end says ${f.entries}`);
    } else if (kind === 'status') {
      statuses.push({ status: Number(f.status), timeUs: microseconds(time) });
    }
  }
  return { updates, statuses };
}
