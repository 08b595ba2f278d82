// Extension entry: wires feature modules only (each feature registers itself).
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // features are registered here as they land (parts 4–6)
}

export function deactivate(): void {}
