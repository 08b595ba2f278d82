// Every CLI command, by name. Each command lives in its own file.
import type { CommandSpec } from '../io.js';

export const commands: CommandSpec[] = [];
