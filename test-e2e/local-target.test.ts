/**
 * The README's quick start, as a user runs it, on a fresh clone of this repository (its committed
 * HEAD): `cd challenge-N && make init && make` for both challenges at once, every printed curl line
 * pasted and its answer checked, /docs rendered, make twice (nothing redone), the infrastructure play
 * rerun (changed=0), the real data files when ../shared has them, make stop, make clean (no process,
 * no state left). Its own ports, so a developer's running instance is not disturbed.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, requireChromium } from '../test/helpers/browser';
import { PROJECT_ROOT, requireShared } from '../test/helpers/shared';
import { curlLines, eventually, freePorts, isAlive, outputFileOf, pidIn, portAnswers, run, urlOf } from './helpers';

interface Plant {
  plant_id: number;
  plant_name: string;
  state: string;
  lat: number;
  lon: number;
  fuel: string | null;
  annual_netgen_abs: number;
  annual_netgen_rel: number;
}

interface Challenge {
  name: 'challenge-1' | 'challenge-2';
  dir: string;
  servicePort: number;
  url: string;
}


async function getJson<T>(url: string | URL): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

function readPng(file: string): PNG {
  return PNG.sync.read(readFileSync(file));
}

/** Pastes every printed curl line into bash, then checks what each URL answers. */
async function checkPrintedCurls(t: ExecutionContext, c: Challenge, output: string, log: string): Promise<void> {
  const lines = curlLines(output);
  t.true(lines.length >= 3, `${c.name}: make printed curl lines:\n${output.slice(-2000)}`);
  for (const line of lines) {
    await run('bash', ['-c', line], { cwd: c.dir, log });
    const url = urlOf(line);
    t.is(url.origin, c.url, `${line} points at the service`);
    const res = await fetch(url);
    t.is(res.status, 200, `${line} answers 200`);
    const file = outputFileOf(line);
    if (file) {
      const png = readPng(file);
      t.is(png.width, 150, `${file}: 150 pixels wide`);
      t.true(png.height > 1, `${file}: several rows`);
    } else {
      // An example that answers nothing shows nothing: every JSON example finds data in the sample.
      const body = (await res.json()) as unknown;
      const found = Array.isArray(body) ? body.length : ((body as { features?: unknown[] }).features ?? [body]).length;
      t.true(found > 0, `${line} answers some data`);
    }
  }
  const urls = lines.map(urlOf);
  if (c.name === 'challenge-1') await checkPlantExamples(t, urls);
  else await checkImagerExamples(t, urls, lines);
}

async function checkPlantExamples(t: ExecutionContext, urls: URL[]): Promise<void> {
  const original = urls.find((u) => u.pathname === '/plants' && u.searchParams.get('state') === 'AL' && u.searchParams.get('top_n') === '4' && !u.searchParams.has('format'));
  const geojson = urls.find((u) => u.pathname === '/plants' && u.searchParams.get('format') === 'geojson');
  if (!original || !geojson) return void t.fail(`the original /plants?year=...&state=AL&top_n=4 call and its GeoJSON form are printed: ${urls.join(' ')}`);
  t.regex(original.searchParams.get('year') ?? '', /^\d{4}$/, 'the original call names a year');
  const plants = await getJson<Plant[]>(original);
  t.is(plants.length, 4);
  for (const p of plants) {
    t.is(p.state, 'AL');
    t.true(p.annual_netgen_rel > 0 && p.annual_netgen_rel <= 1, `${p.plant_name}: share of its state in (0, 1]`);
  }
  t.deepEqual(
    plants.map((p) => p.annual_netgen_abs),
    plants.map((p) => p.annual_netgen_abs).sort((a, b) => b - a),
    'ordered by generation',
  );
  const collection = await getJson<{ type: string; features: { geometry: { type: string; coordinates: number[] }; properties: Plant }[] }>(geojson);
  t.is(collection.type, 'FeatureCollection');
  t.deepEqual(
    collection.features.map((f) => [f.geometry.type, ...f.geometry.coordinates, f.properties.plant_id]),
    plants.map((p) => ['Point', p.lon, p.lat, p.plant_id]),
    'the same plants as map points, coordinates [lon, lat]',
  );
}

async function checkImagerExamples(t: ExecutionContext, urls: URL[], lines: string[]): Promise<void> {
  const frame = urls.find((u) => u.pathname.startsWith('/imagers/') && !u.searchParams.has('format'));
  if (!frame) return void t.fail(`a JSON frame is printed: ${urls.join(' ')}`);
  const json = await getJson<{ well_id: string; depths: number[]; data: number[][] }>(frame);
  t.true(json.depths.length >= 1 && json.data.length === json.depths.length, 'one data row per depth');
  t.true(
    json.data.every((row) => row.length === 150 && row.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)),
    'rows of 150 grey levels',
  );
  const pngLines = lines.filter((l) => outputFileOf(l) && /format=png/.test(l));
  const named = pngLines.find((l) => /colormap=/.test(l));
  const custom = pngLines.find((l) => /colors=/.test(l));
  if (!named || !custom) return void t.fail(`PNG frames with a named and a custom colour map are printed, saved to files: ${lines.join('\n')}`);
  const a = readPng(outputFileOf(named)!);
  const b = readPng(outputFileOf(custom)!);
  t.is(a.height, b.height, 'both PNGs show the same depth range');
  t.false(a.data.equals(b.data), 'the two colour maps give different images');
}

