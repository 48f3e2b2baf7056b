/**
 * Memory under heavy answers: the service's real main (webservice/server.ts, its own process) over the
 * emulators with the whole real sample, then 256 concurrent requests for the whole well as colour JSON
 * (14.5 MB each). Frames are streamed with back-pressure and admitted within the memory budget
 * (IMAGERS_MEMORY_BUDGET_MB), so the process's peak RSS stays under 512 MB, every answer is either
 * complete or a 503 with Retry-After, and nothing else goes wrong.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { startServiceChild, type ServiceChild } from './helpers/children';
import { loadWellSample, wellSlice } from './helpers/datasets';
import { createStores, seedWell, TABLE } from './helpers/seed';

const WELL = 'heavy-well';
const CONCURRENT = Number(process.env.HEAVY_CONCURRENT ?? 256);
const RSS_LIMIT = 512 * 1024 * 1024;
const WHOLE_WELL = `/imagers/${WELL}?min_depth=0&max_depth=100000&colormap=gist_earth`;

let emulators: TestEmulators | undefined;
let service: ServiceChild | undefined;

test.after.always(async () => {
  await service?.stop();
  await emulators?.close();
});

interface Outcome {
  status: number;
  bytes: number;
  retryAfter: string | undefined;
  error: string | undefined;
}

/** One request on its own connection; the body is counted and dropped, read as fast as it comes. */
function fetchCounting(url: string, agent: http.Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, retryAfter: res.headers['retry-after'], error: undefined }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, bytes, retryAfter: undefined, error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, bytes: 0, retryAfter: undefined, error: err.message }));
  });
}

async function statusOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} for ${pid}`);
  return Number(kb) * 1024;
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;

test(`${CONCURRENT} concurrent whole-well colour JSON requests: peak RSS under 512 MB, every answer complete or 503 with Retry-After`, async (t) => {
  t.timeout(300_000, 'gigabytes of JSON on a shared machine');
  const sample = await loadWellSample(t);
  if (!sample) return;
  emulators = await startEmulators();
  await createStores(emulators.settings);
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, sample.lines.length));
  service = await startServiceChild({ aws: emulators.settings, env: { SERVICE_ROUTES: 'imagers', TABLE_NAME: TABLE } });

  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const warm = await fetchCounting(`${service.url}${WHOLE_WELL}`, agent);
  t.is(warm.status, 200);
  t.true(warm.bytes > 14_000_000, `whole well as colour JSON: ${warm.bytes} bytes`);
  const before = await statusOf(service.pid, 'VmRSS');

  const outcomes = await Promise.all(Array.from({ length: CONCURRENT }, () => fetchCounting(`${service!.url}${WHOLE_WELL}`, agent)));
  const peak = await statusOf(service.pid, 'VmHWM');
  const ok = outcomes.filter((o) => o.status === 200);
  const refused = outcomes.filter((o) => o.status === 503);
  const other = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
  t.log(`${ok.length} answered whole, ${refused.length} refused (503); RSS before ${mb(before)}, peak ${mb(peak)}`);

  t.true(peak < RSS_LIMIT, `peak RSS ${mb(peak)} < 512 MB`);
  t.deepEqual(other.map((o) => `${o.status} ${o.error ?? ''}`), [], 'no error other than 503');
  t.true(ok.length > 0, 'some answers fit the budget');
  t.true(ok.every((o) => o.bytes === warm.bytes && o.error === undefined), 'every 200 is complete');
  t.true(refused.every((o) => o.retryAfter === '1'), 'every 503 says when to retry');

  // The service is still whole: the refused ones succeed once asked again.
  const retried = await Promise.all(refused.slice(0, 8).map(() => fetchCounting(`${service!.url}${WHOLE_WELL}`, agent)));
  t.true(retried.every((o) => o.status === 200 && o.bytes === warm.bytes));
  t.is((await fetchCounting(`${service.url}/health`, agent)).status, 200);
  agent.destroy();
});
