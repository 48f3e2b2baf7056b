/**
 * The well ingest's parse thread (a worker_threads script; core/well/parse-threads.ts starts it): the
 * CSV bytes come in from the main thread chunk by chunk, go through WellCsvReader (csv-parse, validation,
 * duplicate depths) and the Pillow-exact resize, and leave as resized batches. The main thread keeps
 * only the DynamoDB writes, so csv-parse's byte loop runs on one core while the SDK and the emulator's
 * requests run on others (one thread did both, one after the other).
 *
 * A thread serves one parse (a session) after another: each session has its own reader, counters and
 * depths, and nothing of one reaches the next; messages of an ended session are dropped. What a thread
 * keeps is its loaded modules and its compiled code: a warm Lambda container's thread parses its next
 * file with csv-parse's loop already optimised.
 *
 * Flow control, both ways: the thread asks for input (`read`) a few chunks ahead and no further, and
 * hands out at most `credits` batches the main thread has not yet taken; it stops reading while it
 * waits for credit, so memory stays bounded by the two windows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WellCsvError, WellCsvReader } from './csv';
import { resizeKernel, resizeRowInto, type ResizeKernel } from './resize';
import type { FromParseThread, ParseThreadData, ParseThreadSettings, ToParseThread, WithoutSession } from './parse-thread-messages';

/** Input chunks asked for ahead of the one being parsed. */
const READ_AHEAD = 2;

type Port = NonNullable<typeof parentPort>;

interface ResizedBatch {
  inputWidth: number;
  depthsTenths: Float64Array;
  pixels: Uint8Array;
}

interface ParseTotals {
  width: number;
  rowsRead: number;
  rowsDropped: number;
  rowsKept: number;
  resizeMs: number;
}

/** Parses and resizes `input`, handing each batch to `emit` (which may wait: back-pressure). */
async function parseAndResize(input: AsyncIterable<Buffer>, settings: ParseThreadSettings, emit: (batch: ResizedBatch) => Promise<void>): Promise<ParseTotals> {
  const reader = new WellCsvReader(input, { source: settings.source, batchRows: settings.batchRows, firstBatchRows: settings.firstBatchRows });
  const outWidth = settings.imagesSize;
  let resizeMs = 0;
  let kernel: ResizeKernel | undefined;
  for await (const batch of reader) {
    const started = performance.now();
    const rows = batch.depthsTenths.length;
    const pixels = new Uint8Array(rows * outWidth);
    // Same width: the rows unchanged, as Pillow returns an image whose size does not change.
    if (reader.width === outWidth) pixels.set(batch.pixels);
    else {
      kernel ??= resizeKernel(reader.width, outWidth);
      for (let r = 0; r < rows; r++) resizeRowInto(kernel, batch.pixels, r * reader.width, pixels, r * outWidth);
    }
    resizeMs += performance.now() - started;
    await emit({ inputWidth: reader.width, depthsTenths: Float64Array.from(batch.depthsTenths), pixels });
  }
  return { width: reader.width, rowsRead: reader.rowsRead, rowsDropped: reader.rowsDropped, rowsKept: reader.rowsKept, resizeMs };
}

/** One parse for the main thread: its input arrives as messages, its batches leave as messages. */
class Session {
  private readonly inbox: ToParseThread[] = [];
  private credits: number;
  // Two loops wait for messages at once: the input (csv-parse's stream reads ahead on its own) and the
  // batches (waiting for credit); every message wakes both, and each checks for what it waits for.
  private waiting: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly settings: ParseThreadSettings,
    private readonly port: Port,
  ) {
    this.credits = settings.credits;
  }

  receive(message: ToParseThread): void {
    if (message.type === 'credit') this.credits++;
    else this.inbox.push(message);
    const wake = this.waiting;
    this.waiting = [];
    for (const resolve of wake) resolve();
  }

  async run(): Promise<void> {
    try {
      const totals = await parseAndResize(this.input(), this.settings, async (batch) => {
        while (this.credits === 0) await this.nextMessage();
        this.credits--;
        this.post({ type: 'batch', ...batch }, [batch.depthsTenths.buffer as ArrayBuffer, batch.pixels.buffer as ArrayBuffer]);
      });
      this.post({ type: 'done', ...totals });
    } catch (err) {
      this.post({ type: 'error', message: err instanceof Error ? err.message : String(err), rejected: err instanceof WellCsvError });
    }
  }

  private post(message: WithoutSession<FromParseThread>, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage({ ...message, session: this.id }, transfer);
  }

  private nextMessage(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async *input(): AsyncGenerator<Buffer> {
    for (let i = 0; i < READ_AHEAD; i++) this.post({ type: 'read' });
    for (;;) {
      while (this.inbox.length === 0) await this.nextMessage();
      const message = this.inbox.shift()!;
      if (message.type === 'end') return;
      if (message.type === 'failed') throw new Error(message.message);
      if (message.type === 'chunk') {
        this.post({ type: 'read' });
        yield Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      }
    }
  }
}

function serve(port: Port): void {
  let current: Session | undefined;
  port.on('message', (message: ToParseThread) => {
    if (message.type === 'start') {
      const session = new Session(message.session, message.settings, port);
      current = session;
      void session.run().finally(() => {
        if (current === session) current = undefined;
      });
    } else if (current?.id === message.session) current.receive(message);
  });
  // Its modules (csv-parse) are loaded: the thread is ready for a parse.
  const ready: FromParseThread = { session: 0, type: 'ready' };
  port.postMessage(ready);
}

if (parentPort && (workerData as Partial<ParseThreadData> | undefined)?.wellParseThread === true) serve(parentPort);
