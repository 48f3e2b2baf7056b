/**
 * ETL on upload, local target (SPEC 6.3), against the emulators: objects put straight into the raw
 * buckets (no make) run the built Lambda (lambda.zip + layer.zip, built here) through the local runner
 * with the S3 notification, and their data is served; runs are recorded with their logs.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client, type AwsSettings } from '../core/aws/clients';
import { decodeDatamart } from '../core/egrid/datamart-codec';
import { datamartKey } from '../core/egrid/datamart-layout';
import { createWellTable, WellStore } from '../core/well/store';
import { buildArtifacts } from '../infrastructure/build/build';
import { AutoIngest, readJson, registrationPath, runRecordPath, writeJsonAtomically, type AutoIngestRegistration, type RunRecord } from '../infrastructure/emulators/auto-ingest';
import { startLocalDynamo } from '../infrastructure/emulators/dynamodb';
import { startLocalS3, type RunningEmulator } from '../infrastructure/emulators/s3';
import type { S3NotificationRecord } from '../infrastructure/emulators/s3-notifications';
import { waitForRun } from '../infrastructure/tools/auto-ingest';
import { waitForRecordedRun } from '../infrastructure/tools/etl-wait';
import { buildWorkbook, egridHeader } from './helpers/egrid-workbooks';
import { tableRows } from './helpers/well-tables';

const WELLS = 'auto-raw-wells';
const EGRID = 'auto-raw-egrid';
const MARTS = 'auto-marts';
const TABLE = 'auto-imagers';

let dir: string;
let s3emu: RunningEmulator;
let dynamo: RunningEmulator;
let settings: AwsSettings;
let s3: S3Client;
let worker: AutoIngest;
/** Every notification the local S3 sent, in order. */
const notified: S3NotificationRecord[] = [];

test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'auto-ingest-test-'));
  const build = path.join(dir, 'build');
  await buildArtifacts(['lambda', 'layer'], { out: build });
  worker = new AutoIngest({ stateDir: path.join(dir, 'state'), workers: 3, log: () => undefined });
  s3emu = await startLocalS3({
    port: 0,
    directory: path.join(dir, 's3'),
    onObjectCreated: (record) => {
      notified.push(record);
      worker.deliver(record);
    },
  });
  dynamo = await startLocalDynamo({ port: 0 });
  settings = { region: 'eu-central-1', s3Endpoint: s3emu.endpoint, dynamodbEndpoint: dynamo.endpoint };
  s3 = s3Client(settings);
  for (const bucket of [WELLS, EGRID, MARTS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createWellTable(dynamoClient(settings), TABLE);
  const common = { lambdaZip: path.join(build, 'lambda.zip'), layerZip: path.join(build, 'layer.zip'), memoryMb: 512, timeoutSeconds: 120, aws: settings };
  const registrations: AutoIngestRegistration[] = [
    { ...common, bucket: WELLS, suffix: '.csv', challenge: 'challenge-2', handler: 'well.handler', functionName: 'c2-etl', environment: { TABLE_NAME: TABLE, IMAGES_SIZE: '4' } },
    { ...common, bucket: EGRID, suffix: '.xlsx', challenge: 'challenge-1', handler: 'egrid.handler', functionName: 'c1-etl', environment: { DATAMARTS_BUCKET: MARTS } },
  ];
  for (const r of registrations) writeJsonAtomically(registrationPath(path.join(dir, 'state'), r.bucket), r);
});

