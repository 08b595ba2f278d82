// Standalone debug adapter: DAP over stdin/stdout (or a TCP port with --server=PORT) for tests
// and editors other than VS Code. The extension runs the same IovaLensSession inline and imports
// it from ./index.js, since importing this file starts serving stdin.
import { DebugSession } from '@vscode/debugadapter';
import { IovaLensSession } from './session.js';

DebugSession.run(IovaLensSession);
