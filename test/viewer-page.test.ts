/**
 * The /viewer page in a real browser (Debian's chromium through playwright-core) over the real sample
 * (../shared/data/well/well_imager_200.csv ingested by the project's ETL into the DynamoDB emulator),
 * served by the service with its built pages. Screenshots go to build/test-artifacts/; the desktop one is
 * also written to docs/viewer.png for the README.
 */
import test, { type ExecutionContext } from 'ava';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { createApp } from '../webservice/app';
import { serviceConfigFromEnv } from '../webservice/config';
import { createDynamoImagerBackend } from '../webservice/imagers/dynamo-backend';
import { DESKTOP, openBrowser, PHONE, requireChromium, watchExternalRequests } from './helpers/browser';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { serve, type Served } from './helpers/http';
import { builtPages } from './helpers/pages';
import { PROJECT_ROOT } from './helpers/shared';
import { loadWellSample, wellSlice } from './reliability/helpers/datasets';
import { createStores, seedWell, TABLE } from './reliability/helpers/seed';

const WELL = 'test-well';
/** A well id that would be markup if a page ever put it in as HTML. */
const MARKUP_WELL = '<b>x</b>&amp;';
const VIEW = `/viewer?well=${WELL}&min_depth=9200&max_depth=9250&colormap=gist_earth`;

let emulators: TestEmulators | undefined;
let served: Served | undefined;

test.after.always(async () => {
  await served?.close();
  await emulators?.close();
});

/** The service over the emulators with the sample ingested, or undefined when the test cannot run here. */
async function service(t: ExecutionContext): Promise<string | undefined> {
  if (!requireChromium(t)) return undefined;
  const sample = await loadWellSample(t);
  if (!sample) return undefined;
  if (served) return served.url;
  emulators = await startEmulators();
  await createStores(emulators.settings);
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, sample.lines.length));
  await seedWell(emulators.settings, MARKUP_WELL, wellSlice(sample, 0, 100));
  const config = { ...serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' }), tableName: TABLE, aws: emulators.settings, pagesDir: await builtPages() };
  served = await serve(createApp({ config, imagers: createDynamoImagerBackend(config) }));
  return served.url;
}

interface DrawnTile {
  minDepth: number;
  maxDepth: number;
  src: string;
  width: number;
  height: number;
  /** RGBA, base64. */
  rgba: string;
}

/** Waits until every tile of the strip has loaded, then reads each one's pixels back through a canvas. */
async function drawnTiles(page: Page): Promise<DrawnTile[]> {
  await page.waitForFunction(() => {
    const tiles = [...document.querySelectorAll<HTMLImageElement>('img.tile')];
    return tiles.length > 0 && tiles.every((img) => img.complete && img.naturalWidth > 0);
  });
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement>('img.tile')].map((img) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(img, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = '';
      for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { minDepth: Number(img.dataset.minDepth), maxDepth: Number(img.dataset.maxDepth), src: img.src, width: canvas.width, height: canvas.height, rgba: btoa(text) };
    }),
  );
}

/** Rows of `png` (one per 0.1 ft from minTenths) that differ from the tiles' rows at the same depths, or lack a tile. */
function rowsDiffering(tiles: DrawnTile[], png: PNG, minTenths: number): number {
  let differing = 0;
  for (let row = 0; row < png.height; row++) {
    const tenths = minTenths + row;
    const tile = tiles.find((t) => Math.round(t.minDepth * 10) <= tenths && tenths <= Math.round(t.maxDepth * 10));
    if (!tile) {
      differing++;
      continue;
    }
    const rgba = Buffer.from(tile.rgba, 'base64');
    const tileRow = tenths - Math.round(tile.minDepth * 10);
    const a = rgba.subarray(tileRow * tile.width * 4, (tileRow + 1) * tile.width * 4);
    const b = png.data.subarray(row * png.width * 4, (row + 1) * png.width * 4);
    if (tile.width !== png.width || !a.equals(b)) differing++;
  }
  return differing;
}

async function apiPng(url: string): Promise<PNG> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
}

const field = (page: Page, name: string): Promise<string> => page.$eval(`[name="${name}"]`, (el) => (el as HTMLInputElement | HTMLSelectElement).value);

