/**
 * The well ingest's parse thread (core/well/threaded-parse.ts + parse-thread.ts): the same rows, values,
 * counters and errors as the in-thread reader, the rows resized on the thread bit-exact with Pillow.
 */
import test from 'ava';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { WellCsvError } from '../core/well/csv';
import { ParseThreads } from '../core/well/parse-threads';
import { ThreadedWellParse, type ThreadedParseOptions } from '../core/well/threaded-parse';
import { requireShared } from './helpers/shared';

const source = 'thread.csv';

interface Collected {
  batches: number;
  depthsTenths: number[];
  pixels: number[];
  reader: ThreadedWellParse;
}

async function collect(input: AsyncIterable<Uint8Array | string>, options: Partial<ThreadedParseOptions> = {}, into?: Collected): Promise<Collected> {
  const reader = new ThreadedWellParse(input, { source, imagesSize: 2, ...options });
  const out = into ?? { batches: 0, depthsTenths: [], pixels: [], reader };
  out.reader = reader;
  for await (const batch of reader) {
    out.batches++;
    out.depthsTenths.push(...batch.depthsTenths);
    out.pixels.push(...batch.pixels);
  }
  return out;
}

const chunksOf = (text: string, size: number): Readable => {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return Readable.from(parts);
};

test('the sample, parsed and resized on the thread, equals Pillow bicubic 200 → 150 (golden) row for row, with the reader counters', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const golden = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!file || !golden) return;
  const reader = new ThreadedWellParse(createReadStream(file), { source: file, imagesSize: 150 });
  const depths: number[] = [];
  const rows: Uint8Array[] = [];
  for await (const batch of reader) {
    t.is(batch.pixels.length, batch.depthsTenths.length * 150);
    depths.push(...batch.depthsTenths);
    rows.push(batch.pixels);
  }
  t.is(reader.width, 200);
  t.is(reader.rowsRead, 5461);
  t.is(reader.rowsDropped, 1);
  t.is(reader.rowsKept, 5460);
  const expected = (await readFile(golden, 'utf8'))
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map(Number));
  t.deepEqual(depths, expected.map((cells) => cells[0]));
  const pixels = Buffer.concat(rows);
  let mismatches = 0;
  expected.forEach((cells, r) => {
    for (let c = 1; c < cells.length; c++) if (pixels[r * 150 + c - 1] !== cells[c]) mismatches++;
  });
  t.is(mismatches, 0);
});

test('values as the reader reads them: decimals truncated, depths in tenths, a row with an empty cell dropped, across many small batches and chunks', async (t) => {
  const text = 'depth,col1,col2\n9000.1,1.0,2.9\n9000.2, 3 ,4.5\n9000.3,,5\n\n9000.4,255,0.0\n';
  const out = await collect(chunksOf(text, 5), { imagesSize: 2, batchRows: 1, credits: 1 });
  t.deepEqual(out.depthsTenths, [90001, 90002, 90004]);
  t.deepEqual(out.pixels, [1, 2, 3, 4, 255, 0]);
  t.is(out.batches, 3);
  t.is(out.reader.rowsRead, 4);
  t.is(out.reader.rowsDropped, 1);
});

test('a bad cell after several batches is a WellCsvError naming its line and column; the batches before it were handed out', async (t) => {
  const lines = ['depth,col1,col2'];
  for (let i = 1; i <= 40; i++) lines.push(`${i}.0,${i},${i}`);
  lines[31] = '31.0,7,x7';
  const out: Collected = { batches: 0, depthsTenths: [], pixels: [], reader: undefined as unknown as ThreadedWellParse };
  const error = await t.throwsAsync(collect(chunksOf(lines.join('\n') + '\n', 64), { batchRows: 4 }, out), { instanceOf: WellCsvError });
  t.is(error?.message, `${source}: line 32: column 3 (col2): "x7" is not a number`);
  t.true(out.batches >= 1 && out.depthsTenths.length <= 30);
  t.deepEqual(out.depthsTenths, out.depthsTenths.map((_, i) => (i + 1) * 10));
});

