/**
 * The imagers API a viewer needs (SPEC §5.2, newer): normalize=frame|well|none, fixed vmin/vmax windows,
 * height=N as Pillow's BOX resize, the 400s for bad combinations, and the memory budget's 503. Expected
 * values are computed here from ../shared/golden (the stored rows and matplotlib's tables) and from the
 * Pillow-made fixture in test/fixtures/pillow-box (infrastructure/tools/gen-box-golden.py).
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { PNG } from 'pngjs';
import { createApp } from '../webservice/app';
import { serviceConfigFromEnv } from '../webservice/config';
import { serve, type Served } from './helpers/http';
import { memoryImagers, readTenthsCsv, type StoredRow } from './helpers/memory-imagers';
import { PROJECT_ROOT, requireShared } from './helpers/shared';

const GOLDEN_ROWS = ['golden', 'well_imager_150_pillow_bicubic.csv'] as const;
const GOLDEN_MAPS = ['golden', 'colormaps_matplotlib.json'] as const;
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'pillow-box');
const WIDTH = 150;

interface BoxCase {
  min_depth: number;
  max_depth: number;
  height: number;
  rows: number;
  png: string;
  depths: number[];
}

interface FrameJson {
  depths: number[];
  data: number[][] | number[][][];
}

interface Golden {
  rows: StoredRow[];
  luts: Record<string, number[][]>;
  served: Served;
}

let golden: Promise<Golden> | undefined;

/** The resized sample served from memory (as a well ingested before the catalog kept its value range). */
function goldenService(rowsFile: string, mapsFile: string): Promise<Golden> {
  golden ??= (async () => {
    const rows = readTenthsCsv(rowsFile);
    const luts = (JSON.parse(readFileSync(mapsFile, 'utf8')) as { luts: Record<string, number[][]> }).luts;
    const served = await serve(createApp({ config: serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' }), imagers: memoryImagers({ 'test-well': rows }) }));
    return { rows, luts, served };
  })();
  return golden;
}

test.after.always(async () => {
  if (golden) await (await golden).served.close();
});

async function withGolden(t: ExecutionContext): Promise<Golden | undefined> {
  const rowsFile = requireShared(t, ...GOLDEN_ROWS);
  const mapsFile = rowsFile && requireShared(t, ...GOLDEN_MAPS);
  return mapsFile ? goldenService(rowsFile, mapsFile) : undefined;
}

async function getOk(t: ExecutionContext, url: string): Promise<Response> {
  const res = await fetch(url);
  t.is(res.status, 200, `${url}: ${res.status}`);
  return res;
}

const json = async (t: ExecutionContext, url: string): Promise<FrameJson> => (await (await getOk(t, url)).json()) as FrameJson;
const png = async (t: ExecutionContext, url: string): Promise<PNG> => PNG.sync.read(Buffer.from(await (await getOk(t, url)).arrayBuffer()));

const between = (rows: StoredRow[], min: number, max: number): StoredRow[] => rows.filter((r) => r.depthTenths >= min && r.depthTenths <= max);

/** SPEC §5.2: x = clip((v − lo) / (hi − lo), 0, 1), index = min(255, floor(x × 256)). */
function expectedRgba(lut: number[][], lo: number, hi: number, v: number): number[] {
  const x = hi <= lo ? 0 : Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  return [...lut[Math.min(255, Math.floor(x * 256))]!, 255];
}

function valueRange(rows: StoredRow[]): { lo: number; hi: number } {
  let lo = 255;
  let hi = 0;
  for (const row of rows) for (const v of row.pixels) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return { lo, hi };
}

/** Counts the pixels of a colour JSON frame that differ from the expected mapping of `rows`. */
function mismatches(data: number[][][], rows: StoredRow[], expected: (v: number) => number[]): number {
  let wrong = data.length === rows.length ? 0 : Math.abs(data.length - rows.length) * WIDTH;
  rows.forEach((row, y) => row.pixels.forEach((v, x) => {
    const want = expected(v);
    const got = data[y]?.[x];
    if (!got || got.some((c, i) => c !== want[i])) wrong++;
  }));
  return wrong;
}

test('normalize=well spreads the whole well’s stored range over the map: identical colours for a value in every frame', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const { lo, hi } = valueRange(g.rows);
  t.true(lo < hi);
  for (const [min, max, map] of [[9200, 9250, 'gist_earth'], [9000.1, 9001, 'magma'], [9500, 9540, 'jet']] as const) {
    const body = await json(t, `${g.served.url}/imagers/test-well?min_depth=${min}&max_depth=${max}&colormap=${map}&normalize=well`);
    const rows = between(g.rows, Math.round(min * 10), Math.round(max * 10));
    t.is(mismatches(body.data as number[][][], rows, (v) => expectedRgba(g.luts[map]!, lo, hi, v)), 0, `${min}–${max} ${map}`);
  }
});

test('normalize: frame = true (the default, per-frame min–max), none = false (v / 255)', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const base = `${g.served.url}/imagers/test-well?min_depth=9300&max_depth=9310&colormap=terrain`;
  const rows = between(g.rows, 93000, 93100);
  const { lo, hi } = valueRange(rows);
  const byFrame = await json(t, `${base}&normalize=frame`);
  t.is(mismatches(byFrame.data as number[][][], rows, (v) => expectedRgba(g.luts.terrain!, lo, hi, v)), 0);
  t.deepEqual(await json(t, `${base}&normalize=true`), byFrame);
  t.deepEqual(await json(t, base), byFrame);
  const byNone = await json(t, `${base}&normalize=none`);
  t.is(mismatches(byNone.data as number[][][], rows, (v) => expectedRgba(g.luts.terrain!, 0, 255, v)), 0);
  t.deepEqual(await json(t, `${base}&normalize=false`), byNone);
  t.notDeepEqual(byNone, byFrame);
});

test('vmin/vmax set a fixed window: values below map to the first colour, above to the last, JSON and PNG', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const rows = between(g.rows, 92000, 92500);
  const { lo, hi } = valueRange(rows);
  // A window inside the frame's range, so clipping happens at both ends.
  const [vmin, vmax] = [lo + 20.5, hi - 30];
  const url = `${g.served.url}/imagers/test-well?min_depth=9200&max_depth=9250&colormap=cividis&vmin=${vmin}&vmax=${vmax}`;
  const body = await json(t, url);
  const lut = g.luts.cividis!;
  t.is(mismatches(body.data as number[][][], rows, (v) => expectedRgba(lut, vmin, vmax, v)), 0);
  const flat = (body.data as number[][][]).flat();
  t.true(flat.some((px) => px[0] === lut[0]![0] && px[1] === lut[0]![1] && px[2] === lut[0]![2]), 'some values clip to the first colour');
  t.true(flat.some((px) => px[0] === lut[255]![0] && px[1] === lut[255]![1] && px[2] === lut[255]![2]), 'some values clip to the last colour');

  const image = await png(t, `${url}&format=png`);
  t.is(image.height, rows.length);
  let wrong = 0;
  rows.forEach((row, y) => row.pixels.forEach((v, x) => {
    const want = expectedRgba(lut, vmin, vmax, v);
    const at = (y * WIDTH + x) * 4;
    if (image.data[at] !== want[0] || image.data[at + 1] !== want[1] || image.data[at + 2] !== want[2]) wrong++;
  }));
  t.is(wrong, 0);
});

