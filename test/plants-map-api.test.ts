/**
 * The plant API as a map uses it (SPEC §5, §5.1): fuel and bbox filters against the golden datamart,
 * /fuels, strong ETags and 304s, gzip/brotli, CORS on and off, the early path, and the pages' routes.
 */
import test, { type ExecutionContext } from 'ava';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { PlantRecord } from '../core/egrid/types';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';
import { rawGet } from './helpers/http';
import { builtPages } from './helpers/pages';
import { createBucket, emulatorS3, goldenPlantRecords, putDatamart, servePlants, type PlantsService } from './helpers/plants-service';

const BUCKET = 'map-datamarts';

interface Fixture {
  emulators: TestEmulators;
  plants: PlantRecord[];
  service: PlantsService;
  /** The same data, with CORS_ORIGINS set. */
  corsService: PlantsService;
}

let fixture: Promise<Fixture> | undefined;

function setUp(goldenCsv: string): Promise<Fixture> {
  return (fixture ??= (async () => {
    const emulators = await startEmulators();
    const s3 = emulatorS3(emulators);
    const plants = await goldenPlantRecords(goldenCsv);
    await createBucket(s3, BUCKET);
    await putDatamart(s3, BUCKET, 2018, plants);
    s3.destroy();
    const pagesDir = await builtPages();
    const service = await servePlants(emulators, BUCKET, { revalidateSeconds: 3600, env: { PAGES_DIR: pagesDir } });
    const corsService = await servePlants(emulators, BUCKET, { revalidateSeconds: 3600, env: { CORS_ORIGINS: 'https://maps.example.org' } });
    return { emulators, plants, service, corsService };
  })());
}

test.after.always(async () => {
  if (!fixture) return;
  const { emulators, service, corsService } = await fixture;
  await service.close();
  await corsService.close();
  await emulators.close();
});

async function golden(t: ExecutionContext): Promise<Fixture | undefined> {
  const csv = requireShared(t, 'golden', 'egrid2018_datamart.csv');
  return csv ? setUp(csv) : undefined;
}

async function json<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await rawGet(url);
  return { status: res.status, body: JSON.parse(res.body.toString('utf8')) as T };
}

const ids = (plants: readonly PlantRecord[]): number[] => plants.map((p) => p.plant_id);

test('fuel filters by category in any case, combined with state and top_n, as the golden datamart says', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const solar = env.plants.filter((p) => p.fuel === 'SOLAR');
  t.true(solar.length > 2000, 'the golden datamart has its fuel column');
  t.deepEqual(ids((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&fuel=solar`)).body), ids(solar));
  const txWind = env.plants.filter((p) => p.fuel === 'WIND' && p.state === 'TX').slice(0, 7);
  const answer = await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&state=tx&fuel=Wind&top_n=7`);
  t.deepEqual(answer.body, txWind);
  t.deepEqual((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&fuel=PLUTONIUM`)).body, [], 'a category no plant has: []');
});

test('/fuels lists each category with its plant count and total generation, largest first', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const { status, body } = await json<{ fuel: string; plants: number; fuel_netgen: number }[]>(`${env.service.url}/fuels?year=2018`);
  t.is(status, 200);
  const expected = new Map<string, { plants: number; netgen: number }>();
  for (const p of env.plants) {
    if (p.fuel === null) continue;
    const e = expected.get(p.fuel) ?? { plants: 0, netgen: 0 };
    e.plants += 1;
    e.netgen += p.annual_netgen_abs;
    expected.set(p.fuel, e);
  }
  t.deepEqual(body.map((f) => f.fuel).sort(), [...expected.keys()].sort());
  for (const f of body) {
    t.is(f.plants, expected.get(f.fuel)!.plants, f.fuel);
    t.true(Math.abs(f.fuel_netgen - expected.get(f.fuel)!.netgen) < 1e-6 * f.fuel_netgen, f.fuel);
  }
  t.deepEqual(body.map((f) => f.fuel_netgen), [...body.map((f) => f.fuel_netgen)].sort((a, b) => b - a));
  t.is(body.find((f) => f.fuel === 'SOLAR')?.plants, 2719);
});

test('bbox keeps the plants inside the box, then top_n; combined with state and fuel; across the antimeridian', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const inside = (minLon: number, minLat: number, maxLon: number, maxLat: number) => (p: PlantRecord) =>
    p.lat !== null && p.lon !== null && p.lon >= minLon && p.lon <= maxLon && p.lat >= minLat && p.lat <= maxLat;
  const box = env.plants.filter(inside(-107, 25, -93, 37));
  t.true(box.length > 100);
  t.deepEqual(ids((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&bbox=-107,25,-93,37`)).body), ids(box));
  t.deepEqual(ids((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&bbox=-107,25,-93,37&top_n=10`)).body), ids(box.slice(0, 10)));
  const nmGas = box.filter((p) => p.state === 'NM' && p.fuel === 'GAS').slice(0, 3);
  t.deepEqual(ids((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&bbox=-107,25,-93,37&state=NM&fuel=gas&top_n=3`)).body), ids(nmGas));
  // Alaska's Aleutians and the rest of Alaska: 170°E to 130°W crosses the antimeridian.
  const aleutians = env.plants.filter((p) => p.lat !== null && p.lon !== null && p.lat >= 50 && p.lat <= 72 && (p.lon >= 170 || p.lon <= -130));
  t.true(aleutians.length > 0);
  t.deepEqual(ids((await json<PlantRecord[]>(`${env.service.url}/plants?year=2018&bbox=170,50,-130,72`)).body), ids(aleutians));
  const geo = await json<{ features: { id: number }[] }>(`${env.service.url}/plants?year=2018&bbox=-107,25,-93,37&top_n=5&format=geojson`);
  t.deepEqual(geo.body.features.map((f) => f.id), ids(box.slice(0, 5)));
});

