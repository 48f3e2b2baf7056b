/**
 * How WellStore readers use the catalog and keep rows in memory, over dynalite: every frame is checked
 * against a catalog read made after it was asked for, so a reader never serves a replaced ingest, and
 * one catalog read serves all the frames asked for while it was not yet sent.
 */
import test from 'ava';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../core/aws/clients';
import { createWellTable, WellStore, type WellRows } from '../core/well/store';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { countCommands, freshWellTable, makeRows, range } from './helpers/well-tables';

let emu: TestEmulators;

test.before(async () => {
  emu = await startEmulators();
});
test.after.always(async () => {
  await emu?.close();
});

const freshTable = async () => {
  const { store: writer, ...table } = await freshWellTable(emu.settings, 'reads');
  return { ...table, writer };
};

/** A reader with its own client (as the service is a process of its own), and the commands it sends. */
function reader(tableName: string, options: { rowCacheBytes?: number; maxStalenessMs?: number } = {}): { store: WellStore; client: DynamoDBClient; counts: Map<string, number> } {
  const client = dynamoClient(emu.settings);
  return { store: new WellStore({ client, tableName, ...options }), client, counts: countCommands(client) };
}

/** Rows r..r+n of makeRows' pixels. */
const rowsOf = (rows: WellRows, from: number, to: number): Uint8Array => rows.pixels.slice(from * rows.width, to * rows.width);

test('once a well is in memory a frame costs one catalog GetItem and no Query, and any range is cut from it', async (t) => {
  const { tableName, writer } = await freshTable();
  const rows = makeRows(range(100, 50), 3, 1);
  await writer.replaceWell('w', rows, 'first');
  const { store, counts } = reader(tableName);

  const whole = await store.readFrame('w', 0, 1000);
  t.deepEqual(whole!.depthsTenths, range(100, 50));
  t.deepEqual([...counts], [
    ['GetItemCommand', 2],
    ['QueryCommand', 1],
  ]);

  counts.clear();
  const part = await store.readFrame('w', 110, 112);
  t.deepEqual([...counts], [['GetItemCommand', 1]]);
  t.like(part, { well: 'w', depthsTenths: [110, 111, 112], width: 3, pixels: rowsOf(rows, 10, 13) });
  t.deepEqual((await store.readFrame('w', 149, 149))?.depthsTenths, [149]);
  t.deepEqual((await store.readFrame('w', 90, 100))?.depthsTenths, [100]);
  t.is(await store.readFrame('w', 150, 200), undefined);
  t.is(await store.readFrame('w', 0, 99), undefined);
  t.false(counts.has('QueryCommand'));

  // Frames cut from memory are views of the rows kept, not copies (a whole-well frame costs no memory;
  // nothing writes into a frame's pixels).
  t.is((await store.readFrame('w', 110, 112))!.pixels.buffer, part!.pixels.buffer);
});

test('after a partial frame the whole well is loaded in the background; later frames need no Query', async (t) => {
  const { tableName, writer } = await freshTable();
  const rows = makeRows(range(1, 300), 4, 1);
  await writer.replaceWell('w', rows, 'first');
  const { store, counts } = reader(tableName);

  t.deepEqual((await store.readFrame('w', 10, 19))!.pixels, rowsOf(rows, 9, 19));
  await store.idle();
  counts.clear();
  t.deepEqual((await store.readFrame('w', 200, 250))!.pixels, rowsOf(rows, 199, 250));
  t.deepEqual([...counts], [['GetItemCommand', 1]]);
});

test('a re-ingest by another process is seen by the next frame: the rows in memory are of a replaced version and are not served', async (t) => {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('w', makeRows(range(100, 50), 2, 1), 'first');
  const { store } = reader(tableName);
  t.deepEqual((await store.readFrame('w', 0, 1000))!.depthsTenths, range(100, 50));

  const second = makeRows(range(120, 10), 2, 2);
  await writer.replaceWell('w', second, 'second');
  const frame = await store.readFrame('w', 0, 1000);
  t.deepEqual(frame!.depthsTenths, range(120, 10));
  t.deepEqual(frame!.pixels, second.pixels);
  t.is(await store.readFrame('w', 100, 119), undefined, 'none of the replaced rows');
  t.like(await store.getWell('w'), { rows: 10, source: 'second' });
});