/** /docs is the Swagger UI listing the challenge's routes, as a browser renders it. */
async function checkDocs(t: ExecutionContext, c: Challenge, route: string, log: string): Promise<void> {
  const res = await fetch(`${c.url}/docs/`);
  t.is(res.status, 200);
  t.regex(await res.text(), /swagger-ui/);
  const spec = await getJson<{ paths: Record<string, unknown> }>(`${c.url}/openapi.json`);
  t.true(route in spec.paths, `${route} is in the OpenAPI document`);
  if (!requireChromium(t)) return;
  const profile = mkdtempSync(path.join(tmpdir(), 'e2e-chromium-'));
  try {
    const dom = await run(
      CHROMIUM_PATH,
      [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--virtual-time-budget=15000', '--dump-dom', `${c.url}/docs/`],
      { cwd: c.dir, log },
    );
    t.regex(dom, /class="opblock-summary-path"/, `${c.name}: Swagger UI rendered its operations`);
    t.true(dom.includes(`data-path="${route}"`), `${c.name}: Swagger UI lists ${route}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

test('fresh clone: make init && make runs both challenges locally, the printed curls work, make clean leaves nothing', async (t) => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'datalake-e2e-'));
  const clone = path.join(workdir, 'clone');
  const log = path.join(workdir, 'commands.log');
  t.log(`commands and their output: ${log} (kept when the test fails)`);
  const [s3Port, dynamodbPort, port1, port2] = await freePorts(4);
  const ports = [`S3_PORT=${s3Port}`, `DYNAMODB_PORT=${dynamodbPort}`];
  const c1: Challenge = { name: 'challenge-1', dir: path.join(clone, 'challenge-1'), servicePort: port1!, url: `http://127.0.0.1:${port1}` };
  const c2: Challenge = { name: 'challenge-2', dir: path.join(clone, 'challenge-2'), servicePort: port2!, url: `http://127.0.0.1:${port2}` };
  const make = (c: Challenge, ...args: string[]): Promise<string> => run('make', [...args, ...ports, `SERVICE_PORT=${c.servicePort}`], { cwd: c.dir, log });
  const statePath = (...parts: string[]): string => path.join(clone, '.state', ...parts);
  const pids = new Set<number>();
  const remember = (file: string): void => {
    const pid = pidIn(file);
    if (pid) pids.add(pid);
  };
  let cleaned = false;

  t.teardown(async () => {
    if (!cleaned) {
      for (const c of [c1, c2]) await make(c, 'clean').catch(() => undefined);
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (cleaned || process.env.CI === 'true') rmSync(workdir, { recursive: true, force: true });
  });

  await run('git', ['clone', '--quiet', PROJECT_ROOT, clone], { cwd: workdir, log });

  // make init, then make, in each challenge; both run at the same time.
  await make(c1, 'init');
  const first1 = await make(c1);
  const first2 = await make(c2);
  for (const file of [statePath('emulators', 's3.pid'), statePath('emulators', 'dynamodb.pid'), path.join(c1.dir, 'build/webservice/service.pid'), path.join(c2.dir, 'build/webservice/service.pid')]) remember(file);
  t.is(pids.size, 4, 'two emulators and two services run, each with its pid file');
  for (const output of [first1, first2]) t.regex(output, /SYNTHETIC sample/, 'make says the data is synthetic');
  // ETL on upload (auto_ingest, the default): make waited for the run its upload started and ran no Lambda itself.
  for (const output of [first1, first2]) {
    t.regex(output, /auto-ingest\.ts wait/, 'make preprocess waited for the run of its upload');
    t.notRegex(output, /invoke-local\.ts/, 'one upload, one ETL run: make did not invoke the Lambda again');
  }
  t.regex(await make(c2, 'logs'), /succeeded\s+s3:\/\/\S+\/synthetic-well-imager\.csv/, 'make logs lists the run');
  await checkPrintedCurls(t, c1, first1, log);
  await checkPrintedCurls(t, c2, first2, log);
  await checkDocs(t, c1, '/plants', log);
  await checkDocs(t, c2, '/imagers/{well_id}', log);

  // A second make redoes nothing: no build, upload, Lambda run or restart.
  const servicePid = pidIn(path.join(c1.dir, 'build/webservice/service.pid'));
  const second = await make(c1);
  for (const tool of ['build.ts', 'upload.ts', 'invoke-local.ts', 'synthetic.ts']) t.false(second.includes(tool), `second make does not run ${tool}`);
  t.deepEqual(second.match(/changed=\d+/g), ['changed=0', 'changed=0'], 'second make: both plays change nothing');
  t.is(pidIn(path.join(c1.dir, 'build/webservice/service.pid')), servicePid, 'the service was not restarted');

  // The infrastructure play, rerun by hand, changes nothing.
  const rerun = await run('ansible-playbook', ['infrastructure/infrastructure-play.yml', '-e', `local_s3_port=${s3Port}`, '-e', `local_dynamodb_port=${dynamodbPort}`], { cwd: c2.dir, log });
  t.regex(rerun, /changed=0\s/, 'infrastructure play rerun: changed=0');

  // The real files, where ../shared has them: make uploads and processes them, the service answers as the golden files say.
  const workbook = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  const queries = requireShared(t, 'golden', 'egrid2018_queries.json');
  if (workbook && queries) {
    await make(c1, `TEST_DATA_FILE=${workbook}`);
    const expected = (JSON.parse(readFileSync(queries, 'utf8')) as { queries: { AL_top4: { rows: Plant[] } } }).queries.AL_top4.rows;
    const served = await eventually(
      'the real datamart is served',
      async () => {
        const plants = await getJson<Plant[]>(`${c1.url}/plants?year=2018&state=AL&top_n=4`);
        return plants[0]?.plant_name.startsWith('Synthetic') ? undefined : plants;
      },
      120,
    );
    t.deepEqual(
      served.map((p) => [p.plant_id, p.plant_name, p.state, p.annual_netgen_abs]),
      expected.map((p) => [p.plant_id, p.plant_name, p.state, p.annual_netgen_abs]),
    );
    served.forEach((p, i) => t.true(Math.abs(p.annual_netgen_rel - expected[i]!.annual_netgen_rel) <= 1e-9 * expected[i]!.annual_netgen_rel));
  }
  // A file the ETL cannot use stops make at the upload, with the upload tool's own message; nothing served changes.
  const variant = requireShared(t, 'data', 'egrid', 'variants', 'egrid2018_trimmed_headers_a.xlsx');
  if (variant) {
    const before = await getJson<Plant[]>(`${c1.url}/plants?year=2018&state=AL&top_n=4`);
    const failed = await make(c1, `TEST_DATA_FILE=${variant}`).then(
      () => '',
      (err: Error) => err.message,
    );
    t.regex(failed, /rejected, nothing uploaded: egrid2018_trimmed_headers_a\.xlsx: sheet PLNT18 lacks the eGRID field codes/);
    t.notRegex(failed, /invoke-local\.ts/, 'make stopped before the Lambda step');
    t.deepEqual(await getJson<Plant[]>(`${c1.url}/plants?year=2018&state=AL&top_n=4`), before, 'the service still answers as before');
  }

  const wellCsv = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const goldenFrame = requireShared(t, 'golden', 'frame_9200.0_9250.0_gist_earth.png');
  if (wellCsv && goldenFrame) {
    await make(c2, `TEST_DATA_FILE=${wellCsv}`);
    const res = await fetch(`${c2.url}/imagers/test-well?min_depth=9200.0&max_depth=9250.0&colormap=gist_earth&format=png`);
    t.is(res.status, 200);
    const got = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    const want = readPng(goldenFrame);
    t.deepEqual([got.width, got.height], [want.width, want.height]);
    t.true(got.data.equals(want.data), 'the frame equals the golden PNG pixel for pixel');
  }

  // make stop in challenge-1: its service stops, the emulators stay for challenge-2.
  await make(c1, 'stop');
  t.false(await portAnswers(c1.servicePort), 'challenge-1 service stopped');
  t.is((await fetch(`${c2.url}/health`)).status, 200, 'challenge-2 still served');
  t.true(await portAnswers(s3Port!), 'emulators kept for challenge-2');

  // make clean, then make works again; make clean in both: no process, no state, no build output.
  await make(c1, 'clean');
  await make(c2, 'clean');
  const again = await make(c2);
  t.is(curlLines(again).length, curlLines(first2).length, 'make after make clean prints the examples again');
  remember(path.join(c2.dir, 'build/webservice/service.pid'));
  remember(statePath('emulators', 's3.pid'));
  t.is((await fetch(`${c2.url}/health`)).status, 200, 'make after make clean serves again');
  await make(c2, 'clean');
  cleaned = true;
  for (const pid of pids) t.false(isAlive(pid), `process ${pid} is gone`);
  for (const port of [s3Port!, dynamodbPort!, c1.servicePort, c2.servicePort]) t.false(await portAnswers(port), `port ${port} closed`);
  t.false(existsSync(statePath()), 'no state folder left');
  for (const c of [c1, c2]) t.false(existsSync(path.join(c.dir, 'build')), `${c.name}/build removed`);
});
