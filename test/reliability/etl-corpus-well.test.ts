/**
 * Bad input to the well ETL (the Lambda handler, S3 → DynamoDB through the emulators): a good well is
 * ingested first; then each broken CSV of the corpus is sent against the same well id and must be
 * rejected with a message naming the file and the problem (with its line), writing nothing; the good
 * well is then still served byte for byte as before. Inputs that are merely unusual (CRLF, trailing empty
 * rows, ten times the sample's size) are processed correctly.
 */
import test from 'ava';
import { dynamoClient, s3Client } from '../../core/aws/clients';
import { WellStore } from '../../core/well/store';
import { handler } from '../../lambda/well';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { tableRows } from '../helpers/well-tables';
import { brokenWellCsvs, repeatedWellCsv, utf16Csv } from './corpus';
import { goldenFrame, loadWellSample, putObject, wellSlice } from './helpers/datasets';
import { describe, get } from './helpers/fetching';
import { createStores, MARTS_BUCKET, RAW_BUCKET, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';

const GOOD = 'corpus-well';

let emulators: TestEmulators;
let service: RunningService;

test.before(async () => {
  emulators = await startEmulators();
  await createStores(emulators.settings);
  Object.assign(process.env, {
    AWS_REGION: emulators.settings.region,
    S3_ENDPOINT: emulators.settings.s3Endpoint,
    DYNAMODB_ENDPOINT: emulators.settings.dynamodbEndpoint,
    TABLE_NAME: TABLE,
  });
  delete process.env.IMAGES_SIZE;
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
});
test.after.always(async () => {
  await service?.close();
  await emulators?.close();
});

async function upload(key: string, body: string | Buffer): Promise<void> {
  const s3 = s3Client(emulators.settings);
  try {
    await putObject(s3, RAW_BUCKET, key, body);
  } finally {
    s3.destroy();
  }
}

/** Rows of the well in every slot it may have (store layout: "<well>" or "<well>#<ticket>"). */
async function rowsOfWell(well: string): Promise<Map<string, number>> {
  const slots = new Map<string, number>();
  for (const [key, depths] of await tableRows(dynamoClient(emulators.settings), TABLE)) {
    if (key === well || key.startsWith(`${well}#`)) slots.set(key, depths.length);
  }
  return slots;
}

test.serial('every broken CSV is rejected with a message naming the file and the problem; the good well is served as before', async (t) => {
  const sample = await loadWellSample(t);
  if (!sample) return;
  await upload('good/corpus-well.csv', wellSlice(sample, 0, 400));
  t.like(await handler({ bucket: RAW_BUCKET, key: 'good/corpus-well.csv', well: GOOD }), { rowsWritten: 400 });
  const queries = [`/imagers/${GOOD}?min_depth=9000&max_depth=9100`, `/imagers/${GOOD}?min_depth=9000&max_depth=9100&colormap=gist_earth&format=png`, '/imagers'];
  const before = await Promise.all(queries.map((q) => get(`${service.url}${q}`)));
  before.forEach((answer, i) => t.is(answer.status, 200, `${queries[i]}: ${describe(answer)}`));
  t.like(JSON.parse(before[0]!.body.toString()), goldenFrame(sample, 0, 400));

  const problems: string[] = [];
  const corpus = brokenWellCsvs(sample.header, sample.lines);
  for (const [i, bad] of corpus.entries()) {
    const key = `corpus/${i}.csv`;
    await upload(key, bad.body);
    let message: string | undefined;
    try {
      const result = await handler({ bucket: RAW_BUCKET, key, well: GOOD });
      problems.push(`${bad.name}: accepted (${JSON.stringify(result)})`);
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    if (message !== undefined) {
      t.log(`${bad.name}: ${message.slice(0, 200)}`);
      if (!bad.problem.test(message)) problems.push(`${bad.name}: message does not name the problem (${String(bad.problem)}): ${message.slice(0, 300)}`);
      if (!message.includes(`s3://${RAW_BUCKET}/${key}`)) problems.push(`${bad.name}: message does not name the file s3://${RAW_BUCKET}/${key}: ${message.slice(0, 300)}`);
    }
    // A rejected file writes nothing: the good file's 400 rows are all the well has in the table.
    const slots = await rowsOfWell(GOOD);
    if (slots.size !== 1 || [...slots.values()][0] !== 400) problems.push(`${bad.name}: the table holds ${JSON.stringify([...slots])} for the well (expected its 400 rows in one slot)`);
  }
  t.deepEqual(problems, [], `${problems.length} of ${corpus.length} broken CSVs were not handled as required`);

  const after = await Promise.all(queries.map((q) => get(`${service.url}${q}`)));
  after.forEach((answer, i) => t.true(answer.body.equals(before[i]!.body), `${queries[i]} is served byte for byte as before`));
});

test('a UTF-16 CSV with its byte order mark is processed like the original', async (t) => {
  const sample = await loadWellSample(t);
  if (!sample) return;
  await upload('unusual/utf16.csv', utf16Csv(wellSlice(sample, 3000, 3100)));
  t.like(await handler({ bucket: RAW_BUCKET, key: 'unusual/utf16.csv', well: 'corpus-utf16' }), { rowsRead: 100, rowsWritten: 100 });
  const answer = await get(`${service.url}/imagers/corpus-utf16?min_depth=9000&max_depth=9500`);
  t.is(answer.status, 200, describe(answer));
  t.like(JSON.parse(answer.body.toString()), goldenFrame(sample, 3000, 3100));
});

test('a CSV with CRLF line endings and trailing empty rows is processed like the original', async (t) => {
  const sample = await loadWellSample(t);
  if (!sample) return;
  const body = wellSlice(sample, 2000, 2300).replace(/\n/g, '\r\n') + ','.repeat(200) + '\r\n' + '\r\n';
  await upload('unusual/crlf.csv', body);
  t.like(await handler({ bucket: RAW_BUCKET, key: 'unusual/crlf.csv', well: 'corpus-crlf' }), { rowsRead: 301, rowsDropped: 1, rowsWritten: 300 });
  const answer = await get(`${service.url}/imagers/corpus-crlf?min_depth=9000&max_depth=9500`);
  t.is(answer.status, 200, describe(answer));
  t.like(JSON.parse(answer.body.toString()), goldenFrame(sample, 2000, 2300));
});

test('ten times the sample (depths shifted per copy) is ingested whole and correctly', async (t) => {
  const sample = await loadWellSample(t);
  if (!sample) return;
  const times = 10;
  const { csv, spanTenths } = repeatedWellCsv(sample.header, sample.lines, times);
  await upload('big/well_x10.csv', csv);
  const summary = await handler({ bucket: RAW_BUCKET, key: 'big/well_x10.csv', well: 'corpus-x10' });
  const rows = sample.lines.length * times;
  t.log(`${(csv.length / 1e6).toFixed(1)} MB CSV: ${JSON.stringify(summary)}`);
  t.like(summary, { well: 'corpus-x10', rowsRead: rows, rowsDropped: 0, rowsWritten: rows, inputWidth: 200, width: 150 });

  // Every stored row equals the golden row it was copied from.
  const frame = await new WellStore({ client: dynamoClient(emulators.settings), tableName: TABLE }).readFrame('corpus-x10', 0, Number.MAX_SAFE_INTEGER);
  t.is(frame?.depthsTenths.length, rows);
  const mismatches: number[] = [];
  for (let r = 0; r < rows; r++) {
    const golden = sample.golden[r % sample.lines.length]!;
    const copy = Math.floor(r / sample.lines.length);
    const row = frame!.pixels.subarray(r * 150, (r + 1) * 150);
    if (frame!.depthsTenths[r] !== golden[0]! + copy * spanTenths || row.some((v, c) => v !== golden[c + 1])) mismatches.push(r);
  }
  t.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} rows differ from the golden rows`);

  // And the service serves a frame from the last copy as the golden one.
  const last = (times - 1) * spanTenths;
  const answer = await get(`${service.url}/imagers/corpus-x10?min_depth=${(90001 + last) / 10}&max_depth=${(90100 + last) / 10}`);
  t.is(answer.status, 200, describe(answer));
  t.deepEqual(JSON.parse(answer.body.toString()).data, goldenFrame(sample, 0, 100).data);
});