test.serial('desktop 1280×800: the tiles for 9200–9250 ft equal the API’s PNG; scrolling loads the next tiles; a new colour map redraws; the URL follows', async (t) => {
  const url = await service(t);
  if (!url) return;
  const session = await openBrowser(DESKTOP);
  t.teardown(() => session.close());
  const { page } = session;
  const external = watchExternalRequests(page);
  await page.goto(`${url}${VIEW}`);
  const tiles = await drawnTiles(page);

  t.is(await field(page, 'well'), WELL);
  t.is(await field(page, 'min_depth'), '9200.0');
  t.is(await field(page, 'max_depth'), '9250.0');
  t.is(await field(page, 'colormap'), 'gist_earth');
  t.true(tiles.every((tile) => tile.src.includes('colormap=gist_earth') && tile.src.includes('normalize=well')), 'tiles are the API’s PNGs, normalised by the well');
  t.true(tiles.some((tile) => tile.minDepth <= 9200) && tiles.some((tile) => tile.maxDepth >= 9250), 'the tiles cover 9200–9250 ft');
  const expected = await apiPng(`${url}/imagers/${WELL}?min_depth=9200&max_depth=9250&colormap=gist_earth&normalize=well&format=png`);
  t.is(expected.height, 501);
  t.is(rowsDiffering(tiles, expected, 92000), 0, 'every row drawn equals the API’s PNG for the same range');
  await mkdir(path.join(PROJECT_ROOT, 'docs'), { recursive: true });
  await copyFile(await session.screenshot('viewer-desktop'), path.join(PROJECT_ROOT, 'docs', 'viewer.png'));

  // Scrolling: the keyboard first (the strip is focusable), then the wheel.
  await page.focus('.strip');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('min_depth') === '9245.0');
  const box = (await page.$('.strip'))!;
  const bounds = (await box.boundingBox())!;
  await page.mouse.move(bounds.x + bounds.width / 2, bounds.y + bounds.height / 2);
  await page.mouse.wheel(0, bounds.height);
  await page.waitForFunction(() => Number(new URLSearchParams(location.search).get('min_depth')) > 9280);
  const scrolled = await drawnTiles(page);
  const newMin = Number(await field(page, 'min_depth'));
  const newMax = Number(await field(page, 'max_depth'));
  t.true(scrolled.some((tile) => tile.minDepth >= 9300), 'tiles further down were loaded');
  t.true(scrolled.some((tile) => tile.minDepth <= newMin) && scrolled.some((tile) => tile.maxDepth >= newMax), 'the new view is covered');
  const afterScroll = await apiPng(`${url}/imagers/${WELL}?min_depth=${newMin}&max_depth=${newMax}&colormap=gist_earth&normalize=well&format=png`);
  t.is(rowsDiffering(scrolled, afterScroll, Math.round(newMin * 10)), 0);

  // Another colour map: every tile is fetched again with it, and the URL says so.
  await page.selectOption('select[name="colormap"]', 'viridis');
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.tile')].every((img) => img.src.includes('colormap=viridis')));
  const recoloured = await drawnTiles(page);
  const viridis = await apiPng(`${url}/imagers/${WELL}?min_depth=${newMin}&max_depth=${newMax}&colormap=viridis&normalize=well&format=png`);
  t.is(rowsDiffering(recoloured, viridis, Math.round(newMin * 10)), 0, 'redrawn with viridis');
  const query = new URL(page.url()).searchParams;
  t.is(query.get('colormap'), 'viridis');
  t.is(query.get('well'), WELL);
  t.is(query.get('min_depth'), newMin.toFixed(1));

  // Zoom out: a larger span, fewer rows per foot, still covered.
  await page.click('button[aria-label="Zoom out"]');
  await page.waitForFunction(() => Number(new URLSearchParams(location.search).get('max_depth')) - Number(new URLSearchParams(location.search).get('min_depth')) > 90);
  t.true((await drawnTiles(page)).length > 0);

  t.deepEqual(session.errors, [], 'no console errors');
  t.deepEqual(external, [], 'nothing requested from outside the service');
});

test.serial('a well id is text, never markup; the form is reachable with the keyboard; a custom colour map and a fixed window', async (t) => {
  const url = await service(t);
  if (!url) return;
  const session = await openBrowser(DESKTOP);
  t.teardown(() => session.close());
  const { page } = session;
  await page.goto(`${url}/viewer?well=${encodeURIComponent(MARKUP_WELL)}`);
  await drawnTiles(page);
  t.is(await field(page, 'well'), MARKUP_WELL);
  t.is(await page.$$eval('main b', (found) => found.length), 0, 'no element made from the id');
  t.true((await page.$eval('[name="well"] option:checked', (o) => o.textContent ?? '')).startsWith(MARKUP_WELL));

  const reached = new Set<string>();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name || document.activeElement?.className || ''));
  }
  for (const name of ['well', 'min_depth', 'max_depth', 'colormap', 'normalize', 'strip']) t.true(reached.has(name), `${name} is reached with Tab`);

  await page.selectOption('select[name="colormap"]', 'custom');
  await page.waitForFunction(() => new URLSearchParams(location.search).has('colors'));
  const colors = new URL(page.url()).searchParams.get('colors')!;
  t.regex(colors, /^0:[0-9a-f]{6}(,[\d.]+:[0-9a-f]{6})+$/);
  await page.selectOption('select[name="normalize"]', 'fixed');
  await page.fill('input[name="vmin"]', '40');
  await page.fill('input[name="vmax"]', '200');
  await page.press('input[name="vmax"]', 'Enter');
  await page.locator('input[name="vmax"]').blur();
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.tile')].every((img) => img.src.includes('vmin=40') && img.src.includes('vmax=200') && img.src.includes('colors=')));
  const tiles = await drawnTiles(page);
  const query = new URL(page.url()).searchParams;
  const expected = await apiPng(`${url}/imagers/${encodeURIComponent(MARKUP_WELL)}?min_depth=${query.get('min_depth')}&max_depth=${query.get('max_depth')}&colors=${encodeURIComponent(colors)}&vmin=40&vmax=200&format=png`);
  t.is(rowsDiffering(tiles, expected, Math.round(Number(query.get('min_depth')) * 10)), 0);
  t.deepEqual(session.errors, []);
});

test.serial('phone 390×844: the strip fits the screen, tiles load, nothing overflows sideways', async (t) => {
  const url = await service(t);
  if (!url) return;
  const session = await openBrowser(PHONE);
  t.teardown(() => session.close());
  const { page } = session;
  await page.goto(`${url}${VIEW}`);
  const tiles = await drawnTiles(page);
  t.true(tiles.length > 0);
  t.true(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
  const strip = (await (await page.$('.strip'))!.boundingBox())!;
  t.true(strip.x >= 0 && strip.x + strip.width <= PHONE.width, `strip ${strip.x}+${strip.width}`);
  t.true(strip.height >= 250, `strip height ${strip.height}`);
  await session.screenshot('viewer-phone');
  t.deepEqual(session.errors, []);
});
