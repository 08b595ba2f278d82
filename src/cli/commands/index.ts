// Every CLI command, by name. Each command lives in its own file.
import type { CommandSpec } from '../io.js';
import { replayCommand } from './replay.js';
import { checkCommand } from './check.js';
import { resolveCommand } from './resolve.js';
import { snapshotCommand } from './snapshot.js';

export const commands: CommandSpec[] = [checkCommand, resolveCommand, replayCommand, snapshotCommand];
