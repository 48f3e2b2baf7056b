import test from 'ava';
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { createWellTable, WellStore } from '../core/well/store';
import { handler } from '../lambda/well';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';

const TABLE = 'imagers';
const BUCKET = 'raw';
let emu: TestEmulators;
let store: WellStore;

test.before(async () => {
  emu = await startEmulators();
  const client = dynamoClient(emu.settings);
  await createWellTable(client, TABLE);
  store = new WellStore({ client, tableName: TABLE });
  await s3Client(emu.settings).send(new CreateBucketCommand({ Bucket: BUCKET }));
  Object.assign(process.env, { AWS_REGION: emu.settings.region, S3_ENDPOINT: emu.settings.s3Endpoint, DYNAMODB_ENDPOINT: emu.settings.dynamodbEndpoint, TABLE_NAME: TABLE });
  delete process.env.IMAGES_SIZE;
});
test.after.always(async () => {
  await emu?.close();
});

async function upload(key: string, body: string | Buffer): Promise<void> {
  await s3Client(emu.settings).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

const notification = (key: string) => ({ Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: BUCKET }, object: { key } } }] });

test.serial('the handler ingests the sample from S3 into DynamoDB, bit-exact with the golden rows', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const golden = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!file || !golden) return;
  await upload('raw/well_imager_200.csv', await readFile(file));

  const summary = await handler({ bucket: BUCKET, key: 'raw/well_imager_200.csv' });
  t.log(`ingest of the sample into dynalite: ${JSON.stringify(summary)}`);
  t.false(Array.isArray(summary));
  const { durationMs, phasesMs, cpuMs, ...rest } = summary as Exclude<typeof summary, unknown[]>;
  t.true(Number.isInteger(cpuMs) && cpuMs > 0);
  t.true(Number.isInteger(durationMs) && durationMs > 0);
  t.true(Object.values(phasesMs).every((ms) => Number.isInteger(ms) && ms >= 0));
  // Waiting for the parse thread and for DynamoDB split the duration; the resize runs on the parse thread, overlapping both.
  t.true(phasesMs.readParse + phasesMs.write <= durationMs + 2, 'the phases are parts of the duration');
  t.true(phasesMs.resize <= durationMs + 2, 'the resize is part of the duration');
  t.deepEqual(rest, {
    well: 'well_imager_200',
    source: 's3://raw/raw/well_imager_200.csv',
    rowsRead: 5461,
    rowsDropped: 1,
    rowsWritten: 5460,
    minDepth: 9000.1,
    maxDepth: 9546,
    inputWidth: 200,
    width: 150,
  });

  const frame = await store.readFrame('well_imager_200', 0, 1e6);
  const expected = (await readFile(golden, 'utf8')).trim().split(/\r?\n/).slice(1).map((line) => line.split(',').map(Number));
  t.deepEqual(frame!.depthsTenths, expected.map((row) => row[0]));
  t.deepEqual([...frame!.pixels], expected.flatMap((row) => row.slice(1)));
  t.like(await store.getWell('well_imager_200'), { rows: 5460, width: 150, minDepthTenths: 90001, maxDepthTenths: 95460, source: 's3://raw/raw/well_imager_200.csv' });
});

test.serial('S3 notifications (URL-encoded keys) and an explicit well id in the event', async (t) => {
  await upload('incoming/my well.csv', 'depth,col1,col2\n1.0,10.0,20.0\n1.1,30.0,40.0\n');
  const fromNotification = await handler(notification('incoming/my+well.csv'));
  t.like(fromNotification, { well: 'my well', source: 's3://raw/incoming/my well.csv', rowsWritten: 2, inputWidth: 2, width: 150, minDepth: 1, maxDepth: 1.1 });

  const explicit = await handler({ bucket: BUCKET, key: 'incoming/my well.csv', well: 'W-7' });
  t.like(explicit, { well: 'W-7', rowsWritten: 2 });
  t.deepEqual((await store.readFrame('W-7', 10, 11))?.depthsTenths, [10, 11]);
});

test.serial('IMAGES_SIZE sets the stored width', async (t) => {
  await upload('sized.csv', 'depth,col1,col2,col3,col4\n5.0,0.0,0.0,255.0,255.0\n');
  process.env.IMAGES_SIZE = '2';
  try {
    t.like(await handler({ bucket: BUCKET, key: 'sized.csv' }), { well: 'sized', inputWidth: 4, width: 2 });
  } finally {
    delete process.env.IMAGES_SIZE;
  }
  t.deepEqual([...(await store.readFrame('sized', 50, 50))!.pixels], [21, 234]);
});

test.serial('a rejected file fails the handler with its line and leaves the well as it was', async (t) => {
  await upload('keep.csv', 'depth,col1\n1.0,1.0\n1.1,2.0\n');
  await handler({ bucket: BUCKET, key: 'keep.csv' });
  const before = await store.readFrame('keep', 0, 100);
  await upload('keep.csv', 'depth,col1\n1.0,1.0\n1.1,2.0\n1.2\n');
  await t.throwsAsync(handler({ bucket: BUCKET, key: 'keep.csv' }), { message: 's3://raw/keep.csv: line 4: expected 2 columns (depth + 1 pixels), got 1' });
  t.deepEqual(await store.readFrame('keep', 0, 100), before);
  t.like(await store.getWell('keep'), { rows: 2 });
});

test.serial('configuration and event errors are thrown with clear messages', async (t) => {
  await t.throwsAsync(handler({ bucket: BUCKET, key: 'missing.csv' }), { message: /^s3:\/\/raw\/missing\.csv: object not found/ });
  await t.throwsAsync(handler({ bucket: BUCKET }), { message: 'event.key must be a non-empty string' });
  await t.throwsAsync(handler({ bucket: BUCKET, key: 'a.csv', well: 5 }), { message: 'event.well must be a string' });
  await upload('raw/x#y.csv', 'depth,col1\n1,2\n');
  await t.throwsAsync(handler({ bucket: BUCKET, key: 'raw/x#y.csv' }), { message: /well id "x#y" contains "#".*pass "well" in the event/ });
  await s3Client(emu.settings).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/tagged.csv', Body: 'depth,col1\n1,2\n', Metadata: { well: 'bad#id' } }));
  await t.throwsAsync(handler(notification('raw/tagged.csv')), { message: /well id "bad#id" contains "#" .*from the object's well metadata or its key/ });
  process.env.IMAGES_SIZE = 'big';
  try {
    await t.throwsAsync(handler({ bucket: BUCKET, key: 'keep.csv' }), { message: 'environment variable IMAGES_SIZE must be a positive integer, got "big"' });
  } finally {
    delete process.env.IMAGES_SIZE;
  }
  delete process.env.TABLE_NAME;
  try {
    await t.throwsAsync(handler({ bucket: BUCKET, key: 'keep.csv' }), { message: /TABLE_NAME is not set/ });
  } finally {
    process.env.TABLE_NAME = TABLE;
  }
  await upload('fine.csv', 'depth,col1\n1.0,1.0\n');
  process.env.TABLE_NAME = 'absent';
  try {
    await t.throwsAsync(handler({ bucket: BUCKET, key: 'fine.csv' }), { message: 'DynamoDB table "absent" does not exist (the infrastructure step creates it)' });
  } finally {
    process.env.TABLE_NAME = TABLE;
  }
});
