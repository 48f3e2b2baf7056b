import test, { type ExecutionContext } from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { PNG, type PNGWithMetadata } from 'pngjs';
import { createApp } from '../webservice/app';
import { serviceConfigFromEnv } from '../webservice/config';
import type { ImagerBackend } from '../webservice/imagers/backend';
import { customColormap, namedColormap, COLORMAP_NAMES } from '../core/imaging/colormap';
import { serve, type Served } from './helpers/http';
import { requireShared, sharedPath } from './helpers/shared';
import { memoryImagers, readTenthsCsv, type StoredRow } from './helpers/memory-imagers';

const config = serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' });
const GOLDEN_ROWS = ['golden', 'well_imager_150_pillow_bicubic.csv'] as const;
const GOLDEN_PNG = ['golden', 'frame_9200.0_9250.0_gist_earth.png'] as const;
const NOT_FOUND = "Well or depth range in a well weren't found";

/** Every byte value once: row 0 holds 0..127, row 1 holds 128..255 (depths 50.0 and 50.1 ft). */
const RAMP: StoredRow[] = [0, 1].map((r) => ({ depthTenths: 500 + r, pixels: Uint8Array.from({ length: 128 }, (_, i) => r * 128 + i) }));
/** A flat frame (min = max) under a unicode id with a slash (100.0–100.2 ft). */
const FLAT_WELL = 'puits ünïcødé/7';
const FLAT: StoredRow[] = [1000, 1001, 1002].map((depthTenths) => ({ depthTenths, pixels: new Uint8Array(4).fill(100) }));

let served: Promise<Served> | undefined;
let goldenRows: StoredRow[] | undefined;

function service(): Promise<Served> {
  if (!served) {
    const wells: Record<string, StoredRow[]> = { ramp: RAMP, [FLAT_WELL]: FLAT };
    if (existsSync(sharedPath(...GOLDEN_ROWS))) wells['test-well'] = goldenRows = readTenthsCsv(sharedPath(...GOLDEN_ROWS));
    served = serve(createApp({ config, imagers: memoryImagers(wells) }));
  }
  return served;
}

