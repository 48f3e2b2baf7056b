import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { PlantRecord } from '../core/egrid/types';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';
import { closeTo } from './helpers/egrid-golden';
import { recordingLogger, type RecordingLogger } from './helpers/recording-logger';
import { createBucket, emulatorS3, goldenPlantRecords, putDatamart, servePlants, type PlantsService } from './helpers/plants-service';

const BUCKET = 'datamarts';

/** A second, small year: shows the default year is the latest, and how a plant without coordinates looks. */
const PLANTS_2016: PlantRecord[] = [
  { plant_id: 2, plant_name: 'Île Plant «Nord»', state: 'AL', lat: 33.5, lon: -86.8, fuel: 'GAS', annual_netgen_abs: 300, annual_netgen_rel: 0.75 },
  { plant_id: 1, plant_name: 'Somewhere Unmapped', state: 'AL', lat: null, lon: null, fuel: null, annual_netgen_abs: 100, annual_netgen_rel: 0.25 },
];

interface GoldenQuery {
  state: string | null;
  top_n: number | null;
  rows: Pick<PlantRecord, 'plant_id' | 'plant_name' | 'state' | 'annual_netgen_abs' | 'annual_netgen_rel'>[];
}

interface Fixture {
  emulators: TestEmulators;
  plants2018: PlantRecord[];
  service: PlantsService;
}

let fixture: Promise<Fixture> | undefined;

/** The emulator, both datamarts and a service, set up once for the tests that have the golden data. */
function setUp(goldenCsv: string): Promise<Fixture> {
  return (fixture ??= (async () => {
    const emulators = await startEmulators();
    const s3 = emulatorS3(emulators);
    const plants2018 = await goldenPlantRecords(goldenCsv);
    await createBucket(s3, BUCKET);
    await putDatamart(s3, BUCKET, 2018, plants2018);
    await putDatamart(s3, BUCKET, 2016, PLANTS_2016);
    s3.destroy();
    const service = await servePlants(emulators, BUCKET, { revalidateSeconds: 3600 });
    return { emulators, plants2018, service };
  })());
}

test.after.always(async () => {
  if (!fixture) return;
  const { emulators, service } = await fixture;
  await service.close();
  await emulators.close();
});

async function golden(t: ExecutionContext): Promise<Fixture | undefined> {
  const csv = requireShared(t, 'golden', 'egrid2018_datamart.csv');
  return csv ? setUp(csv) : undefined;
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; type: string; body: unknown }> {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
}

function queryString(q: { year?: number; state?: string | null; top_n?: number | null }): string {
  const params = new URLSearchParams();
  if (q.year !== undefined) params.set('year', String(q.year));
  if (q.state) params.set('state', q.state);
  if (q.top_n !== undefined && q.top_n !== null) params.set('top_n', String(q.top_n));
  return params.toString();
}

test('every golden query is answered with the golden rows, in order, and exactly the datamart’s values', async (t) => {
  const env = await golden(t);
  const queriesFile = requireShared(t, 'golden', 'egrid2018_queries.json');
  if (!env || !queriesFile) return;
  const { queries } = JSON.parse(await readFile(queriesFile, 'utf8')) as { queries: Record<string, GoldenQuery> };
  t.true(Object.keys(queries).length >= 5);
  for (const [name, query] of Object.entries(queries)) {
    const { status, type, body } = await getJson(`${env.service.url}/plants?${queryString({ year: 2018, ...query })}`);
    t.is(status, 200, name);
    t.regex(type, /^application\/json/, name);
    const rows = body as PlantRecord[];
    t.deepEqual(
      rows.map((r) => [r.plant_id, r.plant_name, r.state, r.annual_netgen_abs]),
      query.rows.map((r) => [r.plant_id, r.plant_name, r.state, r.annual_netgen_abs]),
      name,
    );
    // The golden shares come from the original's pandas sums; ours from the ETL's compensated sums.
    rows.forEach((r, i) => t.true(closeTo(r.annual_netgen_rel, query.rows[i]!.annual_netgen_rel, 1e-12), `${name} row ${i + 1} share`));
    // What the service sends is the datamart's rows, every field, untouched.
    const expected = env.plants2018.filter((p) => !query.state || p.state === query.state).slice(0, query.top_n ?? undefined);
    t.deepEqual(rows, expected, name);
  }
});