test.after.always(async () => {
  await worker?.close();
  s3?.destroy();
  await Promise.all([s3emu?.close(), dynamo?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const store = (): WellStore => new WellStore({ client: dynamoClient(settings), tableName: TABLE });
const stateDir = (): string => path.join(dir, 'state');

function wellCsv(rows: number, firstDepth: number, bad?: { line: number; cell: string }): string {
  const lines = ['depth,col1,col2,col3,col4,col5,col6,col7,col8'];
  for (let i = 0; i < rows; i++) {
    const cells = Array.from({ length: 8 }, (_, c) => `${(i * 3 + c * 20) % 256}.0`);
    if (bad && lines.length + 1 === bad.line) cells[1] = bad.cell;
    lines.push([((firstDepth * 10 + i) / 10).toFixed(1), ...cells].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Puts an object as any client would, and waits for the run of the version it created. */
async function putAndWait(bucket: string, key: string, body: string | Buffer, metadata?: Record<string, string>): Promise<RunRecord> {
  const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
  return waitForRun(stateDir(), { bucket, key, etag: out.ETag ?? '', versionId: out.VersionId }, { timeoutMs: 110_000, startTimeoutMs: 5_000, pollMs: 50 });
}

test('a well CSV put into the raw bucket is ingested by the built Lambda and served; its well id may come with the object', async (t) => {
  const run = await putAndWait(WELLS, 'incoming/north field.csv', wellCsv(120, 1000), { well: 'north-1' });
  t.is(run.status, 'succeeded', run.error?.errorMessage);
  t.like(run.result, { well: 'north-1', rowsRead: 120, rowsWritten: 120, inputWidth: 8, width: 4, minDepth: 1000, maxDepth: 1011.9 });
  t.like(await store().getWell('north-1'), { rows: 120, width: 4, source: `s3://${WELLS}/incoming/north field.csv` });
  const log = readFileSync(run.log, 'utf8');
  t.regex(log, /run of well\.handler for s3:\/\/auto-raw-wells\/incoming\/north field\.csv/);
  t.regex(log, /succeeded in \d+ ms/);
  const record = notified.find((r) => r.s3.object.versionId === run.versionId);
  t.like(record, { eventName: 'ObjectCreated:Put', s3: { bucket: { name: WELLS }, object: { key: 'incoming/north+field.csv', size: wellCsv(120, 1000).length } } });
  // The built handler recorded the run in the raw bucket too, as on AWS (what etl-wait.ts waits on there).
  const recorded = await recordedRun(run);
  t.like(recorded, { status: 'succeeded', versionId: run.versionId, functionName: 'c2-etl' });
  t.deepEqual(recorded.result, run.result);
  t.regex(recorded.requestId ?? '', /^[\w-]{8,}$/, 'the local runner\'s request id');
});

/** The run record the built handler wrote in the raw bucket for a run of the local worker. */
function recordedRun(run: RunRecord) {
  return waitForRecordedRun(s3, { bucket: run.bucket, key: run.key, etag: run.eTag, versionId: run.versionId }, { functionName: 'c2-etl', region: settings.region, timeoutS: 120 }, { startTimeoutMs: 5000, pollMs: 50 });
}

test('three wells put at once are all ingested (the pool runs several) and listed', async (t) => {
  const runs = await Promise.all(['east', 'west', 'south'].map((well, i) => putAndWait(WELLS, `three/${well}.csv`, wellCsv(80 + i, 2000 + i * 100))));
  t.deepEqual(
    runs.map((r) => [r.status, (r.result as { well: string }).well]),
    [
      ['succeeded', 'east'],
      ['succeeded', 'west'],
      ['succeeded', 'south'],
    ],
  );
  const listed = (await store().listWells()).map((w) => [w.well, w.rows]);
  for (const expected of [['east', 80], ['west', 81], ['south', 82]]) t.deepEqual(listed.find(([w]) => w === expected[0]), expected);
});

test('a broken well is not listed, and its run failed with a log naming the line', async (t) => {
  const run = await putAndWait(WELLS, 'broken/cracked.csv', wellCsv(3000, 3000, { line: 2500, cell: '999.0' }));
  t.is(run.status, 'failed');
  t.is(run.error?.errorMessage, `s3://${WELLS}/broken/cracked.csv: line 2500: column 3 (col2): pixel value 999.0 is outside 0-255`);
  t.regex(readFileSync(run.log, 'utf8'), /line 2500: column 3 \(col2\): pixel value 999\.0 is outside 0-255/);
  t.like(await recordedRun(run), { status: 'failed', error: { errorMessage: run.error?.errorMessage } });
  t.is(await store().getWell('cracked'), undefined);
  t.false([...(await tableRows(dynamoClient(settings), TABLE)).keys()].some((slot) => slot.startsWith('cracked')), 'nothing of it is left in the table');
});

test('a second eGRID year (a workbook whose plant sheet is PLNT19) gets its datamart', async (t) => {
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLPRMFL'];
  const workbook = await buildWorkbook([
    {
      name: 'PLNT19',
      rows: [...egridHeader(codes), [1, 'Alpha', 'AL', 300, 33.1, -87.1, 'NG'], [2, 'Beta', 'AL', 100, 33.2, -87.2, 'SUB']],
    },
  ]);
  const run = await putAndWait(EGRID, 'egrid2019_data.xlsx', workbook);
  t.is(run.status, 'succeeded', run.error?.errorMessage);
  t.like(run.result, { year: 2019, sheet: 'PLNT19', keptRows: 2 });
  const object = await s3.send(new GetObjectCommand({ Bucket: MARTS, Key: datamartKey(2019) }));
  const plants = await decodeDatamart(await object.Body!.transformToByteArray());
  t.deepEqual(
    plants.map((p) => [p.plant_name, p.annual_netgen_rel]),
    [
      ['Alpha', 0.75],
      ['Beta', 0.25],
    ],
  );
});

test('the same event delivered twice runs twice, one after the other, and leaves the well as one delivery does', async (t) => {
  const first = await putAndWait(WELLS, 'twice/repeat.csv', wellCsv(200, 5000));
  t.is(first.status, 'succeeded');
  const record = notified.find((r) => r.s3.object.versionId === first.versionId)!;
  worker.deliver(record);
  worker.deliver(record);
  await worker.idle();
  const again = readJson<RunRecord>(runRecordPath(stateDir(), WELLS, first.versionId))!;
  t.like(again, { status: 'succeeded', deliveries: 3 });
  t.like(await store().getWell('repeat'), { rows: 200, minDepthTenths: 50000, maxDepthTenths: 50199 });
  const slots = [...(await tableRows(dynamoClient(settings), TABLE)).entries()].filter(([slot]) => slot.startsWith('repeat'));
  t.is(slots.length, 1, 'one slot of rows, the served one');
  t.is(slots[0]![1].length, 200);
  t.is((readFileSync(again.log, 'utf8').match(/succeeded in/g) ?? []).length, 3);
});

test('keys without the suffix, and buckets not registered, run nothing', async (t) => {
  const out = await s3.send(new PutObjectCommand({ Bucket: WELLS, Key: 'notes/readme.txt', Body: 'hello' }));
  const other = await s3.send(new PutObjectCommand({ Bucket: MARTS, Key: 'x.csv', Body: 'depth,col1\n1,2\n' }));
  await worker.idle();
  const versions = notified.map((r) => r.s3.object.versionId);
  t.true(versions.includes(out.VersionId!) && versions.includes(other.VersionId!), 'both were notified');
  t.false(existsSync(runRecordPath(stateDir(), WELLS, out.VersionId!)));
  t.false(existsSync(runRecordPath(stateDir(), MARTS, other.VersionId!)));
  await t.throwsAsync(waitForRun(stateDir(), { bucket: WELLS, key: 'notes/readme.txt', etag: '', versionId: out.VersionId }, { timeoutMs: 5000, startTimeoutMs: 300, pollMs: 50 }), {
    message: /^no ETL run of s3:\/\/auto-raw-wells\/notes\/readme\.txt \(version \w+\) was queued within 0\.3 s/,
  });
});

test('every created object gets its own version id, even with the same bytes; a wait without one says why', async (t) => {
  const a = await s3.send(new PutObjectCommand({ Bucket: MARTS, Key: 'same.bin', Body: 'same' }));
  const b = await s3.send(new PutObjectCommand({ Bucket: MARTS, Key: 'same.bin', Body: 'same' }));
  t.is(a.ETag, b.ETag);
  t.truthy(a.VersionId);
  t.not(a.VersionId, b.VersionId);
  await t.throwsAsync(waitForRun(stateDir(), { bucket: WELLS, key: 'k.csv', etag: 'e' }, { timeoutMs: 1000 }), { message: /got no version id from the local S3/ });
});
