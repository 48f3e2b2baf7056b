/**
 * Fault: an ETL run killed (SIGKILL) in the middle of writing its output. The handler runs in a child
 * process, as the local Lambda runner runs it; a proxy in front of the emulator holds the write at the
 * chosen point (some DynamoDB batches applied and the rest in flight; half of the Parquet PUT body sent),
 * and the child is killed there. The service must still serve the previous data, byte for byte, and a
 * rerun must complete and be served.
 */
import test from 'ava';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient, s3Client } from '../../core/aws/clients';
import { datamartKey, metadataKey } from '../../core/egrid/datamart-layout';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { buildWorkbook, egridHeader } from '../helpers/egrid-workbooks';
import { runHandler, startHandler } from './helpers/children';
import { egridWorkbookPath, goldenFrame, loadWellSample, putObject, wellSlice } from './helpers/datasets';
import { describe, eventually, get, type Answer } from './helpers/fetching';
import { startHoldProxy } from './helpers/hold-proxy';
import { createStores, MARTS_BUCKET, RAW_BUCKET, seedDatamart, seedWell, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';

let emulators: TestEmulators;
let service: RunningService;

test.before(async () => {
  emulators = await startEmulators();
  await createStores(emulators.settings);
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
});
test.after.always(async () => {
  await service?.close();
  await emulators?.close();
});

test('well ETL killed after some DynamoDB batches: the previous rows stay served intact; a rerun completes', async (t) => {
  const sample = await loadWellSample(t);
  if (!sample) return;
  const well = 'interrupted-well';
  await seedWell(emulators.settings, well, wellSlice(sample, 0, 300));
  const oldFrame = `/imagers/${well}?min_depth=9000&max_depth=9100`;
  const newFrame = `/imagers/${well}?min_depth=9100&max_depth=9200`;
  const before = { frame: await get(`${service.url}${oldFrame}`), list: await get(`${service.url}/imagers`) };
  t.is(before.frame.status, 200, describe(before.frame));
  t.like(JSON.parse(before.frame.body.toString()), goldenFrame(sample, 0, 300));

  // The replacement: 600 other rows of the sample (24 batches of 25).
  await putObject(s3Client(emulators.settings), RAW_BUCKET, 'raw/replacement.csv', wellSlice(sample, 1000, 1600));
  let batches = 0;
  const proxy = await startHoldProxy(emulators.settings.dynamodbEndpoint!, {
    hold: (req) => String(req.headers['x-amz-target'] ?? '').endsWith('.BatchWriteItem') && ++batches > 5,
  });
  t.teardown(() => proxy.close());
  const event = { bucket: RAW_BUCKET, key: 'raw/replacement.csv', well };
  const run = startHandler('well', event, { ...emulators.settings, dynamodbEndpoint: proxy.endpoint }, { TABLE_NAME: TABLE });
  const held = await Promise.race([proxy.firstHeld, run.done.then((r) => Promise.reject(new Error(`the handler ended before a write was held: ${r.stderr}`)))]);
  t.log(`killing the handler at ${held.method} ${held.url}, ${batches - 1} batch requests sent`);
  run.kill();
  const ended = await run.done;
  t.is(ended.signal, 'SIGKILL', 'the handler was killed, it did not finish');

  // It really was mid-write: rows of the new version sit in its own slot (store layout: "<well>#<ticket>",
  // and this is the well's second ingest).
  const written = await dynamoClient(emulators.settings).send(
    new QueryCommand({ TableName: TABLE, KeyConditionExpression: '#w = :k', ExpressionAttributeNames: { '#w': 'well' }, ExpressionAttributeValues: { ':k': { S: `${well}#1` } }, Select: 'COUNT' }),
  );
  t.true((written.Count ?? 0) > 0 && (written.Count ?? 0) < 600, `${written.Count} of 600 new rows were written before the kill`);

  const after = { frame: await get(`${service.url}${oldFrame}`), list: await get(`${service.url}/imagers`) };
  t.true(after.frame.body.equals(before.frame.body), `the previous rows are served byte for byte: ${describe(after.frame)}`);
  t.true(after.list.body.equals(before.list.body), 'the well list is unchanged');
  t.is((await get(`${service.url}${newFrame}`)).status, 404, 'none of the half-written rows are served');

  const summary = await runHandler('well', event, emulators.settings, { TABLE_NAME: TABLE });
  t.like(summary, { well, rowsWritten: 600, minDepth: 9100.1, maxDepth: 9160 });
  const rerun = await get(`${service.url}${newFrame}`);
  t.is(rerun.status, 200, describe(rerun));
  t.like(JSON.parse(rerun.body.toString()), goldenFrame(sample, 1000, 1600));
  t.is((await get(`${service.url}${oldFrame}`)).status, 404, 'exactly the new rows are left');
  const killedSlot = await dynamoClient(emulators.settings).send(
    new QueryCommand({ TableName: TABLE, KeyConditionExpression: '#w = :k', ExpressionAttributeNames: { '#w': 'well' }, ExpressionAttributeValues: { ':k': { S: `${well}#1` } }, Select: 'COUNT' }),
  );
  t.is(killedSlot.Count, 0, "the rerun swept the killed ingest's rows");
});

const EGRID_QUERIES = ['/plants?year=2018', '/plants?year=2018&state=AL&top_n=4', '/states?year=2018'];
const EGRID_EVENT = { bucket: RAW_BUCKET, key: 'raw/replacement.xlsx' };

/** What the eGRID kill left, for the tests after it. */
let egridKill: { previousBytes: Uint8Array; previousEtag: string | undefined; previousMetadata: string; before: Answer[] } | undefined;

async function getObjectBytes(s3: S3Client, key: string): Promise<Uint8Array> {
  return (await s3.send(new GetObjectCommand({ Bucket: MARTS_BUCKET, Key: key }))).Body!.transformToByteArray();
}

test.serial('eGRID ETL killed halfway through the datamart PUT: the running service keeps serving the previous datamart byte for byte', async (t) => {
  const workbook = egridWorkbookPath(t);
  if (!workbook) return;
  await seedDatamart(emulators.settings, workbook);
  const s3 = s3Client(emulators.settings);
  t.teardown(() => s3.destroy());
  const previousEtag = (await s3.send(new HeadObjectCommand({ Bucket: MARTS_BUCKET, Key: datamartKey(2018) }))).ETag;
  const previousBytes = await getObjectBytes(s3, datamartKey(2018));
  const previousMetadata = Buffer.from(await getObjectBytes(s3, metadataKey(2018))).toString('utf8');
  await service.plants.refresh(); // the service started before the datamart existed
  const before = await Promise.all(EGRID_QUERIES.map((q) => get(`${service.url}${q}`)));
  before.forEach((answer, i) => t.is(answer.status, 200, `${EGRID_QUERIES[i]}: ${describe(answer)}`));

  // The replacement: a valid PLNT18 with three plants.
  const codes = ['ORISPL', 'PNAME', 'PSTATABB', 'PLNGENAN', 'LAT', 'LON', 'PLFUELCT'];
  const replacement = await buildWorkbook([
    { name: 'PLNT18', rows: [...egridHeader(codes), [1, 'Alpha', 'AL', 300, 33.1, -87.1, 'GAS'], [2, 'Beta', 'AL', 100, 33.2, -87.2, 'COAL'], [3, 'Gamma', 'TX', 50, 30.1, -97.1, 'WIND']] },
  ]);
  await putObject(s3, RAW_BUCKET, EGRID_EVENT.key, replacement);
  const proxy = await startHoldProxy(emulators.settings.s3Endpoint!, {
    hold: (req) => req.method === 'PUT' && (req.url ?? '').includes('plants.parquet'),
    forwardBodyBytes: (req) => Math.floor(Number(req.headers['content-length'] ?? 2) / 2),
  });
  t.teardown(() => proxy.close());
  const run = startHandler('egrid', EGRID_EVENT, { ...emulators.settings, s3Endpoint: proxy.endpoint }, { DATAMARTS_BUCKET: MARTS_BUCKET });
  const held = await Promise.race([proxy.firstHeld, run.done.then((r) => Promise.reject(new Error(`the handler ended before the PUT was held: ${r.stderr}`)))]);
  t.log(`killing the handler halfway through ${held.method} ${held.url}`);
  run.kill();
  t.is((await run.done).signal, 'SIGKILL', 'the handler was killed, it did not finish');
  await proxy.close(); // the emulator sees the half-sent PUT aborted
  egridKill = { previousBytes, previousEtag, previousMetadata, before };

  await service.plants.refresh();
  const after = await Promise.all(EGRID_QUERIES.map((q) => get(`${service.url}${q}`)));
  after.forEach((answer, i) => t.true(answer.body.equals(before[i]!.body), `${EGRID_QUERIES[i]} is served byte for byte as before: ${describe(answer)}`));
});

/*
 * Real S3 PUTs are atomic, and so are the local S3 front's (infrastructure/emulators/s3.ts reads a PUT's body
 * whole before s3rver writes anything): the PUT cut off above must leave the previous datamart, whole.
 */
test.serial('after that kill the datamart object is still the previous file, and a new service serves it', async (t) => {
  if (!egridKill) {
    // The scenario needs ../shared: under CI its own test has failed already; elsewhere it was skipped.
    if (process.env.CI === 'true') return t.fail('the kill scenario did not run');
    t.log('skipped: the kill scenario did not run (../shared is not beside the project)');
    return t.pass();
  }
  const s3 = s3Client(emulators.settings);
  t.teardown(() => s3.destroy());
  const head = await s3.send(new HeadObjectCommand({ Bucket: MARTS_BUCKET, Key: datamartKey(2018) }));
  const bytes = await getObjectBytes(s3, datamartKey(2018));
  const fresh = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
  t.teardown(() => fresh.close());
  const answers = await Promise.all(EGRID_QUERIES.map((q) => get(`${fresh.url}${q}`)));
  t.log(`datamart object after the kill: ETag ${head.ETag} (before ${egridKill.previousEtag}), ${bytes.length} bytes (before ${egridKill.previousBytes.length})`);
  t.log(`a new service answers ${EGRID_QUERIES[0]} with ${describe(answers[0]!)}`);
  t.true(Buffer.from(bytes).equals(Buffer.from(egridKill.previousBytes)), 'the object holds the previous datamart, whole');
  t.is(Buffer.from(await getObjectBytes(s3, metadataKey(2018))).toString('utf8'), egridKill.previousMetadata);
  answers.forEach((answer, i) => t.true(answer.body.equals(egridKill!.before[i]!.body), `a new service: ${EGRID_QUERIES[i]}: ${describe(answer)}`));
});

test.serial('eGRID ETL rerun after the kill completes and its datamart is served', async (t) => {
  if (!egridKill) return t.pass('the kill scenario did not run (no workbook)');
  const summary = await runHandler('egrid', EGRID_EVENT, emulators.settings, { DATAMARTS_BUCKET: MARTS_BUCKET });
  t.like(summary, { year: 2018, keptRows: 3, states: 2 });
  await service.plants.refresh();
  const rerun = await eventuallyPlants(service.url);
  t.deepEqual(
    rerun.map((p) => [p.plant_id, p.annual_netgen_rel]),
    [
      [1, 0.75],
      [2, 0.25],
      [3, 1],
    ],
  );
});

/** The new datamart is loaded in the background after a refresh; ask until it is the one served. */
async function eventuallyPlants(url: string): Promise<{ plant_id: number; annual_netgen_rel: number }[]> {
  return eventually(async () => {
    const answer = await get(`${url}/plants?year=2018`);
    const plants = JSON.parse(answer.body.toString()) as { plant_id: number; annual_netgen_rel: number }[];
    return answer.status === 200 && plants.length === 3 ? plants : undefined;
  }, 'the rerun datamart to be served');
}
