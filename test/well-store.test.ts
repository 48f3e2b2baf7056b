import test from 'ava';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { parseWellCsv } from '../core/well/csv';
import { ingestWell } from '../core/well/ingest';
import { resizeRows } from '../core/well/resize';
import { WellStore } from '../core/well/store';
import { createDynamoImagerBackend } from '../webservice/imagers/dynamo-backend';
import { serviceConfigFromEnv } from '../webservice/config';
import { isStoreUnavailable } from '../webservice/errors';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { interceptDynamo, validationError } from './helpers/dynamo-intercept';
import { countCommands, freshWellTable, makeRows, range, tableRows } from './helpers/well-tables';
import { PROJECT_ROOT, requireShared } from './helpers/shared';

let emu: TestEmulators;

test.before(async () => {
  emu = await startEmulators();
});
test.after.always(async () => {
  await emu?.close();
});

const freshTable = () => freshWellTable(emu.settings, 'imagers');

test('the whole sample, read back through 55 forced small pages, returns all 5,460 rows in depth order', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  if (!file) return;
  const { client, tableName, store } = await freshTable();
  const parsed = await parseWellCsv(createReadStream(file), { source: file });
  const pixels = resizeRows(parsed.pixels, parsed.width, 150);
  const written = await store.replaceWell('sample', { depthsTenths: parsed.depthsTenths, width: 150, pixels }, file);
  t.is(written.rowsWritten, 5460);

  const counts = countCommands(client);
  const paged = new WellStore({ client, tableName, pageLimit: 100 });
  const frame = await paged.readFrame('sample', 0, 100000);
  t.truthy(frame);
  t.is(counts.get('QueryCommand'), 55);
  t.is(frame!.depthsTenths.length, 5460);
  t.is(frame!.width, 150);
  t.deepEqual(frame!.depthsTenths, range(90001, 5460));
  t.true(Buffer.from(frame!.pixels).equals(Buffer.from(pixels)));

  const part = await paged.readFrame('sample', 92000, 92500);
  t.deepEqual(part!.depthsTenths, range(92000, 501));
  t.true(Buffer.from(part!.pixels).equals(Buffer.from(pixels.subarray((92000 - 90001) * 150, (92500 - 90001 + 1) * 150))));
});

test('reads: inclusive bounds, nothing in range / unknown well / min > max → undefined', async (t) => {
  const { store } = await freshTable();
  await store.replaceWell('w', makeRows([10, 20, 30, 40], 3, 1), 'memory');
  t.deepEqual((await store.readFrame('w', 20, 30))?.depthsTenths, [20, 30]);
  t.deepEqual([...(await store.readFrame('w', 40, 40))!.pixels], [53, 54, 55]);
  t.is(await store.readFrame('w', 41, 99), undefined);
  t.is(await store.readFrame('w', 30, 20), undefined);
  t.is(await store.readFrame('nope', 0, 99), undefined);
  t.is(await store.readFrame('bad#id', 0, 99), undefined);
});

test('re-ingesting a well with fewer rows leaves exactly the new rows in the table', async (t) => {
  const { client, tableName, store } = await freshTable();
  await store.replaceWell('w', makeRows(range(1000, 120), 4, 1), 'first');
  t.deepEqual(await tableRows(client, tableName), new Map([['w', range(1000, 120)]]));

  const second = makeRows(range(1050, 30), 4, 2);
  await store.replaceWell('w', second, 'second');
  t.deepEqual(await tableRows(client, tableName), new Map([['w#1', range(1050, 30)]]));
  const frame = await store.readFrame('w', 0, 99999);
  t.deepEqual(frame!.depthsTenths, range(1050, 30));
  t.deepEqual(frame!.pixels, second.pixels);
  const meta = await store.getWell('w');
  t.like(meta, { well: 'w', rows: 30, minDepthTenths: 1050, maxDepthTenths: 1079, width: 4, source: 'second' });

  // Each ingest has a slot of its own (its ticket): the third leaves only its rows too.
  await store.replaceWell('w', makeRows([5, 6], 4, 3), 'third');
  t.deepEqual(await tableRows(client, tableName), new Map([['w#2', [5, 6]]]));
  t.deepEqual((await store.readFrame('w', 0, 99999))!.depthsTenths, [5, 6]);
});