test('height=N equals Pillow’s resize((150, N), Image.BOX) value for value; depths are the mean of the rows covered', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { cases: BoxCase[] };
  t.true(manifest.cases.length >= 4);
  for (const c of manifest.cases) {
    const url = `${g.served.url}/imagers/test-well?min_depth=${c.min_depth}&max_depth=${c.max_depth}&height=${c.height}`;
    const pillow = PNG.sync.read(readFileSync(path.join(FIXTURES, c.png)));
    const image = await png(t, `${url}&format=png`);
    t.is(image.width, WIDTH);
    t.is(image.height, c.height, c.png);
    t.true(image.data.equals(pillow.data), `${c.png}: every value equals Pillow's`);
    const body = await json(t, url);
    t.deepEqual(body.depths, c.depths, `${c.png}: depths`);
    const pillowValues = Array.from({ length: c.height }, (_, y) => Array.from({ length: WIDTH }, (_, x) => pillow.data[(y * WIDTH + x) * 4]!));
    t.deepEqual(body.data, pillowValues, `${c.png}: JSON values`);
  }
});

test('height with a colour map colours the averaged rows; height at or above the rows in range changes nothing', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const c = (JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { cases: BoxCase[] }).cases.find((k) => k.height === 37)!;
  const pillow = PNG.sync.read(readFileSync(path.join(FIXTURES, c.png)));
  const averaged: StoredRow[] = Array.from({ length: c.height }, (_, y) => ({ depthTenths: 0, pixels: Uint8Array.from({ length: WIDTH }, (_, x) => pillow.data[(y * WIDTH + x) * 4]!) }));
  const base = `${g.served.url}/imagers/test-well?min_depth=${c.min_depth}&max_depth=${c.max_depth}&colormap=hot`;
  const { lo, hi } = valueRange(averaged);
  const framed = await json(t, `${base}&height=${c.height}`);
  t.is(mismatches(framed.data as number[][][], averaged, (v) => expectedRgba(g.luts.hot!, lo, hi, v)), 0, 'normalize=frame: the min–max of the rows answered');
  t.deepEqual(await json(t, `${base}&height=${c.rows}`), await json(t, base));
  t.deepEqual(await json(t, `${base}&height=10000`), await json(t, base));
});

