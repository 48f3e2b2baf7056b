/**
 * Load: the service's real main (webservice/server.ts, in its own process, both route groups over the
 * emulators with the real 2018 datamart and 600 real well rows) under 64 connections cycling through
 * the routes the benchmarks measure: no error, no non-2xx answer, no restart, memory flat.
 *
 * In `npm test` it runs LOAD_SECONDS=5 as a smoke test; the campaign is
 *   LOAD_SECONDS=60 npx ava test/reliability/load.test.ts
 * Memory is judged only on runs of 30 s or more (RSS of the service sampled every 500 ms: the last
 * third of the run may not exceed the middle third by more than 20% + 32 MB).
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { startServiceChild, type ServiceChild } from './helpers/children';
import { egridWorkbookPath, loadWellSample, wellSlice } from './helpers/datasets';
import { get } from './helpers/fetching';
import { createStores, MARTS_BUCKET, seedDatamart, seedWell, TABLE } from './helpers/seed';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 5);
const CONNECTIONS = 64;
const WELL = 'load-well';
const PATHS = [
  '/plants?year=2018&state=AL&top_n=4',
  '/plants?year=2018',
  `/imagers/${WELL}?min_depth=9000.1&max_depth=9050&colormap=gist_earth`,
  `/imagers/${WELL}?min_depth=9000.1&max_depth=9050&colormap=gist_earth&format=png`,
  '/states?year=2018',
  '/health',
];

let emulators: TestEmulators;
let service: ServiceChild | undefined;

test.before(async () => {
  emulators = await startEmulators();
  await createStores(emulators.settings);
});
test.after.always(async () => {
  await service?.stop();
  await emulators?.close();
});

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

test(`load: ${CONNECTIONS} connections for LOAD_SECONDS (${SECONDS} s) on a mix of routes: no error, no restart, memory flat`, async (t) => {
  const sample = await loadWellSample(t);
  const workbook = egridWorkbookPath(t);
  if (!sample || !workbook) return;
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, 600));
  await seedDatamart(emulators.settings, workbook);
  service = await startServiceChild({
    aws: emulators.settings,
    env: { SERVICE_ROUTES: 'plants,imagers', DATAMARTS_BUCKET: MARTS_BUCKET, TABLE_NAME: TABLE },
  });
  for (const path of PATHS) t.is((await get(`${service.url}${path}`)).status, 200, `warm-up ${path}`);
  const pid = service.pid;

  const rss: number[] = [];
  const sampler = setInterval(() => {
    rssBytes(pid).then((bytes) => rss.push(bytes), () => undefined);
  }, 500);
  let result: autocannon.Result;
  try {
    result = await autocannon({ url: service.url, connections: CONNECTIONS, duration: SECONDS, requests: PATHS.map((path) => ({ method: 'GET', path })) });
  } finally {
    clearInterval(sampler);
  }
  const third = Math.floor(rss.length / 3);
  const [middle, last] = [mean(rss.slice(third, 2 * third)), mean(rss.slice(2 * third))];
  t.log(
    `${result.requests.total} requests in ${SECONDS} s (${result.requests.average}/s), latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms; ` +
      `2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}; RSS middle third ${mb(middle)}, last third ${mb(last)}, max ${mb(Math.max(...rss))}`,
  );
  t.true(result.requests.total > 0, 'requests were made');
  t.is(result.errors, 0, 'no connection errors');
  t.is(result.timeouts, 0, 'no timeouts');
  t.is(result.non2xx, 0, 'every answer is 2xx');
  t.is(result['2xx'], result.requests.total);

  // No restart: the same process answers, and it started once.
  process.kill(pid, 0);
  t.is((await get(`${service.url}/health`)).status, 200);
  t.is(service.logs().match(/"msg":"listening"/g)?.length, 1, 'the service started once');
  if (SECONDS >= 30) t.true(last <= middle * 1.2 + 32 * 1048576, `memory flat: last third ${mb(last)} vs middle third ${mb(middle)}`);
});
