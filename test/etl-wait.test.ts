/**
 * The aws target's wait for the ETL run on upload (SPEC §6.3), against the emulators (s3rver behind the
 * local S3 front, dynalite): the handlers record each notified run in the raw bucket (lambda/run-records.ts)
 * and etl-wait.ts finds the run of exactly the uploaded version (or ETag) and reports it. The notifications
 * are the local S3's own (a versioned bucket: each creation gets a version id and an event), delivered
 * here by calling the handlers as Lambda would, with that event and a Lambda context; the S3 of
 * test/helpers/emulators.ts keeps no versions and sends no events, as the aws raw bucket keeps none.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { RUN_RECORDS_PREFIX, runRecordKey, type EtlRunRecord } from '../core/etl-runs/record';
import { createWellTable } from '../core/well/store';
import { uploadRawFile, type UploadResult } from '../infrastructure/tools/upload';
import { waitForRecordedRun, type EtlFunction, type UploadedObject } from '../infrastructure/tools/etl-wait';
import { handler as wellHandler } from '../lambda/well';
import { handler as egridHandler } from '../lambda/egrid';
import { startLocalS3, type RunningEmulator } from '../infrastructure/emulators/s3';
import type { S3NotificationRecord } from '../infrastructure/emulators/s3-notifications';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { PROJECT_ROOT } from './helpers/shared';

const RAW = 'waited-raw';
const MARTS = 'waited-marts';
const TABLE = 'waited-imagers';
const FN: EtlFunction = { functionName: 'datalake-c2-etl', region: 'eu-central-1', timeoutS: 300 };
const GOOD_CSV = 'depth,col1,col2\n1.0,10.0,20.0\n1.1,30.0,40.0\n';
const BAD_CSV = 'depth,col1,col2\n1.0,10.0,20.0\n1.1,thirty,40.0\n';

/** Unversioned S3 (no events) and dynalite. */
let emu: TestEmulators;
/** The local S3 with versions and events. */
let versioned: RunningEmulator;
let s3: S3Client;
let plainS3: S3Client;
let dir: string;
let requests = 0;
/** The local S3's notification records, by version id. */
const created = new Map<string, S3NotificationRecord>();

test.before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'etl-wait-'));
  emu = await startEmulators();
  versioned = await startLocalS3({ port: 0, directory: path.join(dir, 's3'), onObjectCreated: (record) => created.set(record.s3.object.versionId, record) });
  s3 = s3Client({ ...emu.settings, s3Endpoint: versioned.endpoint });
  plainS3 = s3Client(emu.settings);
  for (const client of [s3, plainS3]) for (const bucket of [RAW, MARTS]) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await createWellTable(dynamoClient(emu.settings), TABLE);
  Object.assign(process.env, { AWS_REGION: emu.settings.region, S3_ENDPOINT: versioned.endpoint, DYNAMODB_ENDPOINT: emu.settings.dynamodbEndpoint, TABLE_NAME: TABLE, DATAMARTS_BUCKET: MARTS });
});
test.after.always(async () => {
  s3?.destroy();
  plainS3?.destroy();
  await versioned?.close();
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
async function upload(key: string, body: string, client = s3): Promise<UploadResult> {
  const file = path.join(dir, `${++files}-${path.basename(key)}`);
  writeFileSync(file, body);
  return uploadRawFile(client, { file, bucket: RAW, key });
}

/** The local S3's event for the version an upload created. */
function notified(u: UploadResult): { Records: [S3NotificationRecord] } {
  const record = created.get(u.versionId!);
  if (!record) throw new Error(`no notification of version ${u.versionId}`);
  return { Records: [record] };
}

/** The event S3 sends for an object of a bucket without versions (key URL-encoded, spaces as '+'). */
function notification(u: UploadedObject, eventTime = new Date().toISOString()) {
  const key = encodeURIComponent(u.key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime,
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: u.bucket }, object: { key, eTag: u.etag, sequencer: '0055AED6DCD90281E5', ...(u.versionId ? { versionId: u.versionId } : {}) } },
      },
    ],
  };
}

