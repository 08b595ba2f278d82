// Standalone debug adapter entry (part 4): DAP over stdin/stdout. Stub until the session lands.
import { DebugSession } from '@vscode/debugadapter';

DebugSession.run(DebugSession);
