/**
 * The /map page in a real browser (Debian's chromium through playwright-core) against the service with
 * the real sample's datamart: what it draws is exactly what the API answers. Screenshots go to
 * build/test-artifacts/.
 */
import test, { type ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import type { PlantRecord } from '../core/egrid/types';
import { formatMwh, formatShare } from '../webservice/pages/map/format';
import { stateName } from '../webservice/pages/map/us-states';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { requireShared } from './helpers/shared';
import { DESKTOP, openBrowser, PHONE, requireChromium, watchExternalRequests, type BrowserSession } from './helpers/browser';
import { builtPages } from './helpers/pages';
import { createBucket, emulatorS3, goldenPlantRecords, putDatamart, servePlants, type PlantsService } from './helpers/plants-service';

const BUCKET = 'map-page-datamarts';

interface Fixture {
  emulators: TestEmulators;
  service: PlantsService;
}

let fixture: Promise<Fixture> | undefined;

test.after.always(async () => {
  if (!fixture) return;
  const { emulators, service } = await fixture;
  await service.close();
  await emulators.close();
});

async function setUp(t: ExecutionContext): Promise<Fixture | undefined> {
  const csv = requireShared(t, 'golden', 'egrid2018_datamart.csv');
  if (!csv || !requireChromium(t)) return undefined;
  return (fixture ??= (async () => {
    const emulators = await startEmulators();
    const s3 = emulatorS3(emulators);
    await createBucket(s3, BUCKET);
    await putDatamart(s3, BUCKET, 2018, await goldenPlantRecords(csv));
    s3.destroy();
    const service = await servePlants(emulators, BUCKET, { revalidateSeconds: 3600, env: { PAGES_DIR: await builtPages() } });
    return { emulators, service };
  })());
}

async function apiPlants(service: PlantsService, query: string): Promise<PlantRecord[]> {
  const res = await fetch(`${service.url}/plants?${query}`);
  return (await res.json()) as PlantRecord[];
}

/** Waits for a draw that has finished, including the zoom that follows it. */
async function drawn(page: Page): Promise<void> {
  await page.waitForSelector('#map[data-state="ready"]');
  await page.waitForFunction("!document.querySelector('.leaflet-zoom-anim')");
  await page.waitForTimeout(500); // flyToBounds animates for 0.4 s; moveend then updates data-zoom
}

const markerIds = (page: Page): Promise<number[]> =>
  page.$$eval('.leaflet-overlay-pane [data-plant-id]', (elements) => elements.map((e) => Number(e.getAttribute('data-plant-id'))));
const listIds = (page: Page): Promise<number[]> => page.$$eval('aside [data-plant-id]', (elements) => elements.map((e) => Number(e.getAttribute('data-plant-id'))));
const mapZoom = async (page: Page): Promise<number> => Number(await page.getAttribute('#map', 'data-zoom'));

async function session(t: ExecutionContext, viewport = DESKTOP): Promise<BrowserSession> {
  const browser = await openBrowser(viewport);
  t.teardown(() => browser.close());
  return browser;
}

test('TX top 5: exactly the API’s five plants, on the map and in the list; a popup gives MWh and the state share; changing state zooms, redraws and follows in the URL', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t);
  const { page } = browser;
  const external = watchExternalRequests(page);
  await page.goto(`${env.service.url}/map?year=2018&state=TX&top_n=5`);
  await drawn(page);
  const texas = await apiPlants(env.service, 'year=2018&state=TX&top_n=5');
  t.is(texas.length, 5);
  t.deepEqual((await markerIds(page)).sort(), texas.map((p) => p.plant_id).sort(), 'markers: the API’s five plants');
  t.deepEqual(await listIds(page), texas.map((p) => p.plant_id), 'list: the same plants, in the API’s order');
  t.is(await page.inputValue('select[name=state]'), 'TX');
  t.is(await page.inputValue('input[name=top_n]'), '5');
  t.is(await page.inputValue('select[name=year]'), '2018');
  const texasZoom = await mapZoom(page);
  t.true(texasZoom >= 5, `zoomed to Texas (zoom ${texasZoom})`);
  await browser.screenshot('map-tx-top5');

  // The popup of the largest plant: its name, absolute generation and share, formatted.
  const top = texas[0]!;
  await page.click(`.leaflet-overlay-pane [data-plant-id="${top.plant_id}"]`);
  const popup = await page.waitForSelector('.plant-popup');
  const text = (await popup.textContent()) ?? '';
  t.true(text.includes(top.plant_name), text);
  t.true(text.includes(formatMwh(top.annual_netgen_abs)), `absolute: ${formatMwh(top.annual_netgen_abs)} in ${text}`);
  t.true(text.includes(formatShare(top.annual_netgen_rel)), `share: ${formatShare(top.annual_netgen_rel)} in ${text}`);
  t.regex(formatShare(top.annual_netgen_rel), /^\d+\.\d\d%$/);
  t.false(await page.isVisible('.legend'), 'the legend steps aside while a popup is open (it would cover popups near it)');
  await browser.screenshot('map-tx-popup');
  await page.click('.leaflet-popup-close-button');
  await page.waitForSelector('.legend', { state: 'visible' });

  // Another state: redrawn with its plants, zoomed elsewhere, and the URL says so.
  await page.selectOption('select[name=state]', 'CA');
  await page.waitForFunction("new URL(location.href).searchParams.get('state') === 'CA'");
  await drawn(page);
  const california = await apiPlants(env.service, 'year=2018&state=CA&top_n=5');
  t.deepEqual((await markerIds(page)).sort(), california.map((p) => p.plant_id).sort());
  t.not(await page.getAttribute('#map', 'data-center'), null);
  const caCenter = (await page.getAttribute('#map', 'data-center'))!.split(',').map(Number);
  t.true(caCenter[1]! < -115, `centred on California (${caCenter.join(', ')})`);
  const url = new URL(page.url());
  t.deepEqual(Object.fromEntries(url.searchParams), { year: '2018', state: 'CA', top_n: '5' });

  // All states zooms back out; top_n and fuel follow too.
  await page.selectOption('select[name=state]', '');
  await drawn(page);
  t.true((await mapZoom(page)) < texasZoom, 'zoomed back out to the US');
  await page.fill('input[name=top_n]', '20');
  await page.selectOption('select[name=fuel]', 'WIND');
  await page.waitForFunction("new URL(location.href).searchParams.get('fuel') === 'WIND'");
  await drawn(page);
  const wind = await apiPlants(env.service, 'year=2018&top_n=20&fuel=WIND');
  t.deepEqual(await listIds(page), wind.map((p) => p.plant_id));
  t.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { year: '2018', top_n: '20', fuel: 'WIND' });
  await browser.screenshot('map-desktop');

  t.deepEqual(browser.errors, [], 'no console errors');
  t.deepEqual(external, [], 'nothing requested from outside the service');
});