test('same generation, other ingest: a table deleted and created again is not mistaken for the one in memory', async (t) => {
  const { client, tableName, writer } = await freshTable();
  await writer.replaceWell('w', makeRows(range(0, 20), 2, 1), 'first');
  const { store } = reader(tableName);
  t.deepEqual((await store.readFrame('w', 0, 100))!.depthsTenths, range(0, 20));

  await client.send(new DeleteTableCommand({ TableName: tableName }));
  await createWellTable(client, tableName);
  const again = makeRows(range(0, 20), 2, 3);
  await writer.replaceWell('w', again, 'again'); // generation 0 again, like the first
  t.deepEqual((await store.readFrame('w', 0, 100))!.pixels, again.pixels);
});

test('frames asked for at once share one catalog GetItem', async (t) => {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('a', makeRows(range(0, 10), 2, 1), 'a');
  await writer.replaceWell('b', makeRows(range(0, 10), 2, 2), 'b');
  const { store, counts } = reader(tableName);
  await Promise.all([store.readFrame('a', 0, 100), store.readFrame('b', 0, 100)]);

  counts.clear();
  const frames = await Promise.all(Array.from({ length: 20 }, (_, i) => store.readFrame(i % 2 === 0 ? 'a' : 'b', i % 10, 9)));
  frames.forEach((frame, i) => t.deepEqual(frame!.depthsTenths, range(i % 10, 10 - (i % 10))));
  t.deepEqual([...counts], [['GetItemCommand', 1]]);
});

test('a frame asked for while a catalog read is in flight waits for a read sent after it: it sees an ingest that flipped meanwhile', async (t) => {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('w', makeRows(range(0, 10), 2, 1), 'first');
  const { store, client } = reader(tableName);
  t.is((await store.readFrame('w', 0, 100))!.depthsTenths.length, 10);

  // Hold the answer of the next catalog GetItem, which the table has already answered with the first version.
  let answered!: () => void;
  const answeredOnce = new Promise<void>((resolve) => (answered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === 'GetItemCommand' && holding) {
        holding = false;
        answered();
        await released;
      }
      return out;
    },
    { step: 'initialize' },
  );
  const early = store.readFrame('w', 0, 100);
  await answeredOnce;
  const second = makeRows(range(5, 10), 2, 2);
  await writer.replaceWell('w', second, 'second');
  const late = store.readFrame('w', 0, 100);
  release();

  t.deepEqual((await early)!.depthsTenths, range(0, 10), 'asked before the flip: the first version, whole');
  t.deepEqual((await late)!.pixels, second.pixels, 'asked after the flip: the second version');
});

/** Two frames of a well, the first spanning it, read by a reader with this memory budget: Queries sent. */
async function queriesForTwoFrames(rows: WellRows, rowCacheBytes: number): Promise<number | undefined> {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('w', rows, 'first');
  const { store, counts } = reader(tableName, { rowCacheBytes });
  await store.readFrame('w', 0, 1000);
  await store.readFrame('w', rows.depthsTenths[2]!, rows.depthsTenths[3]!);
  await store.idle();
  return counts.get('QueryCommand');
}

test('rowCacheBytes 0 keeps nothing in memory: each frame queries the table', async (t) => {
  t.is(await queriesForTwoFrames(makeRows(range(0, 10), 2, 1), 0), 2);
});

test('a well too large for the memory budget is always read from the table', async (t) => {
  t.is(await queriesForTwoFrames(makeRows(range(0, 100), 10, 1), 100 * 18 - 1), 2);
});

test('a re-ingest of contiguous depths deletes the previous rows without querying for them; other depths are queried first', async (t) => {
  const { client, tableName } = await freshTable();
  const counts = countCommands(client);
  const store = new WellStore({ client, tableName });
  await store.replaceWell('w', makeRows(range(10, 30), 2, 1), 'contiguous');
  counts.clear();
  await store.replaceWell('w', makeRows([1, 5, 9], 2, 2), 'gaps');
  t.is(counts.get('QueryCommand'), 1, 'only the check that its own slot is empty');
  t.deepEqual((await store.readFrame('w', 0, 100))!.depthsTenths, [1, 5, 9]);

  counts.clear();
  await store.replaceWell('w', makeRows([2, 3], 2, 3), 'again');
  t.is(counts.get('QueryCommand'), 2, 'the previous rows had gaps: their slot is queried to find them');
  t.deepEqual((await store.readFrame('w', 0, 100))!.depthsTenths, [2, 3]);
});

