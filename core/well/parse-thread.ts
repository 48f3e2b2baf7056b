/**
 * The well ingest's parse thread (a worker_threads script; core/well/threaded-parse.ts starts it): the
 * CSV bytes come in from the main thread chunk by chunk, go through WellCsvReader (csv-parse, validation,
 * duplicate depths) and the Pillow-exact resize, and leave as resized batches. The main thread keeps
 * only the DynamoDB writes, so csv-parse's byte loop runs on one core while the SDK and the emulator's
 * requests run on others (one thread did both, one after the other).
 *
 * Flow control, both ways: the worker asks for input (`read`) a few chunks ahead and no further, and
 * hands out at most `credits` batches the main thread has not yet taken; it stops reading while it
 * waits for credit, so memory stays bounded by the two windows.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WellCsvError, WellCsvReader } from './csv';
import { resizeKernel, resizeRowInto, type ResizeKernel } from './resize';
import type { FromParseThread, ParseThreadSettings, ToParseThread } from './parse-thread-messages';
import { PARSE_THREAD_MARK } from './parse-threads';

/** Input chunks asked for ahead of the one being parsed. */
const READ_AHEAD = 2;

type Port = NonNullable<typeof parentPort>;

function run(port: Port, settings: ParseThreadSettings): void {
  const post = (message: FromParseThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const inbox: ToParseThread[] = [];
  let credits = settings.credits;
  // Two loops wait for messages at once: the input (csv-parse's stream reads ahead on its own) and the
  // batches (waiting for credit); every message wakes both, and each checks for what it waits for.
  let waiting: (() => void)[] = [];
  port.on('message', (message: ToParseThread) => {
    if (message.type === 'credit') credits++;
    else inbox.push(message);
    const wake = waiting;
    waiting = [];
    for (const resolve of wake) resolve();
  });
  const nextEvent = (): Promise<void> => new Promise((resolve) => waiting.push(resolve));

  async function* input(): AsyncGenerator<Buffer> {
    for (let i = 0; i < READ_AHEAD; i++) post({ type: 'read' });
    for (;;) {
      while (inbox.length === 0) await nextEvent();
      const message = inbox.shift()!;
      if (message.type === 'end') return;
      if (message.type === 'failed') throw new Error(message.message);
      if (message.type === 'chunk') {
        post({ type: 'read' });
        yield Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
      }
    }
  }

  const parse = async (): Promise<void> => {
    const reader = new WellCsvReader(input(), { source: settings.source, batchRows: settings.batchRows, firstBatchRows: settings.firstBatchRows });
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
      while (credits === 0) await nextEvent();
      credits--;
      const depthsTenths = Float64Array.from(batch.depthsTenths);
      post({ type: 'batch', inputWidth: reader.width, depthsTenths, pixels }, [depthsTenths.buffer, pixels.buffer]);
    }
    post({ type: 'done', width: reader.width, rowsRead: reader.rowsRead, rowsDropped: reader.rowsDropped, rowsKept: reader.rowsKept, resizeMs });
  };

  parse().then(
    () => port.close(),
    (err: unknown) => {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err), rejected: err instanceof WellCsvError });
      port.close();
    },
  );
}

// The thread may be started ahead of its ingest (parse-threads.ts): it waits for `start` and its settings.
const port = parentPort;
if (port && (workerData as Record<string, unknown> | undefined)?.[PARSE_THREAD_MARK] === true) {
  port.once('message', (message: ToParseThread) => {
    if (message.type === 'start') run(port, message.settings);
    else {
      const error: FromParseThread = { type: 'error', message: `the parse thread got "${message.type}" before its settings`, rejected: false };
      port.postMessage(error);
      port.close();
    }
  });
}
