// The language client for qemu-trace documents: starts dist/server.js over IPC and exposes the
// custom requests of server/protocol.ts with their types.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  FilterRequest,
  IndexedNotification,
  ResolveRequest,
  SETTINGS_SECTION,
  StateAtRequest,
  type IndexedParams,
  type ParamsOf,
  type RequestDef,
  type ResultOf,
} from '../server/protocol.js';
import { decodeResolveAnswer, type WireResolveAnswer } from '../shared/protocol/resolveWire.js';
import type { Log } from './log.js';

export const TRACE_LANGUAGE = 'qemu-trace';

export class TraceClient implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly indexed = new vscode.EventEmitter<IndexedParams>();
  /** A document finished (re)indexing. */
  readonly onIndexed = this.indexed.event;
  private readonly hovered = new vscode.EventEmitter<void>();
  /** The server answered a hover with something to show. */
  readonly onHovered = this.hovered.event;

  constructor(context: vscode.ExtensionContext, private readonly log: Log) {
    const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
    const server: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const options: LanguageClientOptions = {
      documentSelector: [{ language: TRACE_LANGUAGE }],
      synchronize: { configurationSection: SETTINGS_SECTION },
      outputChannel: log.channel,
      middleware: {
        provideHover: async (doc, pos, token, next) => {
          const h = await next(doc, pos, token);
          if (h) this.hovered.fire();
          return h;
        },
      },
    };
    this.client = new LanguageClient('iovaLens', 'IOVA Lens trace server', server, options);
  }

  async start(): Promise<void> {
    await this.client.start();
    this.client.onNotification(IndexedNotification.method, (p: IndexedParams) => {
      this.log.info(`indexed ${p.uri}: ${p.lines} lines, ${p.events} events in ${p.millis} ms`);
      this.indexed.fire(p);
    });
  }

  /** A typed custom request; null when the server has no index for the document. */
  request<T extends RequestDef<unknown, unknown>>(def: T, params: ParamsOf<T>): Promise<ResultOf<T>> {
    return this.client.sendRequest(def.method, params) as Promise<ResultOf<T>>;
  }

  stateAt(uri: string, line: number) {
    return this.request(StateAtRequest, { uri, line });
  }
  /** The server's answer checked on arrival (decodeResolveAnswer); null: no index for the document. */
  async resolve(params: ParamsOf<typeof ResolveRequest>): Promise<WireResolveAnswer | null> {
    const r = await this.request(ResolveRequest, params);
    return r === null ? null : decodeResolveAnswer(r, 'language server resolve answer');
  }
  filter(params: ParamsOf<typeof FilterRequest>) {
    return this.request(FilterRequest, params);
  }

  async dispose(): Promise<void> {
    this.indexed.dispose();
    this.hovered.dispose();
    await this.client.stop().catch(() => undefined);
  }
}