test('malformed fuel and bbox answer 400 naming the parameter', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const [query, name] of [
    ['fuel=', 'fuel'],
    ['fuel=so%20lar', 'fuel'],
    ['fuel=%3Cb%3E', 'fuel'],
    ['bbox=1,2,3', 'bbox'],
    ['bbox=a,b,c,d', 'bbox'],
    ['bbox=-107,25,-93,37,5', 'bbox'],
    ['bbox=-200,25,-93,37', 'bbox'],
    ['bbox=-107,40,-93,30', 'bbox'],
    ['bbox=', 'bbox'],
    ['bbox=1e400,0,1,1', 'bbox'],
  ] as const) {
    const res = await json<{ detail: string }>(`${env.service.url}/plants?year=2018&${query}`);
    t.is(res.status, 400, query);
    t.regex(res.body.detail, new RegExp(`^Invalid parameter ${name}:`), query);
  }
});

test('ETag and If-None-Match: 304 with no body on /plants, /states, /years, /fuels; the tag follows the normalised query', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const path of ['/plants?year=2018&state=AL&top_n=4', '/plants?year=2018&format=geojson&top_n=3', '/states?year=2018', '/years', '/fuels?year=2018']) {
    const first = await rawGet(`${env.service.url}${path}`);
    t.is(first.status, 200, path);
    const etag = first.headers.etag!;
    t.regex(etag, /^"[^"]+"$/, `${path}: a strong tag`);
    t.is(first.headers['cache-control'], 'no-cache', path);
    const again = await rawGet(`${env.service.url}${path}`, { 'If-None-Match': etag });
    t.is(again.status, 304, path);
    t.is(again.body.length, 0, path);
    t.is(again.headers.etag, etag, path);
    const other = await rawGet(`${env.service.url}${path}`, { 'If-None-Match': '"something-else"' });
    t.is(other.status, 200, path);
    t.deepEqual(other.body, first.body, path);
  }
  const tag = async (q: string): Promise<string | undefined> => (await rawGet(`${env.service.url}/plants?${q}`)).headers.etag;
  t.is(await tag('state=al&top_n=4&year=2018'), await tag('year=2018&state=AL&top_n=4'), 'same answer, same tag');
  t.is(await tag('year=2018&state=AL&top_n=100000'), await tag('year=2018&state=AL'), 'top_n beyond the list is the whole list');
  t.not(await tag('year=2018&state=AL&top_n=4'), await tag('year=2018&state=AL&top_n=5'));
  t.not(await tag('year=2018&state=AL&top_n=4'), await tag('year=2018&state=AL&top_n=4&format=geojson'));
});

