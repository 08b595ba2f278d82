// What the extension takes from the debug adapter to run it inline
// (`new vscode.DebugAdapterInlineImplementation(new IovaLensSession())`). Importing this module
// starts nothing; debugAdapter.ts is the standalone entry point that serves DAP on stdio.
export { IovaLensSession } from './session.js';
export { DEBUG_TYPE, DEBUG_ACTIVATION_EVENT, MIN_REFRESH_MS, debuggerContribution, checkArgs, type AttachArgs, type LaunchArgs } from './args.js';
export { buildLiveView, type LiveViewOptions } from './liveView.js';
