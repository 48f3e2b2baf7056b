/**
 * Two ingests of one well at the same time (an S3 event delivered twice, two uploads in a row), and a
 * table written before slots were named by tickets. Against dynalite; the interleavings are forced by
 * holding one store's first BatchWriteItem until the test lets it go.
 */
import test from 'ava';
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../core/aws/clients';
import { CATALOG_KEY, WellStore, type WellRows } from '../core/well/store';
import { interceptDynamo } from './helpers/dynamo-intercept';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { freshWellTable, makeRows, range, tableRows } from './helpers/well-tables';

let emu: TestEmulators;

test.before(async () => {
  emu = await startEmulators();
});
test.after.always(async () => {
  await emu?.close();
});

/** A store whose first BatchWriteItem waits: `held` resolves when it is waiting, `release()` lets it go. */
function heldStore(tableName: string): { store: WellStore; held: Promise<void>; release: () => void } {
  const client = dynamoClient(emu.settings);
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (reached = resolve));
  let first = true;
  interceptDynamo(client, async (operation) => {
    if (operation === 'BatchWriteItem' && first) {
      first = false;
      reached();
      await gate;
    }
  });
  return { store: new WellStore({ client, tableName, writeConcurrency: 2 }), held, release };
}

async function servedRows(store: WellStore, well: string): Promise<{ depths: number[]; pixels: Uint8Array } | undefined> {
  const frame = await store.readFrame(well, 0, 1e9);
  return frame && { depths: frame.depthsTenths, pixels: frame.pixels };
}

const rowsOf = (rows: WellRows) => ({ depths: rows.depthsTenths, pixels: rows.pixels });

test('the later of two overlapping ingests finishing first: the earlier one is discarded, says so, and leaves no row', async (t) => {
  const { client, tableName, store } = await freshWellTable(emu.settings, 'concurrent');
  await store.replaceWell('w', makeRows(range(0, 80), 3, 1), 'first');
  const earlier = makeRows(range(1000, 120), 3, 2);
  const later = makeRows(range(2000, 60), 3, 3);

  const a = heldStore(tableName);
  const earlierIngest = a.store.replaceWell('w', earlier, 'earlier');
  await a.held; // the earlier ingest has its ticket and is about to write
  await store.replaceWell('w', later, 'later');
  t.deepEqual(await servedRows(store, 'w'), rowsOf(later));

  a.release();
  await t.throwsAsync(earlierIngest, { message: 'well w: a later ingest of this well was applied while this one was writing; this one was discarded' });
  t.deepEqual(await servedRows(store, 'w'), rowsOf(later), 'the later rows stay served, unmixed');
  t.like(await store.getWell('w'), { source: 'later', rows: 60 });
  t.deepEqual(await tableRows(client, tableName), new Map([['w#2', range(2000, 60)]]), 'only the served rows are left in the table');
});

test('the earlier of two overlapping ingests finishing first: it is served until the later one replaces it whole', async (t) => {
  const { client, tableName, store } = await freshWellTable(emu.settings, 'concurrent');
  await store.replaceWell('w', makeRows(range(0, 80), 3, 1), 'first');
  const earlier = makeRows(range(1000, 120), 3, 2);
  const later = makeRows(range(2000, 60), 3, 3);

  const a = heldStore(tableName);
  const b = heldStore(tableName);
  const earlierIngest = a.store.replaceWell('w', earlier, 'earlier');
  await a.held;
  const laterIngest = b.store.replaceWell('w', later, 'later');
  await b.held; // both have their tickets; neither has written a row

  a.release();
  await earlierIngest;
  t.deepEqual(await servedRows(store, 'w'), rowsOf(earlier));
  b.release();
  await laterIngest;
  t.deepEqual(await servedRows(store, 'w'), rowsOf(later));
  t.deepEqual(await tableRows(client, tableName), new Map([['w#2', range(2000, 60)]]));
});

test('many ingests of one well at once: exactly one file is served, whole, and the table holds only its rows', async (t) => {
  const { client, tableName, store } = await freshWellTable(emu.settings, 'concurrent');
  const files = Array.from({ length: 6 }, (_, i) => makeRows(range(1000 * (i + 1), 50 + 10 * i), 4, i + 1));
  const stores = files.map(() => new WellStore({ client: dynamoClient(emu.settings), tableName, writeConcurrency: 1 }));
  const outcomes = await Promise.allSettled(files.map((rows, i) => stores[i]!.replaceWell('w', rows, `file-${i}`)));
  const applied = outcomes.filter((o) => o.status === 'fulfilled').length;
  t.true(applied >= 1, 'at least one ingest is applied');
  for (const o of outcomes) if (o.status === 'rejected') t.regex(String(o.reason), /a later ingest of this well was applied/);

  const served = await store.getWell('w');
  const index = Number(served!.source.slice('file-'.length));
  t.deepEqual(await servedRows(store, 'w'), rowsOf(files[index]!));
  const left = await tableRows(client, tableName);
  t.is(left.size, 1, `one slot left, got ${[...left.keys()].join(', ')}`);
  t.deepEqual([...left.values()][0], files[index]!.depthsTenths);
});

/** A catalog entry and rows as the store wrote them when a well had two slots, `<well>` and `<well>#1`. */
async function writeTwoSlotLayout(client: DynamoDBClient, tableName: string): Promise<void> {
  const put = (item: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  const row = (key: string, depth: number, value: number) => put({ well: { S: key }, depth: { N: String(depth) }, image: { B: Uint8Array.from([value, value]) } });
  const entry: AttributeValue = {
    M: {
      minDepthTenths: { N: '10' },
      maxDepthTenths: { N: '12' },
      rows: { N: '3' },
      width: { N: '2' },
      source: { S: 'two-slot era' },
      ingestedAt: { S: '2026-11-01T00:00:00.000Z' },
      generation: { N: '1' },
      version: { S: 'v-old' },
    },
  };
  await put({ well: { S: CATALOG_KEY }, depth: { N: '0' }, wells: { M: { w: entry } } });
  for (const depth of [10, 11, 12]) await row('w#1', depth, depth); // served: generation 1 → slot 1
  for (const depth of [500, 501]) await row('w', depth, 9); // left by an interrupted ingest of that era
}

test('a table written with the two-slot layout is read as it was, and its next ingest leaves only its own rows', async (t) => {
  const { client, tableName, store } = await freshWellTable(emu.settings, 'two-slots');
  await writeTwoSlotLayout(client, tableName);
  t.deepEqual(await servedRows(store, 'w'), { depths: [10, 11, 12], pixels: Uint8Array.from([10, 10, 11, 11, 12, 12]) });

  const next = makeRows(range(7000, 40), 2, 4);
  await store.replaceWell('w', next, 'ticket era');
  t.deepEqual(await servedRows(store, 'w'), rowsOf(next));
  t.deepEqual(await tableRows(client, tableName), new Map([['w#2', range(7000, 40)]]), 'both old slots are swept; the new rows do not reuse either');
});