test('keyboard: a list row is reachable and Enter shows its plant on the map with its popup', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t);
  const { page } = browser;
  await page.goto(`${env.service.url}/map?year=2018&state=AL&top_n=4`);
  await drawn(page);
  // Tab from the controls reaches the list's first plant.
  await page.focus('select[name=fuel]');
  let focused = '';
  for (let i = 0; i < 40 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate<string>("document.activeElement?.closest('aside') ? document.activeElement.getAttribute('data-plant-id') ?? '' : ''");
  }
  t.truthy(focused, 'a list row takes the focus');
  await page.keyboard.press('Enter');
  const popup = await page.waitForSelector('.plant-popup');
  const [first] = await apiPlants(env.service, 'year=2018&state=AL&top_n=4');
  t.true(((await popup.textContent()) ?? '').includes(first!.plant_name));
  t.deepEqual(browser.errors, []);
});

test('390×844: the page fits the phone’s width, draws the plants and shows the list under the map', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t, PHONE);
  const { page } = browser;
  await page.goto(`${env.service.url}/map?year=2018&state=TX&top_n=5`);
  await drawn(page);
  t.is((await markerIds(page)).length, 5);
  t.true(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal scrolling');
  const map = (await page.locator('#map').boundingBox())!;
  const list = (await page.locator('aside').boundingBox())!;
  t.true(map.width >= 380 && map.height >= 300, `map ${map.width}×${map.height}`);
  t.true(list.y >= map.y + map.height - 1, 'the list is under the map');
  for (const name of ['year', 'state', 'top_n', 'fuel']) {
    const box = await page.locator(`[name=${name}]`).boundingBox();
    t.true(box !== null && box.x >= 0 && box.x + box.width <= 390, `${name} within the screen`);
  }
  await browser.screenshot('map-phone');
  t.deepEqual(browser.errors, []);
});

test('the page shows plant names as text, never as markup', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t);
  const { page } = browser;
  await page.goto(`${env.service.url}/map?year=2018&state=AL&top_n=50`);
  await drawn(page);
  const names = await page.$$eval('aside .name', (elements) => elements.map((e) => e.textContent));
  const expected = (await apiPlants(env.service, 'year=2018&state=AL&top_n=50')).map((p) => p.plant_name);
  t.deepEqual(names, expected);
  t.is(await page.$$eval('aside .name *', (e) => e.length), 0, 'no element inside a name');
});

/**
 * Clicks a plant's marker where it is drawn, even under other markers (8,955 of them overlap): the click
 * goes to its element with the marker's centre as coordinates, where Leaflet opens the popup.
 */