test('gzip and brotli by Accept-Encoding, with Vary; the decoded bytes are the identity bytes; a coded 304', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const url = `${env.service.url}/plants?year=2018`;
  const identity = await rawGet(url);
  t.is(identity.headers['content-encoding'], undefined);
  t.regex(String(identity.headers.vary), /Accept-Encoding/);
  const br = await rawGet(url, { 'Accept-Encoding': 'gzip, deflate, br' });
  t.is(br.headers['content-encoding'], 'br', 'brotli preferred when both are accepted');
  t.deepEqual(brotliDecompressSync(br.body), identity.body);
  t.true(br.body.length < identity.body.length / 4, `brotli: ${br.body.length} of ${identity.body.length} bytes`);
  const gz = await rawGet(url, { 'Accept-Encoding': 'gzip' });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.deepEqual(gunzipSync(gz.body), identity.body);
  t.is(Number(gz.headers['content-length']), gz.body.length);
  t.not(gz.headers.etag, identity.headers.etag, 'each coding is its own entity');
  const notModified = await rawGet(url, { 'Accept-Encoding': 'br', 'If-None-Match': gz.headers.etag! });
  t.is(notModified.status, 304, 'a tag of any coding of the current answer revalidates');
  const none = await rawGet(url, { 'Accept-Encoding': 'identity' });
  t.is(none.headers['content-encoding'], undefined);
  // Error answers and the OpenAPI document are compressed by the middleware.
  const spec = await rawGet(`${env.service.url}/openapi.json`, { 'Accept-Encoding': 'gzip' });
  t.is(spec.headers['content-encoding'], 'gzip');
  t.truthy(JSON.parse(gunzipSync(spec.body).toString()).paths['/fuels']);
});

test('CORS: no headers by default (same origin only); the configured origin is allowed, others are not', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const path = '/plants?year=2018&state=AL&top_n=4';
  const off = await rawGet(`${env.service.url}${path}`, { Origin: 'https://maps.example.org' });
  t.is(off.status, 200);
  t.is(off.headers['access-control-allow-origin'], undefined);
  const on = await rawGet(`${env.corsService.url}${path}`, { Origin: 'https://maps.example.org' });
  t.is(on.headers['access-control-allow-origin'], 'https://maps.example.org');
  t.regex(String(on.headers['access-control-expose-headers']), /ETag/);
  t.regex(String(on.headers.vary), /Origin/);
  t.regex(String(on.headers.vary), /Accept-Encoding/);
  const stranger = await rawGet(`${env.corsService.url}${path}`, { Origin: 'https://elsewhere.example.com' });
  t.is(stranger.headers['access-control-allow-origin'], undefined);
  const preflight = await rawGet(`${env.corsService.url}${path}`, { Origin: 'https://maps.example.org', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS');
  t.is(preflight.status, 204);
  t.is(preflight.headers['access-control-allow-origin'], 'https://maps.example.org');
});

test('the early path answers a repeated request with the same bytes and tag, and still validates new ones', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const url = `${env.service.url}/plants?year=2018&state=AL&top_n=4&fuel=coal`;
  const first = await rawGet(url, { 'Accept-Encoding': 'br' });
  const second = await rawGet(url, { 'Accept-Encoding': 'br' });
  t.deepEqual(second.body, first.body);
  t.is(second.headers.etag, first.headers.etag);
  t.is(second.headers['content-type'], first.headers['content-type']);
  const notModified = await rawGet(url, { 'Accept-Encoding': 'br', 'If-None-Match': first.headers.etag! });
  t.is(notModified.status, 304);
  // The service's own time, on the full path, the early one and a 304 alike.
  for (const answer of [first, second, notModified]) t.regex(String(answer.headers['server-timing']), /^app;dur=\d+\.\d{2}$/);
  t.is((await rawGet(`${url}&top_n=0`)).status, 400, 'another query string takes the full path');
  t.is((await rawGet(url, { Accept: 'application/geo+json' })).headers['content-type'], 'application/geo+json; charset=utf-8', 'the Accept header is part of the key');
});

