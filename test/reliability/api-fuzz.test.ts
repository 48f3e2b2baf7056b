/**
 * Bad input to the API, property-based: requests generated from the service's own /openapi.json for
 * every route (both route groups, real emulator-backed stores holding a slice of the real well sample
 * and the real 2018 datamart). Every answer must be 2xx or 4xx — never 5xx — with a JSON body
 * ({"detail"} for errors), GeoJSON where asked, or a PNG where asked; the service stays up.
 */
import test from 'ava';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { operationsOf, requestArbitrary, shortTarget, type ApiRequest, type OpenApi } from './helpers/api-requests';
import { egridWorkbookPath, loadWellSample, wellSlice } from './helpers/datasets';
import { describe, get, type Answer } from './helpers/fetching';
import { createStores, MARTS_BUCKET, seedDatamart, seedWell, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';
import { PAGES } from '../../webservice/pages/registry';

/** Sized so the property runs in well under 40 s on a loaded 2-core machine. */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
const WELL = 'well_imager_200';

let emulators: TestEmulators;
let service: RunningService;

test.before(async () => {
  emulators = await startEmulators();
  await createStores(emulators.settings);
});
test.after.always(async () => {
  await service?.close();
  await emulators?.close();
});

const PAGE_PATHS = new Set(['/', ...PAGES.map((page) => page.route)]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Why an answer breaks the contract, or undefined when it keeps it. */
function contractProblem(answer: Answer): string | undefined {
  if (answer.status >= 500) return 'a 5xx answer';
  if (answer.status < 200 || answer.status >= 500 || (answer.status >= 300 && answer.status < 400)) return 'neither 2xx nor 4xx';
  const type = answer.contentType.split(';')[0]!.trim();
  // A generated path with dot segments can land on a page (`/states/..` is `/`): HTML is its contract.
  if (type === 'text/html' && PAGE_PATHS.has(new URL(answer.url).pathname)) return answer.status === 200 ? undefined : 'an error as a page';
  if (type === 'image/png') {
    if (answer.status !== 200) return 'an error as PNG';
    if (!answer.body.subarray(0, 8).equals(PNG_SIGNATURE)) return 'a PNG content type without a PNG';
    try {
      PNG.sync.read(answer.body);
    } catch (err) {
      return `an unreadable PNG: ${String(err)}`;
    }
    return undefined;
  }
  if (type !== 'application/json' && type !== 'application/geo+json') return `content type "${answer.contentType}" (expected JSON, GeoJSON or PNG)`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return 'a body that is not JSON';
  }
  if (answer.status >= 400 && (typeof parsed !== 'object' || parsed === null || typeof (parsed as { detail?: unknown }).detail !== 'string')) return 'an error body without {"detail": string}';
  return undefined;
}

test('generated requests for every route answer 2xx/4xx with JSON, GeoJSON or PNG bodies, never 5xx; the service stays up', async (t) => {
  const sample = await loadWellSample(t);
  const workbook = egridWorkbookPath(t);
  if (!sample || !workbook) return;
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, 800));
  await seedDatamart(emulators.settings, workbook);
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });

  const api = JSON.parse((await get(`${service.url}/openapi.json`)).body.toString()) as OpenApi;
  const operations = operationsOf(api);
  for (const route of ['GET /plants', 'GET /states', 'GET /years', 'GET /imagers', 'GET /imagers/{well_id}', 'GET /colormaps', 'GET /health']) {
    t.true(operations.includes(route), `${route} is in the OpenAPI document`);
  }
  const colormaps = JSON.parse((await get(`${service.url}/colormaps`)).body.toString()) as string[];
  const known = { wellIds: [WELL, 'no-such-well'], colormaps: [...colormaps.slice(0, 5), 'gist_earth', 'viridis_r'], minDepth: 9000, maxDepth: 9080 };

  const seen = new Map<string, Map<number, number>>();
  const record = (request: ApiRequest, answer: Answer): void => {
    const statuses = seen.get(request.operation) ?? new Map<number, number>();
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    seen.set(request.operation, statuses);
  };

  const property = fc.asyncProperty(requestArbitrary(api, known), async (request) => {
    const answer = await get(`${service.url}${request.target}`, request.headers);
    record(request, answer);
    const problem = contractProblem(answer);
    if (problem) throw new Error(`${problem}: GET ${shortTarget(request.target)} ${JSON.stringify(request.headers)} -> ${describe(answer)}`);
  });
  try {
    await fc.assert(property, { numRuns: NUM_RUNS });
  } catch (err) {
    // ava does not print an error's cause; the counterexample's own failure is in it.
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(`${(err as Error).message}\nfailure: ${cause instanceof Error ? cause.message : String(cause)}`);
  }

  const summary = Object.fromEntries([...seen].map(([op, statuses]) => [op, Object.fromEntries([...statuses].sort(([a], [b]) => a - b))]));
  t.log('answers by route and status:', summary);
  for (const operation of operations) t.true(seen.has(operation), `${operation} was exercised`);
  // The generator reaches the data, not only the validation errors.
  t.true(seen.get('GET /imagers/{well_id}')?.has(200), 'some frames were served');
  t.true(seen.get('GET /plants')?.has(200), 'some plants were served');

  const health = await get(`${service.url}/health`);
  t.is(health.status, 200, `the service is still healthy: ${describe(health)}`);
});
