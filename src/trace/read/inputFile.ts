// Files the user names (traces, trace-events, scripts) are read only when they are regular
// files: /dev/zero never ends, a FIFO blocks until someone writes, a directory is not text.
// The errors say which file and what it is instead, and callers map them to exit code 2.
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export class InputFileError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'InputFileError';
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

const systemReason = (e: NodeJS.ErrnoException): string =>
  e.code === 'ENOENT' ? 'ENOENT (no such file)' : e.code === 'EACCES' ? 'EACCES (permission denied)' : (e.code ?? e.message);

/** Why a file could not be read, without its name: an InputFileError's reason, else the errno code. */
export function whyUnreadable(e: unknown): string {
  if (e instanceof InputFileError) return e.reason;
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Throws InputFileError unless `path` is a regular file (stat follows symlinks). */
export async function checkRegularFile(path: string): Promise<Stats> {
  let s: Stats;
  try {
    // stat, not open: opening a FIFO for reading blocks until a writer appears
    s = await stat(path);
  } catch (e) {
    throw new InputFileError(path, systemReason(e as NodeJS.ErrnoException));
  }
  if (!s.isFile()) throw new InputFileError(path, `it is ${kindOf(s)}, not a regular file`);
  return s;
}

/** Open a regular file for reading (the check and the open name the same file). */
export async function openRegularFile(path: string): Promise<FileHandle> {
  await checkRegularFile(path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new InputFileError(path, systemReason(e as NodeJS.ErrnoException));
  }
  // the name may have been swapped for something else between stat and open
  const s = await fh.stat();
  if (!s.isFile()) {
    await fh.close();
    throw new InputFileError(path, `it is ${kindOf(s)}, not a regular file`);
  }
  return fh;
}

/** A whole regular file as UTF-8 text, refused when larger than `maxBytes`. */
export async function readRegularTextFile(path: string, maxBytes: number): Promise<string> {
  const fh = await openRegularFile(path);
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) throw new InputFileError(path, `${size} bytes, over the ${maxBytes}-byte limit for this kind of file`);
    return await fh.readFile({ encoding: 'utf8' });
  } finally {
    await fh.close();
  }
}
