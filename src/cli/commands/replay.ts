// `iova-lens replay FILE|-`: stream a JSON-lines IOVA-tree script through the model.
// Only I/O lives here; the interpreter is src/model/iovaScript.ts.
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { parseArgs } from '../args.js';
import { UsageError, type CliIO, type CommandSpec } from '../io.js';
import { IovaScript } from '../../model/iovaScript.js';
import { LineSplitter } from '../../trace/read/lineSource.js';
import { InputFileError, openRegularFile } from '../../trace/read/inputFile.js';

const usage = `iova-lens replay FILE|-
Run QEMU's IOVA-tree API as a script: one JSON call per line in, one JSON answer per line out,
in order. FILE "-" reads stdin. Numbers are "0x…" hex strings (u64); perm is 0..3 (none, ro,
wo, rw) as a number or hex string; map fields left out are 0. Sizes are inclusive, as in QEMU.

  {"call":"iova_tree_new"}                                            -> {}
  {"call":"iova_tree_insert","map":{"iova","translated_addr","size","perm"}}  -> {"ret":N}
  {"call":"iova_tree_find","map":{"iova","size"}}                     -> {"map":MAP|null}
  {"call":"iova_tree_find_iova","map":{"translated_addr","size"}}     -> {"map":MAP|null}
  {"call":"iova_tree_remove","map":{"iova","size"}}                   -> {}
  {"call":"iova_tree_alloc_map","map":{…},"iova_begin","iova_last"}   -> {"ret":N[,"iova"]}
  {"call":"vhost_iova_tree_new","iova_first","iova_last"[,"layout":"current"|"legacy"]} -> {}
  {"call":"vhost_iova_tree_map_alloc","map":{"size","perm"[,"translated_addr"]},"taddr"} -> {"ret":N[,"iova"]}
  {"call":"vhost_iova_tree_map_alloc_gpa","map":{"size","perm"},"taddr"}  -> {"ret":N[,"iova"]}
  {"call":"vhost_iova_tree_find_iova" | "vhost_iova_tree_find_gpa","map":{"translated_addr","size"}} -> {"map":MAP|null}
  {"call":"vhost_iova_tree_remove","map":{"iova","size"}}             -> {}
  {"call":"vhost_iova_tree_remove_gpa","map":{"iova","translated_addr","size"}} -> {}
  {"call":"dump"}  -> {"dump":{"raw":[MAP…]}} (plain or legacy vhost tree)
                    | {"dump":{"taddr":[…],"alloc":[…],"gpa":[…]}} (current vhost tree)

ret is QEMU's: 0 ok, -1 invalid, -2 overlap, -3 no memory; "iova" only when ret is 0.
One tree is current at a time: a *_new call replaces it, and calling the other family's
functions (iova_tree_* on a vhost tree or the reverse) is an error. The legacy layout (QEMU
7.0-9.2, one HVA-keyed tree) has no GPA tree: *_gpa calls on it are errors; its map_alloc
takes the HVA from "taddr" (the old callers' map.translated_addr) so one script runs on both.
Bad lines (invalid JSON, unknown call, bad number, wrong tree) answer {"error":"line N: …"} and
the replay goes on; a blank line answers {}. Exit status 0 when the script was read to the end
(the number of error lines is reported on stderr).`;

/** A script line longer than this answers an error instead of being parsed. */
const MAX_SCRIPT_LINE = 64 * 1024;

async function openInput(file: string, io: CliIO): Promise<{ stream: Readable; close: () => Promise<void> }> {
  if (file === '-') return { stream: io.stdin, close: async () => {} };
  // Refuses directories, devices and FIFOs, and turns a missing file into a clean exit 2.
  const handle = await openRegularFile(file);
  return { stream: handle.createReadStream(), close: () => handle.close() };
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.positional.length !== 1) throw new UsageError(args.positional.length === 0 ? 'missing FILE (use - for stdin)' : 'expected exactly one FILE');
  const name = args.positional[0] === '-' ? 'stdin' : args.positional[0];
  const input = await openInput(args.positional[0], io);
  const script = new IovaScript();
  let errors = 0;
  let pending: string[] = [];
  // Lines are split on bytes with a cap, so one endless line costs a few KiB, not all memory.
  const splitter = new LineSplitter((text, lineNo, _offset, cutBytes) => {
    let out: string;
    if (cutBytes >= 0) out = JSON.stringify({ error: `line ${lineNo}: ${cutBytes} bytes, over the ${MAX_SCRIPT_LINE}-byte limit for one call` });
    else out = script.run(text);
    if (out.startsWith('{"error":')) errors++;
    pending.push(out);
  }, MAX_SCRIPT_LINE);
  try {
    for await (const chunk of input.stream as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      // JSON text never holds a NUL byte: this is binary data (or /dev/zero), not a script
      const nul = bytes.indexOf(0);
      if (nul >= 0) throw new InputFileError(name, `binary data (a NUL byte at byte offset ${splitter.bytes + nul}): not a JSON-lines script`);
      splitter.push(bytes);
      await flush();
    }
    splitter.end();
    await flush();
  } catch (e) {
    // Read errors from a handle carry no path; name the file so the user sees which one.
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && !err.path) err.path = args.positional[0];
    throw e;
  } finally {
    await input.close();
  }
  if (errors > 0) io.stderr.write(`iova-lens replay: ${errors} line(s) answered with an error\n`);
  return 0;

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    // Respect back-pressure so a huge script never buffers its whole output in memory.
    if (!io.stdout.write(text)) await once(io.stdout, 'drain');
  }
}

export const replayCommand: CommandSpec = {
  name: 'replay',
  summary: "run a JSON-lines script of QEMU's IOVA-tree calls through the model",
  usage,
  run,
};
