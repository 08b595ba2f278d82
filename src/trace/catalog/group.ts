// One block of built-in trace-events text: a family of events as printed by a range of QEMU
// versions. Blocks are listed newest first; for an event defined in several blocks the reader
// tries the definitions in that order.

export interface CatalogGroup {
  /** short family name used in sources, e.g. "vhost-vdpa" */
  family: string;
  /** the QEMU versions whose output these lines describe, e.g. "9.0+", "8.0-8.2", "-7.2" */
  qemu: string;
  /** definitions tried ahead of newer ones only when this reader option is set */
  preferWith?: 'vtdDecimalDomain';
  /** trace-events syntax, parsed by src/trace/format/traceEvents.ts */
  text: string;
}
