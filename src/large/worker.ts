// Entry point of the large-trace worker thread (bundled to dist/largeTraceWorker.js): the
// extension host stays responsive while a big file is indexed and scanned here.
import { parentPort } from 'node:worker_threads';
import { TraceService } from './service.js';

if (!parentPort) throw new Error('largeTraceWorker must run in a worker thread');
const port = parentPort;
const service = new TraceService((m) => port.postMessage(m));
port.on('message', (m: unknown) => service.handle(m));