test('wells are listed from the catalog with one GetItem and no Scan, with their stored value range', async (t) => {
  const { client, tableName } = await freshTable();
  const counts = countCommands(client);
  const store = new WellStore({ client, tableName });
  t.deepEqual(await store.listWells(), []);
  await store.replaceWell('beta', makeRows([90001, 90002, 90003], 5, 1), 's3://raw/beta.csv');
  await store.replaceWell('alpha.v2', makeRows([100, 300], 5, 1), 's3://raw/alpha.csv');
  counts.clear();
  const wells = await store.listWells();
  t.deepEqual([...counts], [['GetItemCommand', 1]]);
  t.deepEqual(
    wells.map(({ ingestedAt, ...rest }) => (t.regex(ingestedAt, /^\d{4}-\d\d-\d\dT/), rest)),
    [
      { well: 'alpha.v2', minDepthTenths: 100, maxDepthTenths: 300, rows: 2, width: 5, source: 's3://raw/alpha.csv', valueMin: 50, valueMax: 55 },
      { well: 'beta', minDepthTenths: 90001, maxDepthTenths: 90003, rows: 3, width: 5, source: 's3://raw/beta.csv', valueMin: 50, valueMax: 56 },
    ],
  );
  t.is(await store.getWell('gamma'), undefined);
});

test('a file rejected at its first batch sends no DynamoDB request, and the previous data stays served', async (t) => {
  const { client, tableName, store } = await freshTable();
  const s3 = s3Client(emu.settings);
  await s3.send(new CreateBucketCommand({ Bucket: 'raw-rejected' }));
  const good = 'depth,col1,col2,col3\r\n9000.1,1.0,2.0,3.0\r\n9000.2,4.0,5.0,6.0\r\n,,,\r\n';
  await s3.send(new PutObjectCommand({ Bucket: 'raw-rejected', Key: 'w.csv', Body: good }));
  const summary = await ingestWell({ bucket: 'raw-rejected', key: 'w.csv' }, { s3, store, imagesSize: 2 });
  t.like(summary, { well: 'w', rowsRead: 3, rowsDropped: 1, rowsWritten: 2, minDepth: 9000.1, maxDepth: 9000.2, inputWidth: 3, width: 2 });
  const before = await tableRows(client, tableName);
  const frameBefore = await store.readFrame('w', 0, 999999);

  const bad = 'depth,col1,col2,col3\r\n9000.1,1.0,2.0,3.0\r\n9000.2,4.0,5.0,6.0\r\n9000.3,7.0,800.0,9.0\r\n';
  await s3.send(new PutObjectCommand({ Bucket: 'raw-rejected', Key: 'w.csv', Body: bad }));
  const counts = countCommands(client);
  await t.throwsAsync(ingestWell({ bucket: 'raw-rejected', key: 'w.csv' }, { s3, store, imagesSize: 2 }), {
    message: 's3://raw-rejected/w.csv: line 4: column 3 (col2): pixel value 800.0 is outside 0-255',
  });
  t.is(counts.size, 0, 'no DynamoDB request at all for a rejected file');
  t.deepEqual(await tableRows(client, tableName), before);
  t.deepEqual(await store.readFrame('w', 0, 999999), frameBefore);
});

