import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { s3Client } from '../core/aws/clients';
import { runEgridEtl } from '../core/egrid/etl';
import { decodeDatamart, DATAMART_SCHEMA_VERSION } from '../core/egrid/datamart-codec';
import { datamartKey, metadataKey } from '../core/egrid/datamart-layout';
import type { DatamartMetadata } from '../core/egrid/types';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';
import { assertMatchesGolden, readGoldenDatamart, type GoldenPlant } from './helpers/egrid-golden';
import { buildWorkbook, egridHeader } from './helpers/egrid-workbooks';

const RAW = 'raw';
const MARTS = 'marts';

let emulators: TestEmulators;
let s3: S3Client;

test.before(async () => {
  emulators = await startEmulators();
  s3 = s3Client(emulators.settings);
  for (const bucket of [RAW, MARTS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

test.after.always(async () => {
  s3?.destroy();
  await emulators?.close();
});

async function getBytes(bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToByteArray();
}

async function readWithDuckDb(parquet: Uint8Array): Promise<{ columns: Record<string, string>; rows: GoldenPlant[]; fuels: (string | null)[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'egrid-duckdb-'));
  const file = path.join(dir, 'plants.parquet');
  await writeFile(file, parquet);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const columns = Object.fromEntries(described.getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]));
    // No ORDER BY: the file's own row order is part of the contract.
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    const objects = reader.getRowObjectsJS();
    const rows = objects.map((r) => ({
      plant_id: Number(r.plant_id),
      plant_name: String(r.plant_name),
      state: String(r.state),
      lat: r.lat === null ? null : Number(r.lat),
      lon: r.lon === null ? null : Number(r.lon),
      annual_netgen_abs: Number(r.annual_netgen_abs),
      annual_netgen_rel: Number(r.annual_netgen_rel),
      fuel: r.fuel === null ? null : String(r.fuel),
    }));
    return { columns, rows, fuels: objects.map((r) => (r.fuel === null ? null : String(r.fuel))) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

test.serial('the sample workbook becomes the golden datamart, read back by hyparquet and by DuckDB; metadata describes it', async (t) => {
  const workbook = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  const goldenCsv = requireShared(t, 'golden', 'egrid2018_datamart.csv');
  if (!workbook || !goldenCsv) return;
  const golden = await readGoldenDatamart(goldenCsv);
  const put = await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'egrid/egrid2018_data_v2.xlsx', Body: await readFile(workbook) }));

  const summary = await runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'egrid/egrid2018_data_v2.xlsx', datamartsBucket: MARTS });
  t.log(`ETL of the sample: ${summary.durationMs} ms, ${summary.datamartBytes} bytes of Parquet`);
  const sourceEtag = put.ETag!.replace(/"/g, '');
  t.like(summary, {
    year: 2018,
    sheet: 'PLNT18',
    source: 's3://raw/egrid/egrid2018_data_v2.xlsx',
    sourceEtag,
    rowsRead: 10965,
    droppedMissing: 1832,
    droppedNegative: 178,
    keptRows: 8955,
    states: 51,
    datamartsBucket: MARTS,
    datamartKey: datamartKey(2018),
    metadataKey: metadataKey(2018),
  });

  const parquet = await getBytes(MARTS, datamartKey(2018));
  t.is(summary.datamartBytes, parquet.byteLength);
  const decoded = await decodeDatamart(parquet);
  assertMatchesGolden(t, decoded, golden, 'hyparquet');
  t.is(decoded.find((p) => p.plant_id === 46)?.fuel, 'NUCLEAR');

  const duck = await readWithDuckDb(parquet);
  t.like(duck.columns, { plant_id: 'INTEGER', plant_name: 'VARCHAR', state: 'VARCHAR', lat: 'DOUBLE', lon: 'DOUBLE', fuel: 'VARCHAR', annual_netgen_abs: 'DOUBLE', annual_netgen_rel: 'DOUBLE' });
  assertMatchesGolden(t, duck.rows, golden, 'DuckDB');
  t.deepEqual(duck.fuels, decoded.map((p) => p.fuel));

  const metadata = JSON.parse(Buffer.from(await getBytes(MARTS, metadataKey(2018))).toString('utf8')) as DatamartMetadata;
  t.like(metadata, {
    schemaVersion: DATAMART_SCHEMA_VERSION,
    year: 2018,
    sourceBucket: RAW,
    sourceKey: 'egrid/egrid2018_data_v2.xlsx',
    sourceEtag,
    sheet: 'PLNT18',
    sourceRows: 10965,
    droppedMissing: 1832,
    droppedNegative: 178,
    keptRows: 8955,
    states: 51,
  });
  t.true(Math.abs(Date.parse(metadata.createdAt) - Date.now()) < 10 * 60_000, metadata.createdAt);
  const head = await s3.send(new HeadObjectCommand({ Bucket: MARTS, Key: datamartKey(2018) }));
  t.is(head.Metadata?.['source-etag'], sourceEtag);
  t.is(head.Metadata?.['created-at'], metadata.createdAt);
});

