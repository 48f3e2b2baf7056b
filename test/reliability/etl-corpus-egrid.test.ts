/**
 * Bad input to the eGRID ETL (the Lambda handler, S3 → Parquet datamart through the emulator): the real
 * workbook makes the 2018 datamart first; then every broken workbook of the corpus (each would replace
 * 2018 if it were accepted) must be rejected with a message naming the file and what is wrong, and the
 * 2018 datamart must be served byte for byte as before, its object and metadata untouched. A workbook
 * with text, errors and blanks in numeric cells is processed: those rows are dropped and counted.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../core/aws/clients';
import { datamartKey, metadataKey } from '../../core/egrid/datamart-layout';
import { handler } from '../../lambda/egrid';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { requireShared } from '../helpers/shared';
import { brokenWorkbooks, truncatedWorkbooks, workbookWithTextInNumbers } from './corpus';
import { egridWorkbookPath, putObject } from './helpers/datasets';
import { describe, get } from './helpers/fetching';
import { createStores, MARTS_BUCKET, RAW_BUCKET, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';

let emulators: TestEmulators;
let service: RunningService;
let s3: S3Client;

test.before(async () => {
  emulators = await startEmulators();
  await createStores(emulators.settings);
  Object.assign(process.env, { AWS_REGION: emulators.settings.region, S3_ENDPOINT: emulators.settings.s3Endpoint, DATAMARTS_BUCKET: MARTS_BUCKET });
  s3 = s3Client(emulators.settings);
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
});
test.after.always(async () => {
  s3?.destroy();
  await service?.close();
  await emulators?.close();
});

async function objectText(key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: MARTS_BUCKET, Key: key }))).Body!.transformToString();
}

async function martKeys(): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: MARTS_BUCKET }))).Contents ?? []).map((o) => o.Key!).sort();
}

test.serial('every broken workbook is rejected naming the file and what is wrong; the 2018 datamart is served as before', async (t) => {
  const workbook = egridWorkbookPath(t);
  const variantA = requireShared(t, 'data', 'egrid', 'variants', 'egrid2018_trimmed_headers_a.xlsx');
  const variantB = requireShared(t, 'data', 'egrid', 'variants', 'egrid2018_renamed_headers_b.xlsx');
  if (!workbook || !variantA || !variantB) return;
  const real = await readFile(workbook);
  await putObject(s3, RAW_BUCKET, 'good/egrid2018.xlsx', real);
  t.like(await handler({ bucket: RAW_BUCKET, key: 'good/egrid2018.xlsx' }), { year: 2018, keptRows: 8955 });
  await service.plants.refresh();
  const queries = ['/plants?year=2018', '/plants?year=2018&state=AL&top_n=4&format=geojson', '/states?year=2018', '/years'];
  const before = await Promise.all(queries.map((q) => get(`${service.url}${q}`)));
  before.forEach((answer, i) => t.is(answer.status, 200, `${queries[i]}: ${describe(answer)}`));
  const etag = (await s3.send(new HeadObjectCommand({ Bucket: MARTS_BUCKET, Key: datamartKey(2018) }))).ETag;
  const metadata = await objectText(metadataKey(2018));
  const keys = await martKeys();

  const corpus = await brokenWorkbooks(real, [
    { name: 'a (trimmed headers)', body: await readFile(variantA) },
    { name: 'b (renamed headers)', body: await readFile(variantB) },
  ]);
  const problems: string[] = [];
  for (const [i, bad] of corpus.entries()) {
    const key = `corpus/${i}.xlsx`;
    await putObject(s3, RAW_BUCKET, key, bad.body);
    let message: string | undefined;
    try {
      const result = await handler({ bucket: RAW_BUCKET, key });
      problems.push(`${bad.name}: accepted (${JSON.stringify(result)})`);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    if (message !== undefined) {
      t.log(`${bad.name}: ${message.slice(0, 220)}`);
      if (!bad.problem.test(message)) problems.push(`${bad.name}: message does not name the problem (${String(bad.problem)}): ${message.slice(0, 300)}`);
      if (!message.includes(`s3://${RAW_BUCKET}/${key}`)) problems.push(`${bad.name}: message does not name the file s3://${RAW_BUCKET}/${key}: ${message.slice(0, 300)}`);
    }
  }
  // A workbook naming a year it does not hold.
  try {
    await handler({ bucket: RAW_BUCKET, key: 'good/egrid2018.xlsx', year: 2019 });
    problems.push('event year 2019 for a PLNT18 workbook: accepted');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    t.log(`event year 2019 for a PLNT18 workbook: ${message}`);
    if (!/no sheet PLNT19 for year 2019; sheets found: .*PLNT18/.test(message)) problems.push(`event year 2019: message does not name the problem: ${message}`);
  }
  t.deepEqual(problems, [], `${problems.length} problems over ${corpus.length + 1} broken inputs`);

  t.is((await s3.send(new HeadObjectCommand({ Bucket: MARTS_BUCKET, Key: datamartKey(2018) }))).ETag, etag, 'the 2018 datamart object is untouched');
  t.is(await objectText(metadataKey(2018)), metadata, 'and so is its metadata');
  t.deepEqual(await martKeys(), keys, 'no other object appeared in the datamarts bucket');
  await service.plants.refresh();
  const after = await Promise.all(queries.map((q) => get(`${service.url}${q}`)));
  after.forEach((answer, i) => t.true(answer.body.equals(before[i]!.body), `${queries[i]} is served byte for byte as before: ${describe(answer)}`));
});

test.serial('text, error cells and blanks in numeric cells: those rows are dropped and counted, the rest is the datamart', async (t) => {
  const { body, expectedPlants, droppedMissing } = await workbookWithTextInNumbers();
  await putObject(s3, RAW_BUCKET, 'odd/text-in-numbers.xlsx', body);
  t.like(await handler({ bucket: RAW_BUCKET, key: 'odd/text-in-numbers.xlsx' }), { year: 2017, rowsRead: 7, droppedMissing, droppedNegative: 0, keptRows: expectedPlants.length, states: 2 });
  await service.plants.refresh();
  const answer = await get(`${service.url}/plants?year=2017`);
  t.is(answer.status, 200, describe(answer));
  const plants = JSON.parse(answer.body.toString()) as { plant_id: number; state: string; annual_netgen_rel: number; lat: number | null }[];
  t.deepEqual(
    plants.map((p) => [p.plant_id, p.state, p.annual_netgen_rel, p.lat]),
    expectedPlants,
  );
});

/** Longer than reading any of these inputs takes, by orders of magnitude: past it, the ETL hangs. */
const HANG_GUARD_MS = 8000;