test('a file rejected deep inside (SPEC 4.3, streaming): rows already written to its slot are deleted before the ingest ends; readers keep the previous data', async (t) => {
  const { client, tableName, store } = await freshTable();
  const s3 = s3Client(emu.settings);
  await s3.send(new CreateBucketCommand({ Bucket: 'raw-deep' }));
  const lines = (count: number, bad?: number): string =>
    ['depth,col1,col2,col3', ...range(1, count).map((i) => (i === bad ? `${i}.0,1.0,300.0,3.0` : `${i}.0,${i % 256}.0,2.0,3.0`))].join('\n') + '\n';
  await s3.send(new PutObjectCommand({ Bucket: 'raw-deep', Key: 'deep.csv', Body: lines(50) }));
  await ingestWell({ bucket: 'raw-deep', key: 'deep.csv' }, { s3, store, imagesSize: 2 });
  const before = { entry: await store.getWell('deep'), frame: await store.readFrame('deep', 0, 1e9) };

  await s3.send(new PutObjectCommand({ Bucket: 'raw-deep', Key: 'deep.csv', Body: lines(3000, 2900) }));
  const counts = countCommands(client);
  await t.throwsAsync(ingestWell({ bucket: 'raw-deep', key: 'deep.csv' }, { s3, store, imagesSize: 2 }), {
    message: 's3://raw-deep/deep.csv: line 2901: column 3 (col2): pixel value 300.0 is outside 0-255',
  });
  t.true((counts.get('BatchWriteItemCommand') ?? 0) > 80, 'rows before the bad line were written while the file was read');
  t.deepEqual(await tableRows(client, tableName), new Map([['deep', range(1, 50).map((i) => i * 10)]]), "only the served rows are left: the rejected ingest's slot is empty again");
  t.deepEqual(await store.getWell('deep'), before.entry);
  t.deepEqual(await store.readFrame('deep', 0, 1e9), before.frame);
});

test('an ingest whose writer fails partway deletes the rows it wrote before failing, and the previous data stays readable', async (t) => {
  const { client, tableName, store } = await freshTable();
  const first = makeRows(range(500, 200), 6, 1);
  await store.replaceWell('w', first, 'first');

  // A writer that fails on its 4th BatchWriteItem: rows of the new version are partly in the table.
  const failing = dynamoClient(emu.settings);
  let batches = 0;
  interceptDynamo(failing, (operation) => (operation === 'BatchWriteItem' && ++batches === 4 ? validationError('injected failure') : undefined));
  const failingStore = new WellStore({ client: failing, tableName, writeConcurrency: 1 });
  await t.throwsAsync(failingStore.replaceWell('w', makeRows(range(600, 300), 6, 2), 'second'), {
    message: `BatchWriteItem on table ${tableName}: injected failure (ValidationException)`,
  });
  t.false((await tableRows(client, tableName)).has('w#1'), 'the three batches of the new version written before the failure were deleted');

  const frame = await store.readFrame('w', 0, 99999);
  t.deepEqual(frame!.depthsTenths, range(500, 200));
  t.deepEqual(frame!.pixels, first.pixels);
  t.like(await store.getWell('w'), { rows: 200, source: 'first' });

  const third = makeRows(range(700, 10), 6, 3);
  await store.replaceWell('w', third, 'third');
  t.deepEqual(await tableRows(client, tableName), new Map([['w#2', range(700, 10)]]), "the failed ingest's rows are gone too");
  t.deepEqual((await store.readFrame('w', 0, 99999))!.pixels, third.pixels);
});

