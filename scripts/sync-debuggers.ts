// Writes package.json's contributes.debuggers from src/debug/args.ts, the single source of the
// attach/launch argument types (test/debug/args.test.ts fails when the two drift).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debuggerContribution } from '../src/debug/args.js';

const path = join(process.cwd(), 'package.json');
const pkg = JSON.parse(readFileSync(path, 'utf8')) as { contributes: { debuggers: unknown } };
pkg.contributes.debuggers = JSON.parse(JSON.stringify(debuggerContribution()));
writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
console.log('package.json debuggers contribution written from src/debug/args.ts');
