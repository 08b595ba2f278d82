// query-pci as a flat device list. bus/slot/function give the requester id VT-d indexes its
// root and context tables with; devices behind bridges are listed too.
import { formatBdf } from '../../model/pciAddress.js';
import type { JsonValue } from '../qmp/losslessJson.js';
import { QmpShapeError, Shape, listOf } from './jsonShape.js';

export interface PciBar {
  bar: number;
  type: 'io' | 'memory';
  /** GPA (or I/O port); undefined when the BAR is not assigned (QEMU reports -1). */
  address: bigint | undefined;
  /** Length in bytes. */
  len: bigint;
  prefetch: boolean | undefined;
  mem64: boolean | undefined;
}

export interface PciDevice {
  bus: number;
  slot: number;
  function: number;
  /** "BB:DD.F" in lower-case hex, as lspci prints it. */
  bdf: string;
  /** bus << 8 | slot << 3 | function. */
  requesterId: number;
  vendor: number;
  device: number;
  subsystemVendor: number | undefined;
  subsystem: number | undefined;
  classCode: number;
  classDesc: string | undefined;
  irq: number | undefined;
  irqPin: number;
  qdevId: string;
  bars: PciBar[];
}


function device(v: JsonValue, where: string, out: PciDevice[]): void {
  const s = Shape.of(where, v);
  const id = s.sub('id');
  const cls = s.sub('class_info');
  const bus = s.int('bus');
  const slot = s.int('slot');
  const fn = s.int('function');
  const bars = s.list('regions').map((r, i) => {
    const rs = Shape.of(`${where}.regions[${i}]`, r);
    const type = rs.str('type');
    if (type !== 'io' && type !== 'memory') throw new QmpShapeError(`${where}.regions[${i}]`, 'type', '"io" or "memory"', type);
    const addr = rs.i64('address');
    return {
      bar: rs.int('bar'),
      type,
      address: addr < 0n ? undefined : addr,
      len: rs.u64('size'),
      prefetch: rs.optBool('prefetch'),
      mem64: rs.optBool('mem_type_64'),
    } satisfies PciBar;
  });
  out.push({
    bus,
    slot,
    function: fn,
    bdf: formatBdf(bus, slot, fn),
    requesterId: (bus << 8) | (slot << 3) | fn,
    vendor: id.int('vendor'),
    device: id.int('device'),
    subsystemVendor: id.optInt('subsystem-vendor'),
    subsystem: id.optInt('subsystem'),
    classCode: cls.int('class'),
    classDesc: cls.optStr('desc'),
    irq: s.optInt('irq'),
    irqPin: s.int('irq_pin'),
    qdevId: s.str('qdev_id'),
    bars,
  });
  if (s.has('pci_bridge')) {
    const br = s.sub('pci_bridge');
    if (br.has('devices')) br.list('devices').forEach((d, i) => device(d, `${where}.pci_bridge.devices[${i}]`, out));
  }
}

export function parsePciDevices(v: JsonValue): PciDevice[] {
  const out: PciDevice[] = [];
  listOf('query-pci', v).forEach((b, bi) => {
    Shape.of(`query-pci[${bi}]`, b)
      .list('devices')
      .forEach((d, di) => device(d, `query-pci[${bi}].devices[${di}]`, out));
  });
  return out;
}