test('an ingest process killed mid-write leaves the previous data readable', async (t) => {
  const { client, tableName, store } = await freshTable();
  const first = makeRows(range(100, 300), 8, 1);
  await store.replaceWell('w', first, 'first');

  const child = spawn(process.execPath, ['--import=tsx', path.join(PROJECT_ROOT, 'test', 'helpers', 'well-ingest-child.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DYNAMODB_ENDPOINT: emu.settings.dynamodbEndpoint, TABLE_NAME: tableName, WELL: 'w', ROWS: '1000', PAUSE_AFTER_BATCHES: '5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('PAUSED')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before pausing`)));
  });
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  t.is((await tableRows(client, tableName)).get('w#1')?.length, 125, 'five batches of the new version were written');

  const frame = await store.readFrame('w', 0, 99999);
  t.deepEqual(frame!.depthsTenths, range(100, 300));
  t.deepEqual(frame!.pixels, first.pixels);
  t.like(await store.getWell('w'), { rows: 300, source: 'first' });
});

test('a reader racing a re-ingest gets the new rows whole, not the half-deleted old slot', async (t) => {
  const { client, tableName, store } = await freshTable();
  await store.replaceWell('w', makeRows(range(0, 100), 2, 1), 'first');
  const second = makeRows(range(50, 100), 2, 2);

  // The reader's first Query page is sent only after a whole re-ingest has flipped and cleaned up.
  const reader = dynamoClient(emu.settings);
  let raced = false;
  reader.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand' && !raced) {
        raced = true;
        await store.replaceWell('w', second, 'second');
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  const frame = await new WellStore({ client: reader, tableName, pageLimit: 10 }).readFrame('w', 0, 99999);
  t.true(raced);
  t.deepEqual(frame!.depthsTenths, range(50, 100));
  t.deepEqual(frame!.pixels, second.pixels);
});

test('bad well ids, inconsistent rows and a missing table are refused with clear errors', async (t) => {
  const { store } = await freshTable();
  await t.throwsAsync(store.replaceWell('a#1', makeRows([1], 1, 1), 'x'), { message: 'well id "a#1" contains "#" (reserved for the store\'s slots)' });
  await t.throwsAsync(store.replaceWell('', makeRows([1], 1, 1), 'x'), { message: 'well id is empty' });
  await t.throwsAsync(store.replaceWell('w', { depthsTenths: [1, 2], width: 3, pixels: new Uint8Array(5) }, 'x'), { message: 'well w: 5 pixels for 2 rows of 3' });
  await t.throwsAsync(store.replaceWell('w', makeRows([], 3, 1), 'x'), { message: 'well w: no rows to store' });
  const missing = new WellStore({ client: dynamoClient(emu.settings), tableName: 'no-such-table' });
  await t.throwsAsync(missing.replaceWell('w', makeRows([1], 1, 1), 'x'), { message: 'DynamoDB table "no-such-table" does not exist (the infrastructure step creates it)' });
  await t.throwsAsync(missing.ping());
});

test('the service backend reads through the store; a missing table or dead endpoint counts as unavailable (503)', async (t) => {
  const { tableName, store } = await freshTable();
  await store.replaceWell('w', makeRows([1, 2, 3], 2, 1), 'src');
  const env = { DYNAMODB_ENDPOINT: emu.settings.dynamodbEndpoint, AWS_REGION: emu.settings.region };
  const backend = createDynamoImagerBackend(serviceConfigFromEnv({ ...env, TABLE_NAME: tableName }));
  await backend.ping();
  t.deepEqual((await backend.listWells()).map((w) => w.well), ['w']);
  t.like(await backend.getWell('w'), { rows: 3, width: 2 });
  t.deepEqual((await backend.readFrame('w', 2, 3))?.depthsTenths, [2, 3]);

  const noTable = createDynamoImagerBackend(serviceConfigFromEnv({ ...env, TABLE_NAME: 'never-created' }));
  const missing = await t.throwsAsync(noTable.ping(), { message: 'DynamoDB table "never-created" does not exist' });
  t.true(isStoreUnavailable(missing));
  t.true(isStoreUnavailable(await t.throwsAsync(noTable.listWells())));

  const dead = createDynamoImagerBackend({ ...serviceConfigFromEnv({ ...env, TABLE_NAME: tableName }), aws: { ...emu.settings, dynamodbEndpoint: 'http://127.0.0.1:9', maxAttempts: 1 } });
  t.true(isStoreUnavailable(await t.throwsAsync(dead.ping())));
  t.throws(() => createDynamoImagerBackend(serviceConfigFromEnv({ ...env })), { message: /TABLE_NAME is required/ });
});