const CODES = ['PSTATABB', 'PNAME', 'ORISPL', 'PLNGENAN', 'LAT', 'LON', 'PLFUELCT'];

async function putWorkbook(key: string, rows: (string | number | null)[][], sheetName = 'PLNT21'): Promise<void> {
  const body = await buildWorkbook([{ name: sheetName, rows: [...egridHeader(CODES), ...rows] }], { order: 'sheets-first' });
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: key, Body: body }));
}

test.serial('a rerun replaces the year: exactly the new rows and metadata, same keys, nothing else written', async (t) => {
  await putWorkbook('v1.xlsx', [
    ['CA', 'Old One', 1, 300, 34, -118, 'GAS'],
    ['CA', 'Old Two', 2, 100, 35, -119, 'SOLAR'],
  ]);
  await runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'v1.xlsx', datamartsBucket: MARTS });
  const first = await decodeDatamart(await getBytes(MARTS, datamartKey(2021)));
  t.deepEqual(first.map((p) => [p.plant_id, p.annual_netgen_rel]), [[1, 0.75], [2, 0.25]]);

  await putWorkbook('v2.xlsx', [['NV', 'New', 7, 50, 36, -115, 'WIND']]);
  const summary = await runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'v2.xlsx', datamartsBucket: MARTS });
  t.is(summary.keptRows, 1);
  const second = await decodeDatamart(await getBytes(MARTS, datamartKey(2021)));
  t.deepEqual(second, [{ plant_id: 7, plant_name: 'New', state: 'NV', lat: 36, lon: -115, fuel: 'WIND', annual_netgen_abs: 50, annual_netgen_rel: 1 }]);
  const metadata = JSON.parse(Buffer.from(await getBytes(MARTS, metadataKey(2021))).toString('utf8')) as DatamartMetadata;
  t.is(metadata.sourceKey, 'v2.xlsx');
  t.is(metadata.keptRows, 1);

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: MARTS, Prefix: 'plants/year=2021/' }));
  t.deepEqual(listed.Contents?.map((o) => o.Key).sort(), [metadataKey(2021), datamartKey(2021)].sort());
});

test.serial('the event year picks the sheet and names the datamart', async (t) => {
  await putWorkbook('y.xlsx', [['TX', 'Year Plant', 9, 10, 30, -97, 'GAS']], 'PLNT22');
  const error = await t.throwsAsync(runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'y.xlsx', datamartsBucket: MARTS, year: 2023 }));
  t.is(error?.message, 's3://raw/y.xlsx has no sheet PLNT23 for year 2023; sheets found: PLNT22');
  const summary = await runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'y.xlsx', datamartsBucket: MARTS, year: 2022 });
  t.is(summary.datamartKey, datamartKey(2022));
});

test.serial('rejected inputs write nothing and leave the previous datamart as it was', async (t) => {
  await putWorkbook('good.xlsx', [['WA', 'Kept', 3, 20, 47, -122, 'HYDRO']], 'PLNT24');
  await runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'good.xlsx', datamartsBucket: MARTS });
  const before = await getBytes(MARTS, datamartKey(2024));
  const metadataBefore = await getBytes(MARTS, metadataKey(2024));

  await putWorkbook('all-dropped.xlsx', [['WA', 'Negative', 4, -20, 47, -122, 'HYDRO'], ['WA', null, 5, 10, 47, -122, 'HYDRO']], 'PLNT24');
  const dropped = await t.throwsAsync(runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'all-dropped.xlsx', datamartsBucket: MARTS }));
  t.is(dropped?.message, 's3://raw/all-dropped.xlsx: sheet PLNT24 keeps no plant (2 rows, 1 missing fields, 1 negative generation); the datamart of 2024 is left as it was');

  const wrongCodes = await buildWorkbook([{ name: 'PLNT24', rows: [['PNAME', 'STATE'], ['Plant', 'WA']] }]);
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'wrong.xlsx', Body: wrongCodes }));
  const rejected = await t.throwsAsync(runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'wrong.xlsx', datamartsBucket: MARTS }));
  t.regex(rejected?.message ?? '', /^s3:\/\/raw\/wrong\.xlsx: sheet PLNT24 lacks the eGRID field codes ORISPL, PNAME, PSTATABB/);

  const missing = await t.throwsAsync(runEgridEtl(s3, { sourceBucket: RAW, sourceKey: 'nothing-here.xlsx', datamartsBucket: MARTS }));
  t.regex(missing?.message ?? '', /^cannot read s3:\/\/raw\/nothing-here\.xlsx: NoSuchKey/);

  t.deepEqual(await getBytes(MARTS, datamartKey(2024)), before);
  t.deepEqual(await getBytes(MARTS, metadataKey(2024)), metadataBefore);
});
