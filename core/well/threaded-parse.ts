/**
 * The well CSV parsed and resized on a worker thread (core/well/parse-thread.ts), batch by batch, for the
 * streaming ingest: this side feeds the thread the object's bytes as it asks for them and hands out the
 * resized batches it sends, with the same counters and errors as WellCsvReader (a rejected file's
 * WellCsvError names the line). Memory stays bounded: the thread reads a few chunks ahead and runs at
 * most `credits` batches ahead of the consumer.
 */
import { WellCsvError } from './csv';
import type { FromParseThread, ParseThreadSettings, ToParseThread, WithoutSession } from './parse-thread-messages';
import { parseThreads, type ParseThreads } from './parse-threads';

/** Resized rows in file order: pixels are depthsTenths.length × imagesSize bytes. */
export interface ResizedBatch {
  depthsTenths: Float64Array;
  pixels: Uint8Array;
}

export interface ThreadedParseOptions {
  source: string;
  imagesSize: number;
  /** Rows per batch (default 500). */
  batchRows?: number;
  /**
   * Rows of the first batch (default 10, at most batchRows): the consumer's first writes (and the
   * requests before them) start once these are parsed, while the thread goes on with the next batch.
   */
  firstBatchRows?: number;
  /** Batches the thread may run ahead of the consumer (default 2). */
  credits?: number;
  /** Where the thread comes from and goes back to (default: the process's, which the Lambda's init starts ahead). */
  threads?: ParseThreads;
}

export class ThreadedWellParse implements AsyncIterable<ResizedBatch> {
  /** Pixels per row in the file; known once the first batch is out. */
  width = 0;
  /** Data rows read (kept + dropped), header excluded; final once the iteration has ended. */
  rowsRead = 0;
  /** Rows dropped because a cell was empty; final once the iteration has ended. */
  rowsDropped = 0;
  /** Rows handed out so far. */
  rowsKept = 0;
  /** The thread's time resizing (ms), final once the iteration has ended. */
  resizeMs = 0;
  private started = false;

  constructor(
    private readonly input: AsyncIterable<Uint8Array | string>,
    private readonly options: ThreadedParseOptions,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ResizedBatch> {
    if (this.started) throw new Error('a ThreadedWellParse can be read once');
    this.started = true;
    const batchRows = Math.max(1, this.options.batchRows ?? 500);
    const settings: ParseThreadSettings = {
      source: this.options.source,
      imagesSize: this.options.imagesSize,
      batchRows,
      firstBatchRows: Math.min(batchRows, Math.max(1, this.options.firstBatchRows ?? 10)),
      credits: Math.max(1, this.options.credits ?? 2),
    };
    const threads = this.options.threads ?? parseThreads;
    const thread = threads.take();
    const { worker } = thread;
    const session = thread.nextSession();
    const send = (message: WithoutSession<ToParseThread>, transfer: ArrayBuffer[] = []): void => worker.postMessage({ ...message, session }, transfer);
    send({ type: 'start', settings });
    const inbox: WithoutSession<FromParseThread>[] = [];
    let exited = thread.exited;
    let wake: (() => void) | undefined;
    const nudge = (): void => wake?.();

    // The input is read one chunk at a time, in order, each time the thread asks for one.
    const chunks = this.input[Symbol.asyncIterator]();
    let inputDone = false;
    let feeding = Promise.resolve();
    const feed = (): void => {
      feeding = feeding.then(async () => {
        if (inputDone || exited) return;
        try {
          const next = await chunks.next();
          if (next.done) {
            inputDone = true;
            send({ type: 'end' });
            return;
          }
          // A copy of the chunk's own bytes (a stream's chunk may be a view of a shared pool), moved, not cloned.
          const bytes = typeof next.value === 'string' ? new Uint8Array(Buffer.from(next.value)) : new Uint8Array(next.value);
          send({ type: 'chunk', bytes }, [bytes.buffer as ArrayBuffer]);
        } catch (err) {
          inputDone = true;
          send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        }
      });
    };
    const onMessage = (message: FromParseThread): void => {
      if (message.session !== session) return;
      if (message.type === 'read') feed();
      else inbox.push(message);
      nudge();
    };
    const onError = (err: Error): void => {
      inbox.push({ type: 'error', message: `the parse thread failed: ${err.message}`, rejected: false });
      nudge();
    };
    const onExit = (): void => {
      exited = true;
      nudge();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);

    let finished = false;
    try {
      for (;;) {
        while (inbox.length === 0 && !exited) {
          await new Promise<void>((resolve) => {
            wake = () => {
              wake = undefined;
              resolve();
            };
          });
        }
        const message = inbox.shift();
        if (!message) throw new Error(`${settings.source}: the parse thread ended without a result`);
        if (message.type === 'batch') {
          this.width = message.inputWidth;
          this.rowsKept += message.depthsTenths.length;
          yield { depthsTenths: message.depthsTenths, pixels: message.pixels };
          send({ type: 'credit' });
        } else if (message.type === 'done') {
          this.width = message.width;
          this.rowsRead = message.rowsRead;
          this.rowsDropped = message.rowsDropped;
          this.resizeMs = message.resizeMs;
          finished = true;
          return;
        } else if (message.type === 'error') {
          throw message.rejected ? new WellCsvError(message.message) : new Error(`${settings.source}: ${message.message}`);
        }
      }
    } finally {
      inputDone = true;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A thread is reused only after a parse it finished; any other end (rejected, failed, abandoned) ends it.
      await (finished ? threads.release(thread) : threads.discard(thread));
      // An abandoned input is closed (a stream's iterator destroys it); a read still pending just ends.
      if (!finished) await chunks.return?.().catch(() => undefined);
    }
  }
}