test('a pixel outside 0-255 and a depth repeated in a later batch are rejected with their lines', async (t) => {
  await t.throwsAsync(collect(Readable.from(['depth,col1\n1.0,256\n'])), { instanceOf: WellCsvError, message: `${source}: line 2: column 2 (col1): pixel value 256 is outside 0-255` });
  await t.throwsAsync(collect(Readable.from(['depth,col1\n1.0,1\n2.0,2\n3.0,3\n1.0,4\n']), { batchRows: 1 }), {
    instanceOf: WellCsvError,
    message: `${source}: line 5: duplicate depth 1.0 (1 ft already on line 2)`,
  });
});

test('a file that is not a CSV and an input that fails mid-read are errors naming the source', async (t) => {
  const zip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200)]);
  const notCsv = await t.throwsAsync(collect(Readable.from([zip])), { instanceOf: WellCsvError });
  t.regex(notCsv?.message ?? '', /^thread\.csv is .*not a well-imager CSV/);
  async function* failing(): AsyncGenerator<string> {
    yield 'depth,col1\n1.0,1\n';
    throw new Error('connection reset');
  }
  const failed = await t.throwsAsync(collect(failing()));
  t.regex(failed?.message ?? '', /thread\.csv: .*connection reset/);
});

test('a consumer that stops early ends the thread and closes the input', async (t) => {
  const lines = ['depth,col1'];
  for (let i = 1; i <= 5000; i++) lines.push(`${i}.0,${i % 256}`);
  const input = chunksOf(lines.join('\n') + '\n', 1024);
  const reader = new ThreadedWellParse(input, { source, imagesSize: 1, batchRows: 10 });
  for await (const batch of reader) {
    t.is(batch.depthsTenths[0], 10);
    break;
  }
  t.true(input.destroyed);
});

test('a small first batch, then batchRows per batch', async (t) => {
  const lines = ['depth,col1'];
  for (let i = 1; i <= 25; i++) lines.push(`${i}.0,${i}`);
  const sizes: number[] = [];
  for await (const batch of new ThreadedWellParse(Readable.from([lines.join('\n')]), { source, imagesSize: 1, batchRows: 10, firstBatchRows: 3 })) sizes.push(batch.depthsTenths.length);
  t.deepEqual(sizes, [3, 10, 10, 2]);
});

test('a thread started ahead (the Lambda init) serves the next parse, and the next after a parse it finished; each parse starts from nothing', async (t) => {
  const threads = new ParseThreads();
  const ahead = threads.prestart();
  t.is(threads.prestart(), ahead, 'one thread idles at a time');
  const first = await collect(Readable.from(['depth,col1,col2\n1.0,1,2\n2.0,3,4\n']), { threads });
  t.deepEqual(first.depthsTenths, [10, 20]);
  t.deepEqual(first.pixels, [1, 2, 3, 4]);
  t.is(threads.prestart(), ahead, 'a thread that finished its parse idles for the next');
  // The same depths again, in the same thread: no duplicate, the first parse's depths are not remembered.
  const second = await collect(Readable.from(['depth,col1\n1.0,5\n2.0,6\n']), { threads, imagesSize: 1 });
  t.deepEqual(second.depthsTenths, [10, 20]);
  t.is(second.reader.rowsRead, 2);
  t.is(threads.prestart(), ahead);
  let exited = false;
  ahead.worker.once('exit', () => (exited = true));
  await t.throwsAsync(collect(Readable.from(['depth,col1\n1.0,1\n1.0,2\n']), { threads }), { message: `${source}: line 3: duplicate depth 1.0 (1 ft already on line 2)` });
  t.true(exited, 'a thread whose parse was rejected is ended, not reused');
  t.not(threads.prestart(), ahead);
});

test('a thread started ahead that died before its parse is replaced by a new one', async (t) => {
  const threads = new ParseThreads();
  const ahead = threads.prestart();
  await ahead.worker.terminate();
  const out = await collect(Readable.from(['depth,col1\n1.0,7\n']), { threads, imagesSize: 1 });
  t.deepEqual(out.pixels, [7]);
  t.not(threads.prestart(), ahead);
});