test('the original call answers AL’s top 4 with every field, the state in any case, the year defaulting to the latest', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const original = await getJson(`${env.service.url}/plants?year=2018&state=AL&top_n=4`);
  t.is(original.status, 200);
  const rows = original.body as PlantRecord[];
  t.deepEqual(rows.map((r) => r.plant_name), ['Browns Ferry', 'James H Miller Jr', 'Joseph M Farley', 'Plant H. Allen Franklin']);
  t.deepEqual(Object.keys(rows[0]!).sort(), ['annual_netgen_abs', 'annual_netgen_rel', 'fuel', 'lat', 'lon', 'plant_id', 'plant_name', 'state']);
  t.deepEqual(rows[0], { plant_id: 46, plant_name: 'Browns Ferry', state: 'AL', lat: 34.7042, lon: -87.1189, fuel: 'NUCLEAR', annual_netgen_abs: 25397781, annual_netgen_rel: rows[0]!.annual_netgen_rel });

  t.deepEqual((await getJson(`${env.service.url}/plants?year=2018&state=al&top_n=4`)).body, rows);
  t.deepEqual((await getJson(`${env.service.url}/plants?state=aL&top_n=4`)).body, rows, 'no year: 2018, the latest');
  const all = (await getJson(`${env.service.url}/plants?year=2018`)).body as PlantRecord[];
  t.is(all.length, env.plants2018.length, 'no top_n: every plant');
  t.is((await getJson(`${env.service.url}/plants?year=2018&top_n=100000`)).body instanceof Array, true);
  t.deepEqual((await getJson(`${env.service.url}/plants?year=2016`)).body, PLANTS_2016);
});

test('a valid state code without plants answers an empty list', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const state of ['GU', 'zz', 'Qq']) {
    const { status, body } = await getJson(`${env.service.url}/plants?year=2018&state=${state}&top_n=3`);
    t.is(status, 200, state);
    t.deepEqual(body, [], state);
  }
});

