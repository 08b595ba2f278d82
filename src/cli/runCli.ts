// Dispatch argv to a command; map errors to exit codes (2 = bad usage or unreadable input).
import { commands } from './commands/index.js';
import { UsageError, type CliIO } from './io.js';
import { termLines, termSafe } from './termText.js';
import { InputFileError } from '../trace/read/inputFile.js';
import { SimpletraceError } from '../trace/read/simpletrace.js';

function help(): string {
  const lines = ['usage: iova-lens <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', 'iova-lens <command> --help shows the options of one command.');
  return lines.join('\n') + '\n';
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.stderr.write(`iova-lens: unknown command "${termSafe(name)}"\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : cmd.usage + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`iova-lens ${name}: ${termSafe(e.message)}\nusage: ${cmd.usage.split('\n')[0]}\n`);
      return 2;
    }
    // unreadable or corrupt input: exit 2 with what and where, never a stack
    if (e instanceof InputFileError || e instanceof SimpletraceError) {
      io.stderr.write(`iova-lens ${name}: ${termSafe(e.message)}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      io.stderr.write(`iova-lens ${name}: cannot read ${termSafe(err.path)}: ${err.code}\n`);
      return 2;
    }
    io.stderr.write(`iova-lens ${name}: internal error: ${termLines(err?.stack ?? String(e))}\n`);
    return 70;
  }
}