/** Lambda's invocation of the well handler for a notification (its context names the request). */
function deliverWell(event: unknown): Promise<unknown> {
  return wellHandler(event, { awsRequestId: `request-${++requests}`, functionName: FN.functionName });
}

async function recordKeys(prefix = RUN_RECORDS_PREFIX): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: RAW, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function readRecord(key: string): Promise<EtlRunRecord> {
  const out = await s3.send(new GetObjectCommand({ Bucket: RAW, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as EtlRunRecord;
}

const fast = { startTimeoutMs: 20_000, pollMs: 50 };

test.serial('a notified well run is recorded in the raw bucket under _etl-runs/<key>/version-<id>/: running, then succeeded with the result, request id and times; a direct event records nothing', async (t) => {
  const up = await upload('records/north 7.csv', GOOD_CSV);
  t.truthy(up.versionId, 'the local S3 gives each created object a version id');
  const event = notified(up);
  const result = await deliverWell(event);
  const keys = await recordKeys(`${RUN_RECORDS_PREFIX}records/north 7.csv/`);
  t.deepEqual(keys, [`_etl-runs/records/north 7.csv/version-${up.versionId}/${event.Records[0]!.eventTime.replace(/[-:.]/g, '')}.json`]);
  const record = await readRecord(keys[0]!);
  t.like(record, { bucket: RAW, key: 'records/north 7.csv', versionId: up.versionId, eTag: up.etag, eventTime: event.Records[0]!.eventTime, status: 'succeeded', requestId: `request-${requests}`, functionName: FN.functionName });
  t.deepEqual(record.result, JSON.parse(JSON.stringify(result)));
  t.like(record.result, { well: 'north 7', rowsWritten: 2 });
  t.true(Date.parse(record.finishedAt!) >= Date.parse(record.startedAt));
  t.true(Number.isInteger(record.durationMs) && record.durationMs! >= 0);

  const before = await recordKeys();
  await wellHandler({ bucket: RAW, key: 'records/north 7.csv', well: 'direct' });
  t.deepEqual(await recordKeys(), before, 'make preprocess with auto_ingest: false invokes synchronously and needs no record');
});

test.serial('a rejected file: the run is recorded failed with the ETL\'s own message, then the handler rethrows that error (Lambda\'s retries stay)', async (t) => {
  const up = await upload('records/broken.csv', BAD_CSV);
  const thrown = await t.throwsAsync(deliverWell(notified(up)));
  t.regex(thrown!.message, /line 3/, 'the ETL names the line');
  const [key] = await recordKeys(`${RUN_RECORDS_PREFIX}records/broken.csv/`);
  const record = await readRecord(key!);
  t.like(record, { status: 'failed', versionId: up.versionId, error: { errorType: thrown!.name, errorMessage: thrown!.message } });
  t.is(record.result, undefined);
});

test.serial('a notified run that fails before reading the object (the function\'s environment lacks TABLE_NAME) is recorded failed with that message', async (t) => {
  const up = await upload('records/unconfigured.csv', GOOD_CSV);
  delete process.env.TABLE_NAME;
  t.teardown(() => (process.env.TABLE_NAME = TABLE));
  const thrown = await t.throwsAsync(deliverWell(notified(up)));
  t.regex(thrown!.message, /TABLE_NAME is not set/);
  const [key] = await recordKeys(`${RUN_RECORDS_PREFIX}records/unconfigured.csv/`);
  t.like(await readRecord(key!), { status: 'failed', error: { errorMessage: thrown!.message } });
});

test.serial('challenge-1: a notified workbook that is not one is recorded failed with the message naming it', async (t) => {
  const file = path.join(dir, 'plants.xlsx');
  writeFileSync(file, 'plant,state\nA,AL\n');
  const up = await uploadRawFile(s3, { file, bucket: RAW, key: 'egrid/plants.xlsx' });
  const thrown = await t.throwsAsync(egridHandler(notified(up), { awsRequestId: 'egrid-1', functionName: 'datalake-c1-etl' }));
  const [key] = await recordKeys(`${RUN_RECORDS_PREFIX}egrid/plants.xlsx/`);
  t.like(await readRecord(key!), { status: 'failed', requestId: 'egrid-1', error: { errorMessage: thrown!.message } });
});

test.serial('the waiter returns the run of its own version: a second upload\'s run is not taken for the first, nor the first\'s for the second', async (t) => {
  const first = await upload('wells/twice.csv', BAD_CSV);
  await t.throwsAsync(deliverWell(notified(first)));
  const second = await upload('wells/twice.csv', GOOD_CSV);
  t.not(first.versionId, second.versionId);
  // The first run's (failed) record is there before the second run starts: the second's waiter waits on.
  const waitSecond = waitForRecordedRun(s3, second, FN, fast);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await deliverWell(notified(second));
  const [a, b] = await Promise.all([waitForRecordedRun(s3, first, FN, fast), waitSecond]);
  t.like(a, { versionId: first.versionId, status: 'failed' });
  t.regex(a.error!.errorMessage, /line 3/);
  t.like(b, { versionId: second.versionId, status: 'succeeded', result: { well: 'twice', rowsWritten: 2 } });
});

test.serial('the same event delivered twice (at least once): one record, rewritten, and the waiter reports the run', async (t) => {
  const up = await upload('wells/again.csv', GOOD_CSV);
  const event = notified(up);
  await deliverWell(event);
  const waiting = waitForRecordedRun(s3, up, FN, fast);
  await deliverWell(event);
  const record = await waiting;
  t.like(record, { status: 'succeeded', versionId: up.versionId, result: { well: 'again' } });
  t.is((await recordKeys(`${RUN_RECORDS_PREFIX}wells/again.csv/`)).length, 1);
});

test.serial('a bucket without versions: the upload records its Last-Modified, and the run is found by ETag and event time, so an earlier upload of the same bytes is not taken for this one', async (t) => {
  process.env.S3_ENDPOINT = emu.settings.s3Endpoint;
  t.teardown(() => (process.env.S3_ENDPOINT = versioned.endpoint));
  const folder = `${RUN_RECORDS_PREFIX}plain/same.csv/`;
  // An earlier upload of the same bytes and its run (failed), more than a second before this upload.
  const before = await upload('plain/same.csv', GOOD_CSV, plainS3);
  const earlierEvent = notification(before, new Date(Date.now() - 5000).toISOString());
  await wellHandler(earlierEvent, { awsRequestId: 'earlier' }).catch(() => undefined);
  const up = await upload('plain/same.csv', GOOD_CSV, plainS3);
  t.is(up.versionId, undefined);
  t.is(up.etag, before.etag, 'the same bytes');
  t.truthy(up.lastModified, 'the upload recorded the object\'s Last-Modified (HeadObject)');
  const waiting = waitForRecordedRun(plainS3, up, FN, fast);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const event = notification(up, new Date().toISOString());
  await wellHandler(event, { awsRequestId: 'this-upload' });
  const record = await waiting;
  t.like(record, { status: 'succeeded', eTag: up.etag, requestId: 'this-upload', eventTime: event.Records[0]!.eventTime });
  t.is(record.versionId, undefined);
  const listed = await plainS3.send(new ListObjectsV2Command({ Bucket: RAW, Prefix: folder }));
  t.deepEqual((listed.Contents ?? []).map((o) => o.Key).sort(), [earlierEvent, event].map((e) => runRecordKey({ ...up, eTag: up.etag, eventTime: e.Records[0]!.eventTime })).sort());
});

test.serial('no run recorded: the timeout names the object, where records go and the function\'s CloudWatch log group', async (t) => {
  const up = await upload('wells/unnotified.csv', GOOD_CSV);
  const error = await t.throwsAsync(waitForRecordedRun(s3, up, FN, { startTimeoutMs: 300, pollMs: 50 }));
  t.is(
    error!.message,
    `no ETL run of s3://${RAW}/wells/unnotified.csv (version ${up.versionId}) was recorded under s3://${RAW}/_etl-runs/wells/unnotified.csv/version-${up.versionId}/ within 0 s of waiting: ` +
      'is the raw bucket notifying datalake-c2-etl on upload (auto_ingest: true, then make infrastructure TARGET=aws)? Look at the function\'s CloudWatch Logs group /aws/lambda/datalake-c2-etl (region eu-central-1)',
  );
});

test.serial('a run that recorded its start but no end within the function\'s timeout (Lambda ended it) is reported with its request id and log group', async (t) => {
  const up = await upload('wells/killed.csv', GOOD_CSV);
  const killed: EtlRunRecord = { bucket: RAW, key: up.key, versionId: up.versionId, eTag: up.etag, eventTime: new Date().toISOString(), status: 'running', requestId: 'req-killed', startedAt: new Date(Date.now() - 2000).toISOString() };
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: runRecordKey(killed), Body: JSON.stringify(killed) }));
  const error = await t.throwsAsync(waitForRecordedRun(s3, up, { ...FN, timeoutS: 1 }, { startTimeoutMs: 5000, pollMs: 50, endMarginMs: 0 }));
  t.regex(error!.message, /^the ETL run of s3:\/\/waited-raw\/wells\/killed\.csv \(version \w+\) started at .* \(request id req-killed\) recorded no end within the function's timeout \(1 s\)/);
  t.regex(error!.message, /Its log: CloudWatch Logs group \/aws\/lambda\/datalake-c2-etl \(region eu-central-1\)/);
});

test.serial('records never run the ETL: a notification of a key under _etl-runs/ is skipped, whatever its suffix', async (t) => {
  const before = await recordKeys();
  const record = { bucket: RAW, key: '_etl-runs/x.csv/version-1/20260101T000000000Z.json', etag: 'e', versionId: 'v' };
  t.deepEqual(await deliverWell(notification({ ...record, key: '_etl-runs/wells/a.csv' })), []);
  t.deepEqual(await deliverWell(notification(record)), []);
  t.deepEqual(await recordKeys(), before);
});

const run = promisify(execFile);

test.serial('etl-wait.ts (what make preprocess TARGET=aws runs): prints the run\'s result; a failed run exits 1 with the ETL\'s message and the log group', async (t) => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const cli = path.join(PROJECT_ROOT, 'infrastructure', 'tools', 'etl-wait.ts');
  const env = { ...process.env, S3_ENDPOINT: versioned.endpoint, LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const challenge = path.join(PROJECT_ROOT, 'challenge-2');
  const good = await upload('cli/good.csv', GOOD_CSV);
  const bad = await upload('cli/bad.csv', BAD_CSV);
  await deliverWell(notified(good));
  await t.throwsAsync(deliverWell(notified(bad)));
  const resultFile = (u: UploadResult): string => {
    const file = path.join(dir, `upload-${path.basename(u.key)}.json`);
    writeFileSync(file, JSON.stringify({ dryrun: false, ...u }));
    return file;
  };

  const ok = await run(tsx, [cli, challenge, '--upload-result', resultFile(good), '--poll', '0.05'], { env });
  t.like(JSON.parse(ok.stdout), { well: 'good', rowsWritten: 2 });
  t.regex(ok.stderr, /waiting for the ETL run of s3:\/\/waited-raw\/cli\/good\.csv \(version \w+\), notified on upload/);

  const failed = (await t.throwsAsync(run(tsx, [cli, challenge, '--upload-result', resultFile(bad), '--poll', '0.05'], { env }))) as unknown as { code: number; stdout: string; stderr: string };
  t.is(failed.code, 1);
  t.is(failed.stdout, '');
  t.regex(failed.stderr, /preprocess: the ETL run of s3:\/\/waited-raw\/cli\/bad\.csv \(version \w+\) failed: .*line 3.*\n {2}\(request id request-\d+; its log: CloudWatch Logs group \/aws\/lambda\/datalake-c2-etl \(region eu-central-1\)\)/);
});
