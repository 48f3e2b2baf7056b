/**
 * Fault: the DynamoDB emulator stops while the service runs, then comes back on the same port with the
 * same data. The imager routes and /health answer 503 with {"detail"} meanwhile, the routes that do not
 * need DynamoDB keep answering, and the service recovers by itself (no restart).
 */
import test from 'ava';
import { describe, eventually, get, is503WithDetail } from './helpers/fetching';
import { goldenFrame, loadWellSample, egridWorkbookPath, wellSlice } from './helpers/datasets';
import { startRestartableEmulators, type RestartableEmulators } from './helpers/restartable-emulators';
import { createStores, MARTS_BUCKET, seedDatamart, seedWell, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';

const WELL = 'fault-well';
const FRAME = `/imagers/${WELL}?min_depth=9000.1&max_depth=9010&colormap=gist_earth`;

let emulators: RestartableEmulators;
let service: RunningService;

test.before(async () => {
  emulators = await startRestartableEmulators();
  await createStores(emulators.settings);
});
test.after.always(async () => {
  await service?.close();
  await emulators?.close();
});

test.serial('DynamoDB stopped: imager routes and /health answer 503 {"detail"}, plants keep answering; back: recovery without a restart', async (t) => {
  const sample = await loadWellSample(t);
  const workbook = egridWorkbookPath(t);
  if (!sample || !workbook) return;
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, 200));
  await seedDatamart(emulators.settings, workbook);
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
  const url = service.url;

  const before = {
    health: await get(`${url}/health`),
    list: await get(`${url}/imagers`),
    frame: await get(`${url}${FRAME}`),
    grey: await get(`${url}/imagers/${WELL}?min_depth=9000.1&max_depth=9010`),
    png: await get(`${url}${FRAME}&format=png`),
    plants: await get(`${url}/plants?year=2018&state=AL&top_n=4`),
  };
  for (const [name, answer] of Object.entries(before)) t.is(answer.status, 200, `${name} before the fault: ${describe(answer)}`);
  t.like(JSON.parse(before.grey.body.toString()), goldenFrame(sample, 0, 100));

  for (let cycle = 1; cycle <= 2; cycle++) {
    await emulators.dynamo.stop();

    const during = {
      health: await get(`${url}/health`),
      list: await get(`${url}/imagers`),
      frame: await get(`${url}${FRAME}`),
      png: await get(`${url}${FRAME}&format=png`),
      unknownWell: await get(`${url}/imagers/no-such-well?min_depth=1&max_depth=2`),
    };
    for (const [name, answer] of Object.entries(during)) t.true(is503WithDetail(answer), `cycle ${cycle}, ${name} with DynamoDB down: ${describe(answer)}`);
    // Validation does not need the store: a bad request is still a 400, not a 503.
    t.is((await get(`${url}/imagers/${WELL}?min_depth=9&max_depth=1`)).status, 400);
    t.is((await get(`${url}/colormaps`)).status, 200);
    const plants = await get(`${url}/plants?year=2018&state=AL&top_n=4`);
    t.is(plants.status, 200, `plants with DynamoDB down: ${describe(plants)}`);
    t.deepEqual(plants.body, before.plants.body);

    await emulators.dynamo.start();
    const health = await eventually(async () => {
      const answer = await get(`${url}/health`);
      return answer.status === 200 ? answer : undefined;
    }, 'the service to report healthy again');
    t.deepEqual(JSON.parse(health.body.toString()), JSON.parse(before.health.body.toString()));
    for (const name of ['list', 'frame', 'png'] as const) {
      const path = name === 'list' ? '/imagers' : name === 'frame' ? FRAME : `${FRAME}&format=png`;
      const after = await get(`${url}${path}`);
      t.is(after.status, 200, `cycle ${cycle}, ${name} after recovery: ${describe(after)}`);
      t.true(after.body.equals(before[name].body), `cycle ${cycle}, ${name} after recovery is byte-identical to before the fault`);
    }
  }
});
