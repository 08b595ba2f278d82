// The VT-d walks are written once, as generators that yield "I need the table page holding this
// GPA" and get the page (or the read error) back. These two drivers run them over a sync page
// map or an async reader (gdbstub), so there is no duplicated walk logic for the two worlds.
import {
  fetchPageAsync,
  fetchPageSync,
  TablePageMemo,
  type GpaReader,
  type GpaReadError,
  type SyncGpaReader,
} from './guestPages.js';

export type PageFetch = Uint8Array | GpaReadError;
/** A walk: yields GPAs of table pages it needs, receives them, returns its result. */
export type TableWalk<T> = Generator<bigint, T, PageFetch>;

/** Read one table page (the generator side of the protocol). */
export function* needPage(gpa: bigint): Generator<bigint, PageFetch, PageFetch> {
  return yield gpa;
}

export function runWalkSync<T>(walk: TableWalk<T>, reader: SyncGpaReader, memo = new TablePageMemo()): T {
  let step = walk.next(undefined as unknown as PageFetch);
  while (!step.done) step = walk.next(fetchPageSync(memo, reader, step.value));
  return step.value;
}

export async function runWalkAsync<T>(walk: TableWalk<T>, reader: GpaReader, memo = new TablePageMemo()): Promise<T> {
  let step = walk.next(undefined as unknown as PageFetch);
  while (!step.done) step = walk.next(await fetchPageAsync(memo, reader, step.value));
  return step.value;
}
