// The language server's protocol lives with the other cross-process protocols in
// src/shared/protocol/lsp.ts; this path stays so existing importers keep working.
export * from '../shared/protocol/lsp.js';
