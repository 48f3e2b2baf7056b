/**
 * Fault: the S3 emulator stops while the service runs, then comes back on the same port with the same
 * objects. A datamart already loaded is answered from memory (while the listing is fresh) or the answer
 * is 503 {"detail"}; one never loaded is 503 {"detail"}; /health is 503; the imager routes keep
 * answering; everything recovers by itself once S3 is back.
 */
import test from 'ava';
import { describe, detailOf, eventually, get, is503WithDetail } from './helpers/fetching';
import { egridWorkbookPath, loadWellSample, wellSlice } from './helpers/datasets';
import { startRestartableEmulators, type RestartableEmulators } from './helpers/restartable-emulators';
import { createStores, MARTS_BUCKET, seedDatamart, seedWell, TABLE } from './helpers/seed';
import { serveBothGroups, type RunningService } from './helpers/service';

const WELL = 's3-fault-well';
const LOADED = '/plants?year=2018&state=AL&top_n=4';
const ALL_2018 = '/plants?year=2018';
/** A copy of the 2018 datamart under 2017: listed, never requested before the fault. */
const NEVER_LOADED = '/plants?year=2017&state=TX&top_n=3';

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

test.serial('S3 stopped: loaded datamart from memory or 503, unloaded one 503, /health 503, imagers unaffected; back: recovery without a restart', async (t) => {
  const sample = await loadWellSample(t);
  const workbook = egridWorkbookPath(t);
  if (!sample || !workbook) return;
  await seedWell(emulators.settings, WELL, wellSlice(sample, 0, 100));
  await seedDatamart(emulators.settings, workbook, [2017]);
  service = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
  const url = service.url;
  const frame = `/imagers/${WELL}?min_depth=9000&max_depth=9005&format=png`;

  const before = {
    loaded: await get(`${url}${LOADED}`),
    all: await get(`${url}${ALL_2018}`),
    states: await get(`${url}/states?year=2018`),
    years: await get(`${url}/years`),
    frame: await get(`${url}${frame}`),
  };
  for (const [name, answer] of Object.entries(before)) t.is(answer.status, 200, `${name} before the fault: ${describe(answer)}`);
  t.deepEqual(JSON.parse(before.years.body.toString()), [2017, 2018]);

  await emulators.s3.stop();

  t.true(is503WithDetail(await get(`${url}/health`)), '/health with S3 down');
  const neverLoaded = await get(`${url}${NEVER_LOADED}`);
  t.true(is503WithDetail(neverLoaded), `a datamart never loaded, with S3 down: ${describe(neverLoaded)}`);
  const answers: Record<string, string> = {};
  for (const name of ['loaded', 'all', 'states', 'years'] as const) {
    const path = { loaded: LOADED, all: ALL_2018, states: '/states?year=2018', years: '/years' }[name];
    const answer = await get(`${url}${path}`);
    if (answer.status === 200) {
      t.true(answer.body.equals(before[name].body), `${name} served from memory is identical to before the fault`);
      answers[name] = 'served from memory';
    } else {
      t.true(is503WithDetail(answer), `${name} with S3 down: ${describe(answer)}`);
      answers[name] = `503 ${detailOf(answer)}`;
    }
  }
  t.log('with S3 down:', answers);
  const imager = await get(`${url}${frame}`);
  t.is(imager.status, 200, `imagers with S3 down: ${describe(imager)}`);
  t.true(imager.body.equals(before.frame.body));

  await emulators.s3.start();
  await eventually(async () => ((await get(`${url}/health`)).status === 200 ? true : undefined), 'the service to report healthy again');
  const recovered = await eventually(async () => {
    const answer = await get(`${url}${NEVER_LOADED}`);
    return answer.status === 200 ? answer : undefined;
  }, 'the 2017 datamart to load once S3 is back');
  t.is(JSON.parse(recovered.body.toString()).length, 3);
  for (const name of ['loaded', 'all', 'states', 'years'] as const) {
    const path = { loaded: LOADED, all: ALL_2018, states: '/states?year=2018', years: '/years' }[name];
    const answer = await get(`${url}${path}`);
    t.is(answer.status, 200, `${name} after recovery: ${describe(answer)}`);
    t.true(answer.body.equals(before[name].body), `${name} after recovery is identical to before the fault`);
  }
});

test.serial('S3 stopped long enough for the listing to go stale: loaded datamarts turn to 503 {"detail"} (never stale data), then recover', async (t) => {
  const workbook = egridWorkbookPath(t);
  if (!workbook) return;
  // A service revalidating every 0.2 s: "stale" (twice that) comes quickly.
  const quick = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE, revalidateSeconds: 0.2 });
  t.teardown(() => quick.close());
  const before = await get(`${quick.url}${LOADED}`);
  t.is(before.status, 200, describe(before));

  await emulators.s3.stop();
  const stale = await eventually(async () => {
    const answer = await get(`${quick.url}${LOADED}`);
    if (answer.status === 200) {
      if (!answer.body.equals(before.body)) throw new Error(`a changed body while S3 is down: ${describe(answer)}`);
      return undefined;
    }
    return answer;
  }, 'the loaded datamart to stop being served once its listing is stale');
  t.true(is503WithDetail(stale), describe(stale));

  await emulators.s3.start();
  const back = await eventually(async () => {
    const answer = await get(`${quick.url}${LOADED}`);
    return answer.status === 200 ? answer : undefined;
  }, 'the plants to be served again');
  t.true(back.body.equals(before.body));
});
