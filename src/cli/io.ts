// What a CLI command may touch: its streams and an exit code. Tests pass their own.
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** true when stderr is a terminal (progress lines only then). */
  stderrIsTTY: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type CommandRunner = (args: string[], io: CliIO) => Promise<number>;

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  run: CommandRunner;
}