test('/states gives each state’s plant count and total generation as in the golden totals', async (t) => {
  const env = await golden(t);
  const totalsFile = requireShared(t, 'golden', 'egrid2018_state_totals.csv');
  if (!env || !totalsFile) return;
  const expected = (parse(await readFile(totalsFile, 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => ({
    state: r.state!,
    plants: Number(r.plants),
    state_netgen: Number(r.state_netgen),
  }));
  const { status, body } = await getJson(`${env.service.url}/states?year=2018`);
  t.is(status, 200);
  const states = body as typeof expected;
  t.deepEqual(states.map((s) => [s.state, s.plants]), expected.map((s) => [s.state, s.plants]));
  states.forEach((s, i) => t.true(closeTo(s.state_netgen, expected[i]!.state_netgen), `${s.state}: ${s.state_netgen} vs ${expected[i]!.state_netgen}`));
  t.deepEqual((await getJson(`${env.service.url}/states`)).body, states, 'no year: the latest');
  t.deepEqual((await getJson(`${env.service.url}/states?year=2016`)).body, [{ state: 'AL', plants: 2, state_netgen: 400 }]);
  t.is((await getJson(`${env.service.url}/states?year=2017`)).status, 404);
});

test('/years lists the years with a datamart, ascending', async (t) => {
  const env = await golden(t);
  if (!env) return;
  t.deepEqual(await getJson(`${env.service.url}/years`), { status: 200, type: 'application/json; charset=utf-8', body: [2016, 2018] });
});

interface Feature {
  type: string;
  id: number;
  geometry: { type: string; coordinates: number[] } | null;
  properties: PlantRecord;
}

test('GeoJSON: a FeatureCollection of points in [lon, lat] order with the plants as properties, by format or Accept', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const json = (await getJson(`${env.service.url}/plants?year=2018&state=AL&top_n=4`)).body as PlantRecord[];
  const byFormat = await getJson(`${env.service.url}/plants?year=2018&state=AL&top_n=4&format=geojson`);
  const byAccept = await getJson(`${env.service.url}/plants?year=2018&state=AL&top_n=4`, { headers: { accept: 'application/geo+json' } });
  for (const answer of [byFormat, byAccept]) {
    t.is(answer.status, 200);
    t.regex(answer.type, /^application\/geo\+json/);
    const collection = answer.body as { type: string; features: Feature[] };
    t.is(collection.type, 'FeatureCollection');
    t.is(collection.features.length, 4);
    collection.features.forEach((f, i) => {
      t.is(f.type, 'Feature');
      t.is(f.id, json[i]!.plant_id);
      t.deepEqual(f.geometry, { type: 'Point', coordinates: [json[i]!.lon!, json[i]!.lat!] });
      t.deepEqual(f.properties, json[i]);
    });
  }
  const browns = (byFormat.body as { features: Feature[] }).features[0]!;
  t.deepEqual(browns.geometry!.coordinates, [-87.1189, 34.7042], 'longitude first');

  const all = (await getJson(`${env.service.url}/plants?year=2018&format=geojson`)).body as { features: Feature[] };
  t.is(all.features.length, env.plants2018.length);
  t.true(all.features.every((f) => f.geometry !== null && f.geometry.coordinates[0]! >= -180 && f.geometry.coordinates[0]! <= 180 && Math.abs(f.geometry.coordinates[1]!) <= 90));

  const unmapped = (await getJson(`${env.service.url}/plants?year=2016&format=geojson`)).body as { features: Feature[] };
  t.deepEqual(unmapped.features[1], { type: 'Feature', id: 1, geometry: null, properties: PLANTS_2016[1]! }, 'no coordinates: geometry null (RFC 7946 §3.2)');
  t.is((await getJson(`${env.service.url}/plants?year=2018&state=AL&top_n=1&format=json`, { headers: { accept: 'application/geo+json' } })).type.split(';')[0], 'application/json', 'format wins over Accept');
  t.is((await getJson(`${env.service.url}/plants?year=2018&top_n=1`, { headers: { accept: 'text/html' } })).status, 200, 'other Accept values get JSON');
});

const BAD_REQUESTS: [string, RegExp][] = [
  ['state=ALA', /state/],
  ['state=A', /state/],
  ['state=', /state/],
  ['state=1A', /state/],
  ['state=%C3%89%C3%89', /state/],
  ['state=A%0A', /state/],
  ['state=AL&state=AK', /state/],
  ['top_n=0', /top_n/],
  ['top_n=-1', /top_n/],
  ['top_n=100001', /top_n/],
  ['top_n=99999999999999999999999', /top_n/],
  ['top_n=4.5', /top_n/],
  ['top_n=abc', /top_n/],
  ['top_n=NaN', /top_n/],
  ['top_n=Infinity', /top_n/],
  ['top_n=1e3', /top_n/],
  ['top_n=', /top_n/],
  ['top_n=4&top_n=5', /top_n/],
  ['year=abc', /year/],
  ['year=NaN', /year/],
  ['year=-Infinity', /year/],
  ['year=2018.5', /year/],
  ['year=2018&year=2016', /year/],
  ['format=xml', /format/],
  ['format=GEOJSON%00', /format/],
];

test('bad parameters answer 400 with a detail naming the parameter', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const [query, names] of BAD_REQUESTS) {
    const { status, body } = await getJson(`${env.service.url}/plants?${query}`);
    t.is(status, 400, query);
    t.regex((body as { detail: string }).detail, names, query);
  }
  t.is((await getJson(`${env.service.url}/states?year=twenty`)).status, 400);
});

test('an unknown year answers 404 "Data for this year is not found"', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const year of ['1999', '2017', '-5', '0', '99999999999999999999']) {
    const { status, body } = await getJson(`${env.service.url}/plants?year=${year}&state=AL&top_n=4`);
    t.is(status, 404, year);
    t.deepEqual(body, { detail: 'Data for this year is not found' }, year);
  }
});

