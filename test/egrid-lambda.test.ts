import test from 'ava';
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../core/aws/clients';
import { decodeDatamart } from '../core/egrid/datamart-codec';
import { datamartKey, metadataKey } from '../core/egrid/datamart-layout';
import type { EgridEtlSummary } from '../core/egrid/etl';
import { handler, yearOfEvent } from '../lambda/egrid';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';
import { assertMatchesGolden, readGoldenDatamart } from './helpers/egrid-golden';
import { buildWorkbook, egridHeader } from './helpers/egrid-workbooks';

const RAW = 'lambda-raw';
const MARTS = 'lambda-marts';
const ENV_KEYS = ['DATAMARTS_BUCKET', 'S3_ENDPOINT', 'AWS_REGION'] as const;

let emulators: TestEmulators;
let s3: S3Client;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

test.before(async () => {
  emulators = await startEmulators();
  s3 = s3Client(emulators.settings);
  for (const bucket of [RAW, MARTS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  process.env.DATAMARTS_BUCKET = MARTS;
  process.env.S3_ENDPOINT = emulators.settings.s3Endpoint;
  process.env.AWS_REGION = emulators.settings.region;
});

test.after.always(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  s3?.destroy();
  await emulators?.close();
});

function notification(bucket: string, ...keys: string[]): unknown {
  return { Records: keys.map((key) => ({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } })) };
}

test.serial('the original event {bucket, key, year} on the sample writes the golden datamart', async (t) => {
  const workbook = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  const goldenCsv = requireShared(t, 'golden', 'egrid2018_datamart.csv');
  if (!workbook || !goldenCsv) return;
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'egrid2018_data_v2.xlsx', Body: await readFile(workbook) }));
  const result = (await handler({ bucket: RAW, key: 'egrid2018_data_v2.xlsx', year: '2018' })) as EgridEtlSummary;
  t.like(result, { year: 2018, rowsRead: 10965, droppedMissing: 1832, droppedNegative: 178, keptRows: 8955, states: 51, datamartKey: datamartKey(2018) });
  const object = await s3.send(new GetObjectCommand({ Bucket: MARTS, Key: datamartKey(2018) }));
  assertMatchesGolden(t, await decodeDatamart(await object.Body!.transformToByteArray()), await readGoldenDatamart(goldenCsv), 'handler');
});

test.serial('an S3 notification with URL-encoded keys runs each object', async (t) => {
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLPRMFL'];
  for (const [key, sheet] of [['raw data/plants 2016.xlsx', 'PLNT16'], ['raw data/plants 2017.xlsx', 'PLNT17']]) {
    const body = await buildWorkbook([{ name: sheet, rows: [...egridHeader(codes), [1, 'Only', 'ME', 5, 45, -69, 'WAT']] }]);
    await s3.send(new PutObjectCommand({ Bucket: RAW, Key: key, Body: body }));
  }
  const result = await handler(notification(RAW, 'raw+data/plants+2016.xlsx', 'raw+data/plants%202017.xlsx'));
  t.true('results' in result);
  const results = 'results' in result ? result.results : [];
  t.deepEqual(results.map((r) => [r.year, r.source, r.keptRows]), [
    [2016, 's3://lambda-raw/raw data/plants 2016.xlsx', 1],
    [2017, 's3://lambda-raw/raw data/plants 2017.xlsx', 1],
  ]);
  const single = await handler(notification(RAW, 'raw+data/plants+2016.xlsx'));
  t.like(single, { year: 2016, metadataKey: metadataKey(2016) });
});

test.serial('at-least-once delivery: a notification delivered twice (at once) leaves one datamart; a late one of an older upload leaves the newer datamart', async (t) => {
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLPRMFL'];
  const workbook = (name: string) => buildWorkbook([{ name: 'PLNT15', rows: [...egridHeader(codes), [1, name, 'ME', 5, 45, -69, 'WAT']] }]);
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'older/egrid2015.xlsx', Body: await workbook('Older') }));
  await new Promise((resolve) => setTimeout(resolve, 1100)); // S3's LastModified counts seconds
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'newer/egrid2015.xlsx', Body: await workbook('Newer') }));
  const plantNames = async (): Promise<string[]> => {
    const object = await s3.send(new GetObjectCommand({ Bucket: MARTS, Key: datamartKey(2015) }));
    return (await decodeDatamart(await object.Body!.transformToByteArray())).map((p) => p.plant_name);
  };

  const twice = await Promise.all([handler(notification(RAW, 'newer/egrid2015.xlsx')), handler(notification(RAW, 'newer/egrid2015.xlsx'))]);
  t.deepEqual(twice.map((r) => (r as EgridEtlSummary).keptRows), [1, 1]);
  t.deepEqual(await plantNames(), ['Newer']);
  const metadata = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: MARTS, Key: metadataKey(2015) }))).Body!.transformToString()) as { sourceKey: string };
  t.is(metadata.sourceKey, 'newer/egrid2015.xlsx');

  const late = (await handler(notification(RAW, 'older/egrid2015.xlsx'))) as EgridEtlSummary;
  t.regex(late.skipped ?? '', /^the 2015 datamart was made from a source uploaded later \(.+\) than this one \(.+\): left as it is$/);
  t.deepEqual(await plantNames(), ['Newer']);
  // The original's direct event is a deliberate request: it runs whatever the datamart holds.
  t.is(((await handler({ bucket: RAW, key: 'older/egrid2015.xlsx' })) as EgridEtlSummary).skipped, undefined);
  t.deepEqual(await plantNames(), ['Older']);
});

test.serial('a rejected workbook fails the invocation with the reason', async (t) => {
  const body = await buildWorkbook([{ name: 'Sheet1', rows: [['a', 'b']] }]);
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'not-egrid.xlsx', Body: body }));
  const error = await t.throwsAsync(handler({ bucket: RAW, key: 'not-egrid.xlsx' }));
  t.is(error?.message, 's3://lambda-raw/not-egrid.xlsx has no plant sheet PLNTyy (e.g. PLNT18); sheets found: Sheet1: not the eGRID data workbook (egridYYYY_data.xlsx), whose plants are on sheet PLNTyy');
});

test.serial('bad events and a missing DATAMARTS_BUCKET are named', async (t) => {
  t.is((await t.throwsAsync(handler({ bucket: RAW })))?.message, 'event.key must be a non-empty string');
  t.is((await t.throwsAsync(handler({ bucket: RAW, key: 'k', year: 'last' })))?.message, 'event.year must be a four-digit year (1990-2089), got "last"');
  delete process.env.DATAMARTS_BUCKET;
  try {
    t.is((await t.throwsAsync(handler({ bucket: RAW, key: 'k' })))?.message, 'environment variable DATAMARTS_BUCKET is not set');
  } finally {
    process.env.DATAMARTS_BUCKET = MARTS;
  }
});

test('event years: numbers and numeric strings, absent, out of range', (t) => {
  t.is(yearOfEvent({ bucket: 'b', key: 'k', year: 2018 }), 2018);
  t.is(yearOfEvent({ bucket: 'b', key: 'k', year: ' 2019 ' }), 2019);
  t.is(yearOfEvent({ bucket: 'b', key: 'k' }), undefined);
  t.is(yearOfEvent(notification('b', 'k')), undefined);
  t.throws(() => yearOfEvent({ year: 18 }), { message: 'event.year must be a four-digit year (1990-2089), got 18' });
  t.throws(() => yearOfEvent({ year: 2018.5 }));
});