/*
 * A workbook cut inside an entry, arriving as a stream (the S3 body): the exceljs streaming reader used
 * before neither ended nor failed on it (the Lambda ran into its timeout). The reader now goes through
 * the zip's central directory, so a cut file is rejected at once, naming the file. The guard keeps a
 * regression from hanging the suite.
 */
for (const bad of truncatedWorkbooks(Buffer.alloc(0))) {
  test(`${bad.name} is rejected with a message naming it, never hangs`, async (t) => {
    const workbook = egridWorkbookPath(t);
    if (!workbook) return;
    const body = truncatedWorkbooks(await readFile(workbook)).find((c) => c.name === bad.name)!.body;
    const key = `corpus/truncated-${bad.name.replace(/\W+/g, '-')}.xlsx`;
    await putObject(s3, RAW_BUCKET, key, body);
    const outcome = await Promise.race([
      handler({ bucket: RAW_BUCKET, key }).then(
        (result) => `accepted: ${JSON.stringify(result)}`,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve(`still running after ${HANG_GUARD_MS} ms: hangs`), HANG_GUARD_MS).unref()),
    ]);
    t.log(`observed: ${outcome}`);
    t.regex(outcome, bad.problem);
    t.true(outcome.includes(`s3://${RAW_BUCKET}/${key}`), 'the message names the file');
  });
}
