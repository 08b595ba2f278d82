// The replay interpreter: QEMU's IOVA-tree API as a line-per-call JSON script, so that the same
// script can be fed to QEMU's own util/iova-tree.c and to this model and the answers diffed.
// One input line in, exactly one output line out, always (errors included): callers can zip
// inputs and outputs by line number.
//
// One tree is current at a time: *_new replaces it (of either kind); a plain-tree call while a
// vhost tree is current (or the reverse) is an error line, as is any call before a *_new.
// A blank (or whitespace-only) input line answers {} and changes nothing.
import { IOVA_OK, type DMAMap } from './dmaMap.js';
import { IovaTree, IovaTreeInputError } from './iovaTree.js';
import { isObject, mapField, mapJson, ScriptArgError, u64Field, type JsonObject } from './iovaScriptArgs.js';
import { VhostIovaTree, VhostLayoutError, type VhostIovaLayout } from './vhostIovaTree.js';
import { hex } from './u64.js';

type Current = { kind: 'plain'; tree: IovaTree } | { kind: 'vhost'; tree: VhostIovaTree } | { kind: 'none' };

type Handler = (args: JsonObject) => JsonObject;

const mapOrNull = (m: DMAMap | undefined): JsonObject => ({ map: m === undefined ? null : mapJson(m) });

const allocAnswer = (ret: number, map: DMAMap): JsonObject => (ret === IOVA_OK ? { ret, iova: hex(map.iova) } : { ret });

export class IovaScript {
  private current: Current = { kind: 'none' };
  private line = 0;
  private readonly handlers: Record<string, Handler> = {
    iova_tree_new: () => {
      this.current = { kind: 'plain', tree: new IovaTree('iova') };
      return {};
    },
    iova_tree_insert: (a) => ({ ret: this.plain().insert(mapField(a)) }),
    iova_tree_find: (a) => mapOrNull(this.plain().find(mapField(a))),
    iova_tree_find_iova: (a) => mapOrNull(this.plain().findIova(mapField(a))),
    iova_tree_remove: (a) => {
      this.plain().remove(mapField(a));
      return {};
    },
    iova_tree_alloc_map: (a) => {
      const map = mapField(a);
      const r = this.plain().allocMap(map, u64Field(a, 'iova_begin', ''), u64Field(a, 'iova_last', ''));
      return allocAnswer(r.ret, map);
    },
    vhost_iova_tree_new: (a) => {
      const layout = a.layout ?? 'current';
      if (layout !== 'current' && layout !== 'legacy') throw new ScriptArgError(`layout: expected "current" or "legacy", got ${JSON.stringify(layout)}`);
      const tree = new VhostIovaTree(u64Field(a, 'iova_first', ''), u64Field(a, 'iova_last', ''), { layout: layout as VhostIovaLayout });
      this.current = { kind: 'vhost', tree };
      return {};
    },
    vhost_iova_tree_map_alloc: (a) => {
      const map = mapField(a);
      return allocAnswer(this.vhost().mapAlloc(map, u64Field(a, 'taddr', '')), map);
    },
    vhost_iova_tree_map_alloc_gpa: (a) => {
      const map = mapField(a);
      return allocAnswer(this.vhost().mapAllocGpa(map, u64Field(a, 'taddr', '')), map);
    },
    vhost_iova_tree_find_iova: (a) => mapOrNull(this.vhost().findIova(mapField(a))),
    vhost_iova_tree_find_gpa: (a) => mapOrNull(this.vhost().findGpa(mapField(a))),
    vhost_iova_tree_remove: (a) => {
      this.vhost().remove(mapField(a));
      return {};
    },
    vhost_iova_tree_remove_gpa: (a) => {
      this.vhost().removeGpa(mapField(a));
      return {};
    },
    dump: () => {
      const c = this.current;
      if (c.kind === 'none') throw new ScriptArgError('no tree yet: start with iova_tree_new or vhost_iova_tree_new');
      if (c.kind === 'plain') return { dump: { raw: c.tree.nodes().map(mapJson) } };
      const d = c.tree.dump();
      if (d.layout === 'legacy') return { dump: { raw: d.raw.map(mapJson) } };
      return { dump: { taddr: d.taddr.map(mapJson), alloc: d.alloc.map(mapJson), gpa: d.gpa.map(mapJson) } };
    },
  };

  /** Names of the calls this interpreter knows. */
  get calls(): string[] {
    return Object.keys(this.handlers);
  }

  /** Run one input line; returns the one output line (without newline). Never throws on input. */
  run(input: string): string {
    this.line++;
    if (input.trim() === '') return '{}';
    let args: unknown;
    try {
      args = JSON.parse(input);
    } catch (e) {
      return this.error(`not valid JSON (${(e as Error).message})`);
    }
    if (!isObject(args)) return this.error('expected a JSON object like {"call":"iova_tree_new"}');
    const call = args.call;
    if (typeof call !== 'string') return this.error('missing "call" (the QEMU function name)');
    const handler = Object.hasOwn(this.handlers, call) ? this.handlers[call] : undefined;
    if (handler === undefined) return this.error(`unknown call ${JSON.stringify(call)}`);
    try {
      return JSON.stringify(handler(args));
    } catch (e) {
      if (e instanceof ScriptArgError || e instanceof IovaTreeInputError || e instanceof VhostLayoutError) return this.error(`${call}: ${e.message}`);
      // A bug of ours must not end the replay either; say so plainly on this line.
      return this.error(`${call}: internal error: ${String(e)}`);
    }
  }

  private error(message: string): string {
    return JSON.stringify({ error: `line ${this.line}: ${message}` });
  }

  private plain(): IovaTree {
    const c = this.current;
    if (c.kind === 'plain') return c.tree;
    if (c.kind === 'vhost') throw new ScriptArgError('the current tree is a vhost tree (vhost_iova_tree_new); plain iova_tree_* calls need iova_tree_new first');
    throw new ScriptArgError('no tree yet: call iova_tree_new first');
  }

  private vhost(): VhostIovaTree {
    const c = this.current;
    if (c.kind === 'vhost') return c.tree;
    if (c.kind === 'plain') throw new ScriptArgError('the current tree is a plain tree (iova_tree_new); vhost_iova_tree_* calls need vhost_iova_tree_new first');
    throw new ScriptArgError('no tree yet: call vhost_iova_tree_new first');
  }
}