test('no request makes the plant routes answer 500', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const queries = [
    'year=%',
    'year=%ZZ',
    'state=%E0%A4%A',
    'year[]=2018',
    'year[a]=1&state[b]=c',
    'top_n=%00',
    `state=${'A'.repeat(10000)}`,
    `top_n=${'9'.repeat(400)}`,
    'year=0x7E2',
    'year= 2018',
    'top_n=+4',
    'format=',
    'state=%F0%9F%94%A5%F0%9F%94%A5',
    '__proto__=1&constructor=2',
    'year=2018&state=AL&top_n=4&unknown=1',
  ];
  for (const route of ['plants', 'states']) {
    for (const query of queries) {
      const res = await fetch(`${env.service.url}/${route}?${query}`);
      t.true(res.status < 500, `${route}?${query} answered ${res.status}`);
      const body = (await res.json()) as unknown;
      if (res.status >= 400) t.is(typeof (body as { detail?: unknown }).detail, 'string', `${route}?${query}`);
    }
  }
});

test('requests are answered from memory: a rewritten datamart shows only after revalidation, then from its own cache entry', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const bucket = 'rewrites';
  const s3 = emulatorS3(env.emulators);
  t.teardown(() => s3.destroy());
  await createBucket(s3, bucket);
  await putDatamart(s3, bucket, 2018, env.plants2018);
  const service = await servePlants(env.emulators, bucket, { revalidateSeconds: 3600 });
  t.teardown(() => service.close());
  const top1 = async (): Promise<string> => ((await getJson(`${service.url}/plants?year=2018&state=AL&top_n=1`)).body as PlantRecord[])[0]!.plant_name;

  t.is(await top1(), 'Browns Ferry');
  await putDatamart(s3, bucket, 2018, env.plants2018.filter((p) => p.plant_id !== 46));
  t.is(await top1(), 'Browns Ferry', 'no S3 call on the request path: the loaded version until revalidation');
  await service.backend.refresh();
  t.is(await top1(), 'James H Miller Jr');
  const entries = await readdir(service.config.cacheDir);
  t.is(entries.filter((name) => name.startsWith('datamart')).length, 1, 'one cache entry: the new ETag replaced the old');
});

