// Typed access to an event's fields. A missing or mistyped field is an EventFieldError that the
// engine turns into a parse-error diagnostic on that line instead of a crash.
import type { FieldValue } from '../types.js';
import { hex } from '../../model/u64.js';

export class EventFieldError extends Error {
  constructor(readonly event: string, readonly field: string, reason: string) {
    super(`${event}: field "${field}" ${reason}`);
    this.name = 'EventFieldError';
  }
}

export type Fields = Record<string, FieldValue>;

/** made once: a BigInt literal per call would allocate on every field read */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function u64Field(event: string, f: Fields, ...names: string[]): bigint {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'boolean') return v ? 1n : 0n;
  }
  throw new EventFieldError(event, names[0], 'is missing or not a number');
}

export function numField(event: string, f: Fields, ...names: string[]): number {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' && v <= MAX_SAFE) return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
  }
  throw new EventFieldError(event, names[0], 'is missing or not a number');
}

export function optNumField(f: Fields, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' && v <= MAX_SAFE) return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
  }
  return undefined;
}

/** A pointer-like field as text: numbers in hex ("0x…"), text as printed, nothing otherwise. */
export const pointerText = (v: FieldValue | undefined): string | undefined => (typeof v === 'bigint' ? hex(v) : typeof v === 'number' ? hex(BigInt(v)) : typeof v === 'string' ? v : undefined);

// The device pointer repeats on nearly every event: the last one's text is kept, so its map
// lookups hash one interned string instead of a fresh one per event.
let lastPtr: bigint | number | undefined;
let lastPtrText = '';

export function ptrField(event: string, f: Fields, ...names: string[]): string {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'bigint' || typeof v === 'number') {
      if (v !== lastPtr) {
        lastPtr = v;
        lastPtrText = '0x' + v.toString(16);
      }
      return lastPtrText;
    }
    if (typeof v === 'string') return v;
  }
  throw new EventFieldError(event, names[0], 'is missing');
}

export function boolField(f: Fields, ...names: string[]): boolean {
  for (const n of names) {
    const v = f[n];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'bigint') return v !== 0n;
  }
  return false;
}

/** PCI address "BB:DD.F" and VT-d source ids: one definition, in the model. */