test('pages: GET / redirects to /map; /map and its assets are served with ETags and revalidate to 304', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const root = await rawGet(`${env.service.url}/`);
  t.is(root.status, 302);
  t.is(root.headers.location, '/map');
  const page = await rawGet(`${env.service.url}/map`, { 'Accept-Encoding': 'gzip' });
  t.is(page.status, 200);
  t.regex(String(page.headers['content-type']), /^text\/html/);
  const html = (page.headers['content-encoding'] === 'gzip' ? gunzipSync(page.body) : page.body).toString();
  t.regex(html, /<script type="application\/json" id="page-settings">\{"mapTilesUrl":""\}<\/script>/);
  t.is((await rawGet(`${env.service.url}/map`, { 'If-None-Match': page.headers.etag! })).status, 304);
  for (const asset of ['/pages/map.js', '/pages/map.css', '/pages/us-states-10m.json']) {
    const res = await rawGet(`${env.service.url}${asset}`, { 'Accept-Encoding': 'gzip' });
    t.is(res.status, 200, asset);
    t.is(res.headers['content-encoding'], 'gzip', asset);
    t.truthy(res.headers.etag, asset);
    t.is((await rawGet(`${env.service.url}${asset}`, { 'If-None-Match': res.headers.etag! })).status, 304, asset);
  }
  t.is((await rawGet(`${env.corsService.url}/map`)).status, 404, 'a service without built pages says so');
});

/** A record with only these fields of a golden plant, in the datamart's order. */
const only = (plant: PlantRecord, fields: readonly (keyof PlantRecord)[]): Partial<PlantRecord> => Object.fromEntries(fields.map((field) => [field, plant[field]]));

test('properties keeps only the named fields, in the datamart’s order, with the golden values; combined with the other parameters', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const texas = env.plants.filter((p) => p.state === 'TX').slice(0, 10);
  const answer = await json<Record<string, unknown>[]>(`${env.service.url}/plants?year=2018&state=TX&top_n=10&properties=annual_netgen_rel,plant_name,plant_id`);
  t.is(answer.status, 200);
  t.deepEqual(answer.body, texas.map((p) => only(p, ['plant_id', 'plant_name', 'annual_netgen_rel'])));
  t.deepEqual(Object.keys(answer.body[0]!), ['plant_id', 'plant_name', 'annual_netgen_rel'], 'the datamart’s order, whatever the order asked');
  // Every field, one at a time, over every plant of the year.
  for (const field of ['plant_id', 'plant_name', 'state', 'lat', 'lon', 'fuel', 'annual_netgen_abs', 'annual_netgen_rel'] as const) {
    const all = await json<Record<string, unknown>[]>(`${env.service.url}/plants?year=2018&properties=${field}`);
    t.deepEqual(all.body, env.plants.map((p) => only(p, [field])), field);
  }
  // With fuel, bbox, state and top_n.
  const inBox = (p: PlantRecord): boolean => p.lat !== null && p.lon !== null && p.lon >= -107 && p.lon <= -93 && p.lat >= 25 && p.lat <= 37;
  const nmGas = env.plants.filter((p) => inBox(p) && p.state === 'NM' && p.fuel === 'GAS').slice(0, 3);
  t.true(nmGas.length === 3);
  const combined = await json<Record<string, unknown>[]>(`${env.service.url}/plants?year=2018&bbox=-107,25,-93,37&state=nm&fuel=gas&top_n=3&properties=plant_name,fuel`);
  t.deepEqual(combined.body, nmGas.map((p) => only(p, ['plant_name', 'fuel'])));
  t.deepEqual((await json<unknown[]>(`${env.service.url}/plants?year=2018&fuel=PLUTONIUM&properties=fuel`)).body, []);
});