test('a rewritten datamart is served once the periodic revalidation sees its new ETag', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const bucket = 'periodic';
  const s3 = emulatorS3(env.emulators);
  t.teardown(() => s3.destroy());
  await createBucket(s3, bucket);
  await putDatamart(s3, bucket, 2016, PLANTS_2016);
  const service = await servePlants(env.emulators, bucket, { revalidateSeconds: 0.2 });
  t.teardown(() => service.close());
  /**
   * The plant names served, or the status and body: the local S3 writes an object in place, not atomically
   * as S3 does, so a listing or a read in the middle of the rewrite may miss the object (404) or fail with
   * S3's internal error (the service's 503); nothing else may interrupt the answers.
   */
  const names = async (): Promise<string[] | { status: number; body: unknown }> => {
    const { status, body } = await getJson(`${service.url}/plants?year=2016`);
    return status === 200 ? (body as PlantRecord[]).map((p) => p.plant_name) : { status, body };
  };

  t.deepEqual(await names(), PLANTS_2016.map((p) => p.plant_name));
  await putDatamart(s3, bucket, 2016, [{ ...PLANTS_2016[0]!, plant_name: 'Renamed' }]);
  let seen = await names();
  for (let attempt = 0; attempt < 100 && !(Array.isArray(seen) && seen[0] === 'Renamed'); attempt++) {
    if (!Array.isArray(seen)) {
      t.true(seen.status === 503 || seen.status === 404, `only the local S3's rewrite may interrupt the answers: ${JSON.stringify(seen)}`);
      t.log(`while the object was rewritten: ${JSON.stringify(seen)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen = await names();
  }
  t.deepEqual(seen, ['Renamed']);
  t.deepEqual((await getJson(`${service.url}/years`)).body, [2016]);
});

function loadedFrom(log: RecordingLogger): unknown[] {
  return log.lines.filter((l) => l.msg === 'datamart loaded').map((l) => l.fields?.source);
}

test('a restarted service reads the datamart from its cache folder; a damaged cache file is refetched from S3', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'plants-restart-'));
  t.teardown(() => rm(cacheDir, { recursive: true, force: true }));
  const url = (service: PlantsService): string => `${service.url}/plants?year=2018&state=AL&top_n=4`;
  const expected = env.plants2018.filter((p) => p.state === 'AL').slice(0, 4);

  const firstLog = recordingLogger();
  const first = await servePlants(env.emulators, BUCKET, { cacheDir, log: firstLog });
  t.deepEqual((await getJson(url(first))).body, expected);
  await first.close();
  t.deepEqual(loadedFrom(firstLog), ['s3']);

  const secondLog = recordingLogger();
  const second = await servePlants(env.emulators, BUCKET, { cacheDir, log: secondLog });
  t.deepEqual((await getJson(url(second))).body, expected);
  await second.close();
  t.deepEqual(loadedFrom(secondLog), ['cache']);

  const [entry] = (await readdir(cacheDir)).filter((name) => name.startsWith('datamart'));
  await writeFile(path.join(cacheDir, entry!), 'DLCACHE1\n{"key":');
  const thirdLog = recordingLogger();
  const third = await servePlants(env.emulators, BUCKET, { cacheDir, log: thirdLog });
  t.teardown(() => third.close());
  t.deepEqual((await getJson(url(third))).body, expected);
  t.deepEqual(loadedFrom(thirdLog), ['s3']);
});

test('an empty datamarts bucket has no years and answers 404 for plants', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const s3 = emulatorS3(env.emulators);
  t.teardown(() => s3.destroy());
  await createBucket(s3, 'empty');
  const service = await servePlants(env.emulators, 'empty');
  t.teardown(() => service.close());
  t.deepEqual((await getJson(`${service.url}/years`)).body, []);
  t.deepEqual(await getJson(`${service.url}/plants`), { status: 404, type: 'application/json; charset=utf-8', body: { detail: 'Data for this year is not found' } });
  const missing = await servePlants(env.emulators, 'no-such-bucket');
  t.teardown(() => missing.close());
  const res = await getJson(`${missing.url}/plants?year=2018`);
  t.is(res.status, 503, 'a missing bucket is the service being unavailable, not a client error');
  t.regex((res.body as { detail: string }).detail, /no-such-bucket/);
});

test('with the S3 emulator stopped, /health and then the plant routes answer 503', async (t) => {
  const own = await startEmulators();
  let stopped = false;
  t.teardown(() => (stopped ? undefined : own.close()));
  const s3 = emulatorS3(own);
  await createBucket(s3, BUCKET);
  await putDatamart(s3, BUCKET, 2016, PLANTS_2016);
  s3.destroy();
  const log = recordingLogger();
  const service = await servePlants(own, BUCKET, { revalidateSeconds: 0.2, log });
  t.teardown(() => service.close());
  t.is((await getJson(`${service.url}/plants?year=2016&top_n=1`)).status, 200);
  t.is((await fetch(`${service.url}/health`)).status, 200);

  await own.close();
  stopped = true;
  const health = await getJson(`${service.url}/health`);
  t.is(health.status, 503);
  // Data already in memory may be served while it is less than two revalidation periods old; then 503.
  let answer = await getJson(`${service.url}/plants?year=2016&top_n=1`);
  for (let attempt = 0; attempt < 100 && answer.status === 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await getJson(`${service.url}/plants?year=2016&top_n=1`);
  }
  t.is(answer.status, 503);
  t.is(typeof (answer.body as { detail: string }).detail, 'string');
  t.is((await getJson(`${service.url}/years`)).status, 503);
  t.is((await getJson(`${service.url}/states`)).status, 503);
  t.true(log.warnings().some((w) => w.msg === 'revalidating the datamarts failed'));
});
