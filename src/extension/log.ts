// The "IOVA Lens" output channel: one place every feature logs to, with timestamps.
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('IOVA Lens', { log: true });

  info(msg: string): void {
    this.channel.info(msg);
  }
  warn(msg: string): void {
    this.channel.warn(msg);
  }
  error(msg: string, e?: unknown): void {
    this.channel.error(e === undefined ? msg : `${msg}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  dispose(): void {
    this.channel.dispose();
  }
}

/** The message of anything thrown, for a notification. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