test('a catalog read that gets no answer is given up with a TimeoutError (a 503 for the service); the next frame reads again', async (t) => {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('w', makeRows(range(0, 10), 2, 1), 'first');
  const client = dynamoClient(emu.settings);
  let hang = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand' && hang) {
        hang = false;
        await new Promise(() => undefined); // never answers
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  // Long enough that a real read answers in time on a loaded machine (the hung one is given up all the same).
  const store = new WellStore({ client, tableName, catalogReadTimeoutMs: 2000 });
  const [first, second] = await Promise.allSettled([store.readFrame('w', 0, 100), store.readFrame('w', 2, 3)]);
  for (const outcome of [first, second]) {
    t.is(outcome.status, 'rejected');
    t.like((outcome as PromiseRejectedResult).reason, { name: 'TimeoutError', message: `DynamoDB table "${tableName}": no answer to a catalog read within 2000 ms` });
  }
  t.deepEqual((await store.readFrame('w', 2, 3))!.depthsTenths, [2, 3]);
});

test('maxStalenessMs: within the window a frame costs no request and may be of the version read then; after it, the new version', async (t) => {
  const { tableName, writer } = await freshTable();
  const first = makeRows(range(0, 10), 2, 1);
  await writer.replaceWell('w', first, 'first');
  const client = dynamoClient(emu.settings);
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize' },
  );
  const window = new WellStore({ client, tableName, maxStalenessMs: 60_000 });
  t.deepEqual((await window.readFrame('w', 0, 100))!.pixels, first.pixels);
  counts.clear();
  t.deepEqual((await window.readFrame('w', 2, 3))!.depthsTenths, [2, 3]);
  t.is(counts.size, 0, 'no request within the window');

  const second = makeRows(range(0, 10), 2, 2);
  await writer.replaceWell('w', second, 'second');
  t.deepEqual((await window.readFrame('w', 0, 100))!.pixels, first.pixels, 'the version read within the last 60 s');
  t.is(await window.readFrame('w', 50, 60), undefined);

  const short = new WellStore({ client, tableName, maxStalenessMs: 20 });
  t.deepEqual((await short.readFrame('w', 0, 100))!.pixels, second.pixels);
  const third = makeRows(range(0, 10), 2, 3);
  await writer.replaceWell('w', third, 'third');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual((await short.readFrame('w', 0, 100))!.pixels, third.pixels, 'past the window: read again');
});

test('maxStalenessMs: past half the window a frame is still served from memory and the catalog is read again in the background', async (t) => {
  const { tableName, writer } = await freshTable();
  await writer.replaceWell('w', makeRows(range(0, 10), 2, 1), 'first');
  const { store, counts } = reader(tableName, { maxStalenessMs: 1000 });
  const version = (await store.readFrame('w', 0, 100))!.version;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(600);
  counts.clear();
  t.is((await store.readFrame('w', 2, 3))!.version, version);
  t.deepEqual([...counts], [['GetItemCommand', 1]], 'one catalog read, sent in the background');
  await sleep(700);
  // 1.3 s after the first read: only the background read keeps the version known without asking.
  t.is(store.knownVersion('w'), version);
  t.deepEqual([...counts], [['GetItemCommand', 1]]);
});

test('maxStalenessMs: a store sees its own re-ingest at once, an unknown well is never remembered, and a failed request ends the window', async (t) => {
  const { tableName } = await freshTable();
  const client = dynamoClient(emu.settings);
  let failPing = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DescribeTableCommand' && failPing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return next(args);
    },
    { step: 'initialize' },
  );
  const store = new WellStore({ client, tableName, maxStalenessMs: 60_000 });
  t.is(await store.readFrame('w', 0, 100), undefined);
  await store.replaceWell('w', makeRows(range(0, 10), 2, 1), 'first');
  t.is((await store.readFrame('w', 0, 100))!.depthsTenths.length, 10, 'the unknown well was not remembered as unknown');
  const second = makeRows(range(5, 3), 2, 2);
  await store.replaceWell('w', second, 'second');
  t.deepEqual((await store.readFrame('w', 0, 100))!.pixels, second.pixels, 'its own flip is what it remembers');

  // Another process re-ingests; this store's window would still serve `second`, until a request fails.
  const third = makeRows(range(7, 2), 2, 3);
  await new WellStore({ client: dynamoClient(emu.settings), tableName }).replaceWell('w', third, 'third');
  t.deepEqual((await store.readFrame('w', 0, 100))!.pixels, second.pixels);
  failPing = true;
  await t.throwsAsync(store.ping(), { message: 'connect ECONNREFUSED' });
  t.deepEqual((await store.readFrame('w', 0, 100))!.pixels, third.pixels, 'after a failure the catalog is read again');
});
