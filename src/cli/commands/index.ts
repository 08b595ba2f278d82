// Every CLI command, by name. Each command lives in its own file.
import type { CommandSpec } from '../io.js';
import { replayCommand } from './replay.js';

export const commands: CommandSpec[] = [replayCommand];