test.after.always(async () => {
  if (served) await (await served).close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${(await service()).url}${path}`, { headers });
}

interface FrameJson {
  well_id: string;
  min_depth: number;
  max_depth: number;
  depths: number[];
  data: number[][] | number[][][];
}

async function frameJson(t: ExecutionContext, path: string, headers: Record<string, string> = {}): Promise<FrameJson> {
  const res = await get(path, headers);
  t.is(res.status, 200, path);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/, path);
  return (await res.json()) as FrameJson;
}

async function framePng(t: ExecutionContext, path: string, headers: Record<string, string> = {}): Promise<PNGWithMetadata> {
  const res = await get(path, headers);
  t.is(res.status, 200, path);
  t.is(res.headers.get('content-type'), 'image/png', path);
  return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
}

const goldenFrame = (rows: StoredRow[], min: number, max: number): StoredRow[] => rows.filter((r) => r.depthTenths >= min && r.depthTenths <= max);
const rgbAt = (table: Uint8Array, i: number): number[] => [table[i * 3]!, table[i * 3 + 1]!, table[i * 3 + 2]!];

test('PNG 9200.0–9250.0 with gist_earth equals the golden frame pixel for pixel', async (t) => {
  const goldenFile = requireShared(t, ...GOLDEN_PNG);
  if (!goldenFile || !requireShared(t, ...GOLDEN_ROWS)) return;
  const golden = PNG.sync.read(readFileSync(goldenFile));
  const png = await framePng(t, '/imagers/test-well?min_depth=9200.0&max_depth=9250.0&colormap=gist_earth&format=png');
  t.is(png.colorType, 2, 'RGB');
  t.is(png.width, 150);
  t.is(png.height, 501);
  t.is(png.width, golden.width);
  t.is(png.height, golden.height);
  t.true(png.data.equals(golden.data), 'every pixel equal');
  // The same frame asked for with the Accept header.
  const byAccept = await framePng(t, '/imagers/test-well?min_depth=9200.0&max_depth=9250.0&colormap=gist_earth', { Accept: 'image/png' });
  t.true(byAccept.data.equals(golden.data));
});

test('JSON with a colour map: rows × width × RGBA equal to the golden frame, alpha 255', async (t) => {
  const goldenFile = requireShared(t, ...GOLDEN_PNG);
  if (!goldenFile || !requireShared(t, ...GOLDEN_ROWS)) return;
  const golden = PNG.sync.read(readFileSync(goldenFile));
  const body = await frameJson(t, '/imagers/test-well?min_depth=9200.0&max_depth=9250.0&colormap=gist_earth');
  t.deepEqual(Object.keys(body), ['well_id', 'min_depth', 'max_depth', 'depths', 'data']);
  t.is(body.well_id, 'test-well');
  t.is(body.min_depth, 9200);
  t.is(body.max_depth, 9250);
  t.is(body.depths.length, 501);
  t.is(body.depths[0], 9200);
  t.is(body.depths[1], 9200.1);
  t.is(body.depths[500], 9250);
  const data = body.data as number[][][];
  t.is(data.length, 501);
  let mismatches = 0;
  data.forEach((row, y) => {
    if (row.length !== 150) mismatches++;
    row.forEach((px, x) => {
      const at = (y * 150 + x) * 4;
      if (px.length !== 4 || px[0] !== golden.data[at] || px[1] !== golden.data[at + 1] || px[2] !== golden.data[at + 2] || px[3] !== 255) mismatches++;
    });
  });
  t.is(mismatches, 0);
});

test('JSON without a colour map: rows × width of the stored values, depths in feet', async (t) => {
  if (!requireShared(t, ...GOLDEN_ROWS)) return;
  await service();
  const body = await frameJson(t, '/imagers/test-well?min_depth=9000.1&max_depth=9000.3');
  t.deepEqual(body.depths, [9000.1, 9000.2, 9000.3]);
  t.is(body.min_depth, 9000.1);
  t.is(body.max_depth, 9000.3);
  t.deepEqual(
    body.data,
    goldenFrame(goldenRows!, 90001, 90003).map((r) => [...r.pixels]),
  );
});

test('PNG without a colour map is 8-bit grey, width × rows, the stored values', async (t) => {
  if (!requireShared(t, ...GOLDEN_ROWS)) return;
  await service();
  const png = await framePng(t, '/imagers/test-well?min_depth=9100&max_depth=9110&format=png');
  t.is(png.colorType, 0, 'grey');
  t.is(png.width, 150);
  t.is(png.height, 101);
  const expected = goldenFrame(goldenRows!, 91000, 91100);
  let mismatches = 0;
  expected.forEach((row, y) => row.pixels.forEach((v, x) => (png.data[(y * 150 + x) * 4] !== v ? mismatches++ : 0)));
  t.is(mismatches, 0);
});

test('the range is inclusive and depths round to tenths', async (t) => {
  const body = await frameJson(t, '/imagers/ramp?min_depth=49.96&max_depth=50.14');
  t.deepEqual(body.depths, [50, 50.1]);
  t.is(body.min_depth, 49.96);
  const one = await frameJson(t, '/imagers/ramp?min_depth=50.1&max_depth=50.1');
  t.deepEqual(one.depths, [50.1]);
  t.deepEqual(one.data, [Array.from({ length: 128 }, (_, i) => 128 + i)]);
});

test('depth_min/depth_max are aliases of min_depth/max_depth', async (t) => {
  const expected = await frameJson(t, '/imagers/ramp?min_depth=50&max_depth=50.1&colormap=jet');
  t.deepEqual(await frameJson(t, '/imagers/ramp?depth_min=50&depth_max=50.1&colormap=jet'), expected);
  t.deepEqual(await frameJson(t, '/imagers/ramp?depth_min=50&max_depth=50.1&colormap=jet'), expected);
  t.deepEqual(await frameJson(t, '/imagers/ramp?min_depth=50&depth_min=50.0&max_depth=50.1&depth_max=50.1&colormap=jet'), expected);
});

test('format and Accept choose JSON or PNG; format wins over Accept', async (t) => {
  const base = '/imagers/ramp?min_depth=50&max_depth=50.1';
  t.is((await framePng(t, base, { Accept: 'image/png' })).colorType, 0);
  t.is((await framePng(t, base, { Accept: 'image/*' })).height, 2);
  await frameJson(t, `${base}&format=json`, { Accept: 'image/png' });
  await frameJson(t, base, { Accept: 'text/html' });
  await frameJson(t, base, { Accept: 'application/json, image/png;q=0.5' });
  await frameJson(t, base, { Accept: 'text/html,application/xhtml+xml,image/webp,*/*;q=0.8' });
  t.is((await framePng(t, `${base}&format=png`, { Accept: 'application/json' })).width, 128);
});

test('named maps: every byte value maps through index = min(255, floor(norm × 256)); normalize=false uses v / 255', async (t) => {
  // The ramp holds every value 0..255, so min-max normalisation is v / 255 as well: both give table[v].
  for (const name of ['viridis', 'gist_earth_r', 'twilight']) {
    const table = namedColormap(name)!;
    const expected = [0, 1].map((r) => Array.from({ length: 128 }, (_, i) => [...rgbAt(table, r * 128 + i), 255]));
    t.deepEqual((await frameJson(t, `/imagers/ramp?min_depth=50&max_depth=50.1&colormap=${name}`)).data, expected, name);
    t.deepEqual((await frameJson(t, `/imagers/ramp?min_depth=50&max_depth=50.1&colormap=${name}&normalize=false`)).data, expected, name);
  }
  // One row (0..127): min-max stretches 127 to the top of the map, v / 255 does not.
  const table = namedColormap('viridis')!;
  const stretched = (await frameJson(t, '/imagers/ramp?min_depth=50&max_depth=50&colormap=viridis')).data as number[][][];
  const raw = (await frameJson(t, '/imagers/ramp?min_depth=50&max_depth=50&colormap=viridis&normalize=false')).data as number[][][];
  t.deepEqual(stretched[0]![127], [...rgbAt(table, 255), 255]);
  t.deepEqual(stretched[0]![1], [...rgbAt(table, 2), 255]); // floor(1/127 × 256)
  t.deepEqual(stretched[0]![64], [...rgbAt(table, 129), 255]); // floor(64/127 × 256), not floor(64/127 × 255) = 128
  t.deepEqual(raw[0]![127], [...rgbAt(table, 127), 255]);
  t.deepEqual(raw[0]![1], [...rgbAt(table, 1), 255]);
});

test('a flat frame maps to the first colour; unicode well ids with a slash work', async (t) => {
  const id = encodeURIComponent(FLAT_WELL);
  const body = await frameJson(t, `/imagers/${id}?min_depth=100&max_depth=100.2&colormap=magma`);
  t.is(body.well_id, FLAT_WELL);
  const first = [...rgbAt(namedColormap('magma')!, 0), 255];
  t.deepEqual(body.data, [0, 1, 2].map(() => [first, first, first, first]));
  const grey = await frameJson(t, `/imagers/${id}?min_depth=100&max_depth=100.2`);
  t.deepEqual(grey.data, [0, 1, 2].map(() => [100, 100, 100, 100]));
});

test('custom colors= maps, evenly spaced and positioned, in JSON and PNG', async (t) => {
  for (const spec of ['000000,8b4513,ffff00', '0:000000,0.3:8b4513,1:ffff00']) {
    const table = customColormap(spec);
    const body = await frameJson(t, `/imagers/ramp?min_depth=50&max_depth=50.1&colors=${encodeURIComponent(spec)}&normalize=false`);
    t.deepEqual(body.data, [0, 1].map((r) => Array.from({ length: 128 }, (_, i) => [...rgbAt(table, r * 128 + i), 255])), spec);
    const png = await framePng(t, `/imagers/ramp?min_depth=50&max_depth=50.1&colors=${spec}&format=png`);
    t.is(png.colorType, 2);
    t.deepEqual([...png.data.subarray(77 * 4, 77 * 4 + 3)], rgbAt(table, 77), spec);
  }
  // Hand-computed entries of the positioned map (see colormaps.test.ts).
  const body = await frameJson(t, '/imagers/ramp?min_depth=50&max_depth=50&colors=0:000000,0.3:8b4513,1:ffff00&normalize=false');
  const row = (body.data as number[][][])[0]!;
  t.deepEqual(row[76], [138, 68, 18, 255]);
  t.deepEqual(row[77], [139, 69, 18, 255]);
});

test('GET /imagers lists wells with depth range, rows and width', async (t) => {
  const res = await get('/imagers');
  t.is(res.status, 200);
  const wells = (await res.json()) as { well_id: string; min_depth: number; max_depth: number; rows: number; width: number }[];
  const ramp = wells.find((w) => w.well_id === 'ramp');
  t.like(ramp, { min_depth: 50, max_depth: 50.1, rows: 2, width: 128 });
  t.like(wells.find((w) => w.well_id === FLAT_WELL), { min_depth: 100, max_depth: 100.2, rows: 3, width: 4 });
  if (!requireShared(t, ...GOLDEN_ROWS)) return;
  t.like(wells.find((w) => w.well_id === 'test-well'), { min_depth: 9000.1, max_depth: 9546, rows: 5460, width: 150 });
});

test('GET /colormaps lists the 26 matplotlib names and their _r variants', async (t) => {
  const res = await get('/colormaps');
  t.is(res.status, 200);
  const names = (await res.json()) as string[];
  t.is(names.length, 52);
  t.deepEqual(names, [...COLORMAP_NAMES]);
  for (const name of ['gist_earth', 'gist_earth_r', 'viridis', 'twilight_r', 'Greys']) t.true(names.includes(name), name);
});

const RANGE = 'min_depth=50&max_depth=50.1';
const BAD_REQUESTS: [string, RegExp][] = [
  ['/imagers/ramp', /min_depth \(or its alias depth_min\) is required/],
  ['/imagers/ramp?min_depth=50', /max_depth \(or its alias depth_max\) is required/],
  ['/imagers/ramp?depth_min=50', /max_depth \(or its alias depth_max\) is required/],
  ['/imagers/ramp?max_depth=50', /min_depth \(or its alias depth_min\) is required/],
  ['/imagers/ramp?min_depth=abc&max_depth=50.1', /Invalid parameter min_depth: invalid float number/],
  ['/imagers/ramp?min_depth=&max_depth=50.1', /Invalid parameter min_depth/],
  ['/imagers/ramp?min_depth=50&max_depth=0x10', /Invalid parameter max_depth/],
  ['/imagers/ramp?min_depth=NaN&max_depth=50.1', /Invalid parameter min_depth/],
  ['/imagers/ramp?min_depth=-Infinity&max_depth=50.1', /Invalid parameter min_depth/],
  ['/imagers/ramp?min_depth=50&max_depth=1e400', /Invalid parameter max_depth/],
  ['/imagers/ramp?depth_min=50&max_depth=1e400', /Invalid parameter max_depth/],
  ['/imagers/ramp?min_depth=-1e300&max_depth=50', /Invalid parameter min_depth: -1e\+300 is out of range/],
  ['/imagers/ramp?depth_min=-1e300&max_depth=50', /Invalid parameter depth_min: -1e\+300 is out of range/],
  ['/imagers/ramp?min_depth=50.1&max_depth=50', /min_depth \(50.1\) must not be greater than max_depth \(50\)/],
  ['/imagers/nope?min_depth=50.1&max_depth=50', /min_depth \(50.1\) must not be greater than max_depth/],
  ['/imagers/ramp?min_depth=50&depth_min=50.1&max_depth=50.1', /min_depth and depth_min .* different values \(50 and 50.1\)/],
  ['/imagers/ramp?min_depth=50&max_depth=50.1&depth_max=51', /max_depth and depth_max .* different values/],
  ['/imagers/ramp?min_depth=50&min_depth=50&max_depth=50.1', /Invalid parameter min_depth/],
  [`/imagers/ramp?${RANGE}&colormap=nope`, /colormap: unknown colour map "nope"/],
  [`/imagers/ramp?${RANGE}&colormap=`, /colormap: unknown colour map ""/],
  [`/imagers/ramp?${RANGE}&colormap=${encodeURIComponent('<script>')}`, /colormap: unknown colour map "<script>"/],
  [`/imagers/ramp?${RANGE}&colormap=viridis&colormap=jet`, /Invalid parameter colormap/],
  [`/imagers/ramp?${RANGE}&colormap=viridis&colors=000000,ffffff`, /colormap and colors cannot be used together/],
  [`/imagers/ramp?${RANGE}&colors=000000,zz`, /Invalid parameter colors: token 2 \("zz"\) is not a colour/],
  [`/imagers/ramp?${RANGE}&colors=000000`, /Invalid parameter colors: at least two colours/],
  [`/imagers/ramp?${RANGE}&colors=0:000000,0.5:ffffff`, /colors: token 2 .*last position must be 1/],
  [`/imagers/ramp?${RANGE}&colors=a&colors=b`, /Invalid parameter colors/],
  [`/imagers/ramp?${RANGE}&normalize=maybe`, /Invalid parameter normalize/],
  [`/imagers/ramp?${RANGE}&normalize=true&normalize=false`, /Invalid parameter normalize/],
  [`/imagers/ramp?${RANGE}&format=gif`, /Invalid parameter format/],
  [`/imagers/ramp?${RANGE}&format=png&format=json`, /Invalid parameter format/],
  [`/imagers/%E0%A4%A?${RANGE}`, /./],
];

test('every bad parameter answers 400 {"detail"} naming it', async (t) => {
  for (const [path, detail] of BAD_REQUESTS) {
    const res = await get(path);
    t.is(res.status, 400, path);
    t.regex(res.headers.get('content-type') ?? '', /^application\/json/, path);
    t.regex(((await res.json()) as { detail: string }).detail, detail, path);
  }
});

test('unknown wells and empty ranges answer 404 with the original detail', async (t) => {
  for (const path of [
    `/imagers/nope?${RANGE}`,
    `/imagers/nope?${RANGE}&colormap=viridis&format=png`,
    `/imagers/${encodeURIComponent('✓ puits')}?${RANGE}`,
    `/imagers/RAMP?${RANGE}`,
    '/imagers/ramp?min_depth=60&max_depth=70',
    '/imagers/ramp?min_depth=50.16&max_depth=50.2',
    '/imagers/ramp?min_depth=-5&max_depth=-1',
  ]) {
    const res = await get(path);
    t.is(res.status, 404, path);
    t.deepEqual(await res.json(), { detail: NOT_FOUND }, path);
  }
});

test('a store that cannot be reached answers 503, not 500', async (t) => {
  const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const failing: ImagerBackend = {
    listWells: async () => Promise.reject(unreachable),
    getWell: async () => Promise.reject(unreachable),
    readFrame: async () => Promise.reject(unreachable),
    wellValueRange: async () => Promise.reject(unreachable),
    ping: async () => Promise.reject(unreachable),
  };
  const down = await serve(createApp({ config, imagers: failing }));
  t.teardown(() => down.close());
  for (const path of ['/imagers', `/imagers/ramp?${RANGE}`]) {
    const res = await fetch(`${down.url}${path}`);
    t.is(res.status, 503, path);
    t.truthy(((await res.json()) as { detail: string }).detail);
  }
});
