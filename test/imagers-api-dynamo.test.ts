import test from 'ava';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../core/aws/clients';
import { namedColormap } from '../core/imaging/colormap';
import { catalogKey } from '../core/well/catalog';
import { createWellTable, WellStore } from '../core/well/store';
import { createApp } from '../webservice/app';
import { serviceConfigFromEnv } from '../webservice/config';
import { createDynamoImagerBackend } from '../webservice/imagers/dynamo-backend';
import { startEmulators } from './helpers/emulators';
import { serve } from './helpers/http';
import { readTenthsCsv } from './helpers/memory-imagers';
import { requireShared } from './helpers/shared';

test('through the DynamoDB backend (dynalite): the gist_earth PNG for 9200.0–9250.0 equals the golden frame; JSON depths and 404', async (t) => {
  const rowsFile = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  const pngFile = requireShared(t, 'golden', 'frame_9200.0_9250.0_gist_earth.png');
  if (!rowsFile || !pngFile) return;
  const emu = await startEmulators();
  t.teardown(() => emu.close());

  // A slice of the resized sample around the frame keeps the ingest short.
  const rows = readTenthsCsv(rowsFile).filter((r) => r.depthTenths >= 91900 && r.depthTenths <= 92600);
  const width = rows[0]!.pixels.length;
  const pixels = new Uint8Array(rows.length * width);
  rows.forEach((r, i) => pixels.set(r.pixels, i * width));
  const client = dynamoClient(emu.settings);
  await createWellTable(client, 'imagers');
  await new WellStore({ client, tableName: 'imagers' }).replaceWell('test-well', { depthsTenths: rows.map((r) => r.depthTenths), width, pixels }, 'test://golden');

  const config = { ...serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' }), tableName: 'imagers', aws: emu.settings };
  const served = await serve(createApp({ config, imagers: createDynamoImagerBackend(config) }));
  t.teardown(() => served.close());

  const res = await fetch(`${served.url}/imagers/test-well?min_depth=9200.0&max_depth=9250.0&colormap=gist_earth&format=png`);
  t.is(res.status, 200);
  const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  const golden = PNG.sync.read(readFileSync(pngFile));
  t.is(png.width, golden.width);
  t.is(png.height, golden.height);
  t.true(png.data.equals(golden.data), 'every pixel equal');

  const json = (await (await fetch(`${served.url}/imagers/test-well?depth_min=9190&depth_max=9190.2`)).json()) as { depths: number[]; data: number[][] };
  t.deepEqual(json.depths, [9190, 9190.1, 9190.2]);
  t.deepEqual(json.data[2], [...rows[2]!.pixels]);

  const wells = (await (await fetch(`${served.url}/imagers`)).json()) as unknown[];
  t.like(wells, [{ well_id: 'test-well', min_depth: 9190, max_depth: 9260, rows: 701, width: 150, source: 'test://golden' }]);

  const missing = await fetch(`${served.url}/imagers/${'x'.repeat(3000)}?min_depth=9200&max_depth=9250`);
  t.is(missing.status, 404);
  t.deepEqual(await missing.json(), { detail: "Well or depth range in a well weren't found" });
});

test('normalize=well on a well ingested before the catalog kept its value range: computed from the rows on first use and written to its entry', async (t) => {
  const rowsFile = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!rowsFile) return;
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const rows = readTenthsCsv(rowsFile).filter((r) => r.depthTenths >= 91000 && r.depthTenths <= 91500);
  const width = rows[0]!.pixels.length;
  const pixels = new Uint8Array(rows.length * width);
  rows.forEach((r, i) => pixels.set(r.pixels, i * width));
  const client = dynamoClient(emu.settings);
  await createWellTable(client, 'imagers');
  await new WellStore({ client, tableName: 'imagers' }).replaceWell('old-well', { depthsTenths: rows.map((r) => r.depthTenths), width, pixels }, 'test://golden');
  // What an entry written before valueMin/valueMax existed looks like.
  await client.send(new UpdateItemCommand({ TableName: 'imagers', Key: catalogKey(), UpdateExpression: 'REMOVE #wells.#w.valueMin, #wells.#w.valueMax', ExpressionAttributeNames: { '#wells': 'wells', '#w': 'old-well' } }));
  const entry = async (): Promise<Record<string, unknown> | undefined> => (await client.send(new GetItemCommand({ TableName: 'imagers', Key: catalogKey() }))).Item?.wells?.M?.['old-well']?.M;
  t.is((await entry())?.valueMin, undefined);

  const config = { ...serviceConfigFromEnv({ SERVICE_ROUTES: 'imagers' }), tableName: 'imagers', aws: emu.settings };
  const served = await serve(createApp({ config, imagers: createDynamoImagerBackend(config) }));
  t.teardown(() => served.close());
  let lo = 255;
  let hi = 0;
  for (const v of pixels) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const asWell = await fetch(`${served.url}/imagers/old-well?min_depth=9100&max_depth=9101&colormap=gray&normalize=well&format=png`);
  t.is(asWell.status, 200);
  const png = PNG.sync.read(Buffer.from(await asWell.arrayBuffer()));
  const gray = namedColormap('gray')!;
  let wrong = 0;
  rows.slice(0, 11).forEach((row, y) => row.pixels.forEach((v, x) => (png.data[(y * width + x) * 4] !== gray[Math.min(255, Math.floor(((v - lo) / (hi - lo)) * 256)) * 3] ? wrong++ : 0)));
  t.is(wrong, 0);
  t.like(await entry(), { valueMin: { N: String(lo) }, valueMax: { N: String(hi) } });
});
