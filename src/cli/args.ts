// A small, strict option parser: unknown options are usage errors, never ignored.
import { UsageError } from './io.js';
import { parseU64 } from '../model/u64.js';

export interface OptionSpec {
  /** option takes a value (`--line 12`, `--line=12`) */
  value?: boolean;
  /** may be given several times (values collected in order) */
  repeat?: boolean;
}

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (!s.value) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else v = argv[++i];
    if (v === undefined) throw new UsageError(`option --${name} needs a value`);
    const list = out.values.get(name) ?? [];
    if (list.length > 0 && !s.repeat) throw new UsageError(`option --${name} given twice`);
    list.push(v);
    out.values.set(name, list);
  }
  return out;
}

export const oneValue = (p: ParsedArgs, name: string): string | undefined => p.values.get(name)?.[0];

/** An address argument: a u64 in hex or decimal; anything else is a usage error naming it. */
export function addressArg(text: string): bigint {
  try {
    return parseU64(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
