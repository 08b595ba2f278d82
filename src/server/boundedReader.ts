// The language server's stdio message reader: a vscode-jsonrpc MessageReader that never buffers
// a message over its limit (see messageFramer.ts). What it cannot read it replaces by a small
// server-internal message the server answers: a document sync becomes DocumentTooLarge (the
// server keeps no text and says why on line 1), a request becomes MessageTooLarge (answered with
// a JSON-RPC error under the request's id). Any other over-limit message is dropped with a log
// line; broken framing closes the connection with the reason logged, never a throw.
import { AbstractMessageReader, Disposable, type DataCallback, type Message } from 'vscode-languageserver/node';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageFramer, type Framed } from './messageFramer.js';
import { oversizedInfo } from './oversized.js';
import { DocumentTooLargeNotification, MessageTooLargeRequest, type DocumentTooLargeParams, type MessageTooLargeParams } from './protocol.js';

const SYNC_METHODS = new Set(['textDocument/didOpen', 'textDocument/didChange']);

export type ReaderLog = (line: string) => void;

/** What to hand the server for one framed result; undefined: nothing (logged). Pure, for tests. */
export function translate(f: Framed, limit: number, log: ReaderLog): Message | undefined {
  if (f.kind === 'message') {
    if (typeof f.message === 'object' && f.message !== null && !Array.isArray(f.message)) return f.message as Message;
    log(`dropped a message that is not a JSON object (${Array.isArray(f.message) ? 'an array: batches are not part of LSP' : typeof f.message})`);
    return undefined;
  }
  if (f.kind === 'bad-json') {
    log(`dropped a ${f.bytes}-byte message that is not JSON: ${f.error}`);
    return undefined;
  }
  if (f.kind === 'fatal') return undefined;
  const info = oversizedInfo(f.body);
  const what = `a ${info.method ?? 'message'} of ${info.bytes} bytes, over the ${limit}-byte limit`;
  if (info.method !== undefined && SYNC_METHODS.has(info.method) && info.uri !== undefined) {
    log(`${what}: ${info.uri} is not kept`);
    const params: DocumentTooLargeParams = { uri: info.uri, version: info.version, bytes: info.bytes, limit };
    return { jsonrpc: '2.0', method: DocumentTooLargeNotification.method, params } as Message;
  }
  if (info.id !== undefined) {
    log(`${what}: answered with an error`);
    const params: MessageTooLargeParams = { method: info.method, bytes: info.bytes, limit };
    return { jsonrpc: '2.0', id: info.id, method: MessageTooLargeRequest.method, params } as Message;
  }
  log(`${what}: dropped`);
  return undefined;
}

export class BoundedMessageReader extends AbstractMessageReader {
  private readonly framer: MessageFramer;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly log: ReaderLog,
    maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    super();
    this.framer = new MessageFramer(maxBytes);
  }

  get maxBytes(): number {
    return this.framer.maxBytes;
  }
  /** Takes effect from the next message. */
  set maxBytes(n: number) {
    this.framer.maxBytes = n;
  }

  listen(callback: DataCallback): Disposable {
    let closed = false;
    const onData = (chunk: Buffer | string): void => {
      if (closed) return;
      for (const f of this.framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
        if (f.kind === 'fatal') {
          closed = true;
          this.log(`closing the connection: ${f.reason}`);
          this.fireError(new Error(`malformed message framing: ${f.reason}`));
          this.fireClose();
          return;
        }
        const msg = translate(f, this.framer.maxBytes, this.log);
        if (msg) callback(msg);
      }
    };
    const onError = (e: Error): void => this.fireError(e);
    const onEnd = (): void => {
      if (!closed) this.fireClose();
      closed = true;
    };
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    return Disposable.create(() => {
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('end', onEnd);
      this.input.off('close', onEnd);
    });
  }
}