const RAMP_ROWS: StoredRow[] = [0, 1].map((r) => ({ depthTenths: 500 + r, pixels: Uint8Array.from({ length: 128 }, (_, i) => r * 128 + i) }));

test('bad parameters and combinations answer 400 naming them', async (t) => {
  const served = await serve(createApp({ config: serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' }), imagers: memoryImagers({ ramp: RAMP_ROWS }) }));
  t.teardown(() => served.close());
  const base = `${served.url}/imagers/ramp?min_depth=50&max_depth=50.1&colormap=gray`;
  const cases: [string, RegExp][] = [
    ['&vmin=10', /vmin needs vmax/],
    ['&vmax=10', /vmax needs vmin/],
    ['&vmin=10&vmax=10', /vmin \(10\) must be less than vmax \(10\)/],
    ['&vmin=20&vmax=10', /vmin \(20\) must be less than vmax \(10\)/],
    ['&normalize=well&vmin=0&vmax=100', /normalize \(well\) and vmin\/vmax cannot be used together/],
    ['&normalize=frame&vmin=0&vmax=100', /normalize \(frame\) and vmin\/vmax/],
    ['&vmin=-1&vmax=100', /Invalid parameter vmin: must be a number from 0 to 255/],
    ['&vmin=0&vmax=256', /Invalid parameter vmax: must be a number from 0 to 255/],
    ['&vmin=a&vmax=100', /Invalid parameter vmin/],
    ['&normalize=global', /Invalid parameter normalize: expected frame, well or none/],
    ['&normalize=constructor', /Invalid parameter normalize/],
    ['&height=0', /Invalid parameter height: must be a whole number of rows from 1 to 10000/],
    ['&height=10001', /Invalid parameter height/],
    ['&height=2.5', /Invalid parameter height/],
    ['&height=many', /Invalid parameter height/],
  ];
  for (const [extra, detail] of cases) {
    const res = await fetch(`${base}${extra}`);
    t.is(res.status, 400, extra);
    t.regex(((await res.json()) as { detail: string }).detail, detail, extra);
  }
  // Without a colour map the values are the stored ones whatever the window; the checks still apply.
  t.is((await fetch(`${served.url}/imagers/ramp?min_depth=50&max_depth=50.1&vmin=3`)).status, 400);
});

/** Opens a request and returns once its headers arrived, without reading the body (its answer stays held). */
function openWithoutReading(url: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.pause();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

test('the memory budget: a large answer that does not fit while others are held is 503 with Retry-After, and fits once they are sent', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const served = await serve(createApp({ config: serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers', IMAGERS_MEMORY_BUDGET_MB: '1' }), imagers: memoryImagers({ 'test-well': g.rows }) }));
  t.teardown(() => served.close());
  const whole = `${served.url}/imagers/test-well?min_depth=0&max_depth=100000&colormap=gist_earth`;
  const held = await openWithoutReading(whole);
  t.is(held.status, 200);
  const refused = await fetch(`${whole}&format=png`);
  t.is(refused.status, 503);
  t.is(refused.headers.get('retry-after'), '1');
  t.regex(((await refused.json()) as { detail: string }).detail, /memory budget allows \(1 MiB\)/);
  // A small frame still fits beside the held answer.
  t.is((await fetch(`${served.url}/imagers/test-well?min_depth=9000&max_depth=9001&colormap=gist_earth`)).status, 200);
  held.close();
  let after = 0;
  for (let attempt = 0; attempt < 50 && after !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = (await fetch(`${whole}&format=png`)).status;
  }
  t.is(after, 200);
});

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with exactly these headers (fetch would add Accept-Encoding and decode the body itself). */
function raw(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('frames and lists carry a strong ETag from the data version and the resolved query; If-None-Match answers 304 with no body', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const url = g.served.url;
  const paths = [
    '/imagers/test-well?min_depth=9200&max_depth=9250&colormap=gist_earth&format=png', // a viewer tile
    '/imagers/test-well?min_depth=9200&max_depth=9201&colormap=gist_earth', // small JSON
    '/imagers/test-well?min_depth=0&max_depth=100000&colormap=gist_earth', // whole well, streamed
    '/imagers/test-well?min_depth=0&max_depth=100000&height=500&format=png',
    '/imagers',
    '/colormaps',
  ];
  for (const path of paths) {
    const first = await raw(`${url}${path}`);
    t.is(first.status, 200, path);
    const etag = first.headers.etag ?? '';
    t.regex(etag, /^"[^"]+"$/, `${path}: a strong tag`);
    t.is(first.headers['cache-control'], 'no-cache', path);
    const again = await raw(`${url}${path}`, { 'If-None-Match': etag });
    t.is(again.status, 304, path);
    t.is(again.body.length, 0, path);
    t.is(again.headers.etag, etag, path);
    t.is((await raw(`${url}${path}`, { 'If-None-Match': '"something-else"' })).status, 200, path);
  }
  // The same query written differently shares the tag; another query does not; JSON and PNG differ.
  const tag = async (path: string): Promise<string | undefined> => (await raw(`${url}${path}`)).headers.etag;
  const frame = await tag('/imagers/test-well?min_depth=9200&max_depth=9201&colormap=gist_earth');
  t.is(await tag('/imagers/test-well?depth_max=9201.0&depth_min=9200.0&normalize=true&colormap=gist_earth'), frame);
  t.not(await tag('/imagers/test-well?min_depth=9200&max_depth=9201&colormap=gist_earth&normalize=well'), frame);
  t.not(await tag('/imagers/test-well?min_depth=9200&max_depth=9201&colormap=gist_earth_r'), frame);
  t.not(await tag('/imagers/test-well?min_depth=9200&max_depth=9201&colormap=gist_earth&format=png'), frame);
});

test('JSON is compressed with gzip or brotli by Accept-Encoding (streamed and whole answers); PNG never is', async (t) => {
  const g = await withGolden(t);
  if (!g) return;
  const { brotliDecompressSync, gunzipSync } = await import('node:zlib');
  for (const path of ['/imagers/test-well?min_depth=0&max_depth=100000&colormap=gist_earth', '/imagers/test-well?min_depth=9200&max_depth=9210&colormap=jet']) {
    const plain = await raw(`${g.served.url}${path}`);
    t.is(plain.headers['content-encoding'], undefined, path);
    const gz = await raw(`${g.served.url}${path}`, { 'Accept-Encoding': 'gzip' });
    t.is(gz.headers['content-encoding'], 'gzip', path);
    t.regex(String(gz.headers.vary), /Accept-Encoding/, path);
    t.true(gunzipSync(gz.body).equals(plain.body), `${path}: gzip decodes to the same bytes`);
    const br = await raw(`${g.served.url}${path}`, { 'Accept-Encoding': 'gzip, br' });
    t.is(br.headers['content-encoding'], 'br', path);
    t.true(brotliDecompressSync(br.body).equals(plain.body), `${path}: brotli decodes to the same bytes`);
    t.true(br.body.length < plain.body.length / 3, `${path}: ${br.body.length} of ${plain.body.length} bytes`);
    // Each coding is its own representation: its own strong tag, and a 304 for any coding of the version.
    t.not(gz.headers.etag, plain.headers.etag, path);
    t.is((await raw(`${g.served.url}${path}`, { 'Accept-Encoding': 'gzip', 'If-None-Match': String(plain.headers.etag) })).status, 304, path);
  }
  for (const path of ['/imagers/test-well?min_depth=0&max_depth=100000&colormap=gist_earth&format=png', '/imagers/test-well?min_depth=9200&max_depth=9250&format=png']) {
    const png = await raw(`${g.served.url}${path}`, { 'Accept-Encoding': 'gzip, br' });
    t.is(png.status, 200, path);
    t.is(png.headers['content-type'], 'image/png', path);
    t.is(png.headers['content-encoding'], undefined, path);
    t.is(Number(png.headers['content-length']), png.body.length, path);
  }
});