async function clickMarker(page: Page, plantId: number): Promise<void> {
  const marker = page.locator(`.leaflet-overlay-pane [data-plant-id="${plantId}"]`);
  const box = await marker.boundingBox();
  if (!box) throw new Error(`plant ${plantId} is not drawn`);
  await marker.dispatchEvent('click', { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2, bubbles: true });
}

/** The /plants requests a page makes, by the query each sends. */
function plantsRequests(page: Page): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/plants') seen.push(url.searchParams);
  });
  return seen;
}

test('a small selection is one GeoJSON answer with every field', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t);
  const { page } = browser;
  const requests = plantsRequests(page);
  await page.goto(`${env.service.url}/map?year=2018&state=AL&top_n=4`);
  await drawn(page);
  t.deepEqual(requests.map((q) => Object.fromEntries(q)), [{ year: '2018', state: 'AL', top_n: '4', format: 'geojson' }]);
  t.deepEqual(browser.errors, []);
});

test('all plants: drawn from a slim answer first, every plant of the API; a popup opened before the details arrive and the list show name, MWh and % once they do', async (t) => {
  const env = await setUp(t);
  if (!env) return;
  const browser = await session(t);
  const { page } = browser;
  const requests = plantsRequests(page);
  // The details (the second step) are held until the draw has been checked and a popup opened.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let detailsAsked = false;
  await page.route(
    (url) => url.pathname === '/plants' && url.searchParams.get('properties')?.includes('plant_name') === true,
    async (route) => {
      detailsAsked = true;
      await held;
      await route.continue();
    },
  );
  await page.goto(`${env.service.url}/map?year=2018&top_n=all`);
  await page.waitForSelector('#map[data-plants-drawn]');
  const all = await apiPlants(env.service, 'year=2018');
  t.is(all.length, 8955);
  const located = all.filter((p) => p.lat !== null && p.lon !== null);
  t.deepEqual((await markerIds(page)).sort((a, b) => a - b), located.map((p) => p.plant_id).sort((a, b) => a - b), 'every located plant of the API is drawn');
  t.is(await page.getAttribute('#map', 'data-plants-drawn'), String(located.length));
  const drawing = Object.fromEntries(requests[0]!);
  t.deepEqual(drawing, { year: '2018', format: 'geojson', properties: 'fuel,annual_netgen_abs' }, 'drawn from what drawing needs');
  t.is(await page.getAttribute('#map', 'data-state'), 'loading', 'the details are still on their way');

  // A popup opened now shows what is known, and says the rest is coming.
  const plant = all[0]!;
  await clickMarker(page, plant.plant_id);
  const popup = page.locator('.plant-popup');
  await popup.waitFor();
  const before = (await popup.textContent()) ?? '';
  t.true(before.includes(formatMwh(plant.annual_netgen_abs)), before);
  t.false(before.includes(plant.plant_name), `no name yet: ${before}`);
  t.is(await popup.getAttribute('data-details'), 'pending');
  t.true(detailsAsked, 'the details were asked for after the draw');
  t.is(await page.textContent('aside h2'), '8,955 plants: loading their names…');
  t.is(await page.locator('aside [data-plant-id]').count(), 0, 'no row without its name');

  release();
  await page.waitForSelector('#map[data-state="ready"]', { timeout: 60_000 });
  const after = (await page.locator('.plant-popup').textContent()) ?? '';
  for (const expected of [plant.plant_name, stateName(plant.state), formatMwh(plant.annual_netgen_abs), formatShare(plant.annual_netgen_rel)]) {
    t.true(after.includes(expected), `the open popup now has ${expected}: ${after}`);
  }
  t.is(await page.locator('.plant-popup').getAttribute('data-details'), null);
  t.deepEqual(Object.fromEntries(requests[1]!), { year: '2018', properties: 'plant_id,plant_name,state,annual_netgen_rel' });
  t.is(requests.length, 2);

  // The list: every plant in the API's order, with name, MWh and share.
  t.deepEqual(await listIds(page), all.map((p) => p.plant_id));
  for (const index of [0, 4321, all.length - 1]) {
    const row = page.locator('aside button[data-plant-id]').nth(index);
    const text = (await row.textContent()) ?? '';
    const expected = all[index]!;
    for (const part of [expected.plant_name, formatMwh(expected.annual_netgen_abs), formatShare(expected.annual_netgen_rel)]) t.true(text.includes(part), `row ${index}: ${part} in ${text}`);
  }
  // A popup opened after the details is whole at once.
  const other = all[100]!;
  await clickMarker(page, other.plant_id);
  await page.waitForFunction((name) => document.querySelector('.plant-popup strong')?.textContent === name, other.plant_name);
  t.true(((await page.locator('.plant-popup').textContent()) ?? '').includes(formatShare(other.annual_netgen_rel)));
  await drawn(page); // the popup's pan has ended
  await browser.screenshot('map-all-plants');
  t.deepEqual(browser.errors, [], 'no console errors');
});