test('properties on GeoJSON: every plant keeps its id and geometry, its properties only the fields named', async (t) => {
  const env = await golden(t);
  if (!env) return;
  type Feature = { type: string; id: number; geometry: { type: string; coordinates: number[] } | null; properties: Record<string, unknown> };
  const slim = await json<{ type: string; features: Feature[] }>(`${env.service.url}/plants?year=2018&format=geojson&properties=fuel,annual_netgen_abs`);
  t.is(slim.body.type, 'FeatureCollection');
  t.is(slim.body.features.length, env.plants.length);
  t.is(env.plants.length, 8955);
  slim.body.features.forEach((feature, i) => {
    const plant = env.plants[i]!;
    const located = plant.lat !== null && plant.lon !== null;
    if (feature.id !== plant.plant_id || feature.type !== 'Feature') t.fail(`feature ${i}: id ${feature.id}, expected ${plant.plant_id}`);
    if (JSON.stringify(feature.geometry) !== JSON.stringify(located ? { type: 'Point', coordinates: [plant.lon, plant.lat] } : null)) t.fail(`feature ${i}: geometry ${JSON.stringify(feature.geometry)}`);
    if (JSON.stringify(feature.properties) !== JSON.stringify(only(plant, ['fuel', 'annual_netgen_abs']))) t.fail(`feature ${i}: properties ${JSON.stringify(feature.properties)}`);
  });
  const full = await rawGet(`${env.service.url}/plants?year=2018&format=geojson`);
  const slimBytes = await rawGet(`${env.service.url}/plants?year=2018&format=geojson&properties=fuel,annual_netgen_abs`);
  t.true(slimBytes.body.length < full.body.length * 0.6, `${slimBytes.body.length} of ${full.body.length} bytes`);
  // Negotiated GeoJSON takes properties too.
  const negotiated = await rawGet(`${env.service.url}/plants?year=2018&top_n=2&properties=plant_name`, { Accept: 'application/geo+json' });
  const features = (JSON.parse(negotiated.body.toString()) as { features: Feature[] }).features;
  t.deepEqual(features.map((f) => f.properties), env.plants.slice(0, 2).map((p) => only(p, ['plant_name'])));
});

test('properties: an empty list or an unknown name is 400 naming the parameter and the name', async (t) => {
  const env = await golden(t);
  if (!env) return;
  for (const [query, named] of [
    ['properties=', 'an empty name'],
    ['properties=plant_id,,fuel', 'an empty name'],
    ['properties=color', '"color"'],
    ['properties=Plant_Name', '"Plant_Name"'],
    ['properties=plant_id,geometry,id&format=geojson', '"geometry", "id"'],
    ['properties=%3Cb%3E', '"<b>"'],
  ] as const) {
    const res = await json<{ detail: string }>(`${env.service.url}/plants?year=2018&${query}`);
    t.is(res.status, 400, query);
    t.true(res.body.detail.startsWith('Invalid parameter properties:'), res.body.detail);
    t.true(res.body.detail.includes(named), `${query}: ${res.body.detail}`);
    t.true(res.body.detail.includes('plant_id, plant_name, state, lat, lon, fuel, annual_netgen_abs, annual_netgen_rel'), 'the names it takes');
  }
});

test('properties: each selection has its own ETag and revalidates to 304; the same fields in any order share one', async (t) => {
  const env = await golden(t);
  if (!env) return;
  const get = (q: string, headers: Record<string, string> = {}) => rawGet(`${env.service.url}/plants?year=2018&top_n=50&format=geojson${q}`, headers);
  const tags = await Promise.all(['', '&properties=fuel', '&properties=plant_name', '&properties=fuel,plant_name'].map(async (q) => (await get(q)).headers.etag!));
  t.is(new Set(tags).size, 4, `four selections, four tags: ${tags.join(' ')}`);
  const reordered = await get('&properties=plant_name,fuel,fuel');
  t.is(reordered.headers.etag, tags[3], 'order and repetition do not matter');
  t.deepEqual(reordered.body, (await get('&properties=fuel,plant_name')).body);
  const every = await get('&properties=annual_netgen_rel,annual_netgen_abs,fuel,lon,lat,state,plant_name,plant_id');
  t.is(every.headers.etag, tags[0], 'every field is the whole record');
  t.is((await get('&properties=fuel', { 'If-None-Match': tags[1]! })).status, 304);
  t.is((await get('&properties=plant_name', { 'If-None-Match': tags[1]! })).status, 200, 'another selection’s tag does not revalidate');
  // Compressed, and again from the early path: same bytes, same tag, still 304 for its tag.
  const br = await get('&properties=fuel', { 'Accept-Encoding': 'br' });
  t.is(br.headers['content-encoding'], 'br');
  const again = await get('&properties=fuel', { 'Accept-Encoding': 'br' });
  t.deepEqual(again.body, br.body);
  t.is(again.headers.etag, br.headers.etag);
  t.deepEqual(JSON.parse(brotliDecompressSync(br.body).toString()), JSON.parse((await get('&properties=fuel')).body.toString()));
  t.is((await get('&properties=fuel', { 'Accept-Encoding': 'br', 'If-None-Match': br.headers.etag! })).status, 304);
});
