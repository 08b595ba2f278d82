// Standalone debug adapter: DAP over stdin/stdout (or a TCP port with --server=PORT) for tests
// and editors other than VS Code. The extension runs the same IovaLensSession inline.
import { DebugSession } from '@vscode/debugadapter';
import { IovaLensSession } from './session.js';

export { IovaLensSession };

DebugSession.run(IovaLensSession);
