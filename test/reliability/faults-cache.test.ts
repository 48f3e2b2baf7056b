/**
 * Fault: the datamart cache folder cannot be used — it cannot be created (its parent is a regular file),
 * it is read-only (with entries from an earlier run, or turned read-only while the service runs), it is
 * unreadable, or the disk is full. Each time the service keeps answering, identically, from S3.
 *
 * How the faults are made, honestly, on a machine where the tests may run as root (root ignores file
 * modes): the service runs as a child process (webservice/server.ts, as deployed) under an unprivileged
 * uid when the tests are root, so `chmod` applies to it; "full" is RLIMIT_FSIZE (`ulimit -f`) on that
 * process — every write past 1 KB fails with EFBIG after a short write, which is what a full disk does
 * to a writer (ENOSPC after a partial write). A tmpfs of a few KB would be the literal fault but needs
 * mount privileges a CI machine does not give.
 */
import test from 'ava';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulators, type TestEmulators } from '../helpers/emulators';
import { startServiceChild, type ServiceChild, type ServiceChildOptions } from './helpers/children';
import { egridWorkbookPath } from './helpers/datasets';
import { describe, get } from './helpers/fetching';
import { createStores, MARTS_BUCKET, seedDatamart, TABLE } from './helpers/seed';
import { serveBothGroups } from './helpers/service';

const QUERIES = ['/plants?year=2018&state=AL&top_n=4', '/plants?year=2017', '/plants?year=2016&state=tx&top_n=7', '/states?year=2016', '/years'];
const UNPRIVILEGED = { uid: 65534, gid: 65534 };
const asRoot = process.getuid?.() === 0;

let emulators: TestEmulators;
let root: string;
/** What a service with a healthy cache answers, per query. */
const expected = new Map<string, Buffer>();
let ready = false;

test.before(async (t) => {
  emulators = await startEmulators();
  root = await mkdtemp(path.join(tmpdir(), 'reliability-cache-faults-'));
  await chmod(root, 0o755);
  const workbook = egridWorkbookPath(t);
  if (!workbook) return;
  await createStores(emulators.settings);
  await seedDatamart(emulators.settings, workbook, [2016, 2017]);
  const reference = await serveBothGroups(emulators.settings, { bucket: MARTS_BUCKET, table: TABLE });
  try {
    for (const query of QUERIES) {
      const answer = await get(`${reference.url}${query}`);
      if (answer.status !== 200) throw new Error(`reference ${query}: ${describe(answer)}`);
      expected.set(query, answer.body);
    }
  } finally {
    await reference.close();
  }
  ready = true;
});
test.after.always(async () => {
  await emulators?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A folder the service's user can write (owned by it when the tests are root). */
async function serviceFolder(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  if (asRoot) await chown(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  return dir;
}

async function startService(cacheDir: string, extra: Partial<ServiceChildOptions> = {}): Promise<ServiceChild> {
  return startServiceChild({
    aws: emulators.settings,
    env: { SERVICE_ROUTES: 'plants', DATAMARTS_BUCKET: MARTS_BUCKET, CACHE_DIR: cacheDir },
    user: asRoot ? UNPRIVILEGED : undefined,
    ...extra,
  });
}

/** Every query answers 200 with exactly the reference body. */
async function assertServesEverything(t: import('ava').ExecutionContext, service: ServiceChild, label: string): Promise<void> {
  for (const query of QUERIES) {
    const answer = await get(`${service.url}${query}`);
    t.is(answer.status, 200, `${label}: ${query}: ${describe(answer)}\n${service.logs()}`);
    t.true(answer.body.equals(expected.get(query)!), `${label}: ${query} answers exactly what a healthy service does`);
  }
  t.is((await get(`${service.url}/health`)).status, 200, `${label}: /health`);
}

async function entryFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await readdir(dir)) {
    if (!name.startsWith('.')) files.set(name, await readFile(path.join(dir, name)));
  }
  return files;
}

test.serial('a cache folder that cannot be created (its parent is a regular file): the service answers from S3', async (t) => {
  if (!ready) return t.pass('no workbook (../shared missing)');
  const file = path.join(root, 'not-a-folder');
  await writeFile(file, 'a regular file\n');
  const service = await startService(path.join(file, 'cache'));
  t.teardown(() => service.stop());
  await assertServesEverything(t, service, 'cache under a file');
  t.true((await stat(file)).isFile());
  t.regex(service.logs(), /cache folder cannot be created/);
});

test.serial('a read-only cache folder with entries from an earlier run: entries served, nothing written, other years from S3', async (t) => {
  if (!ready) return t.pass('no workbook (../shared missing)');
  const dir = await serviceFolder('read-only');
  const first = await startService(dir);
  await get(`${first.url}/plants?year=2018`);
  await get(`${first.url}/plants?year=2017`);
  await first.stop();
  const cached = await entryFiles(dir);
  t.is(cached.size, 2, 'the first run cached the 2018 and 2017 datamarts');

  await chmod(dir, 0o555);
  for (const name of cached.keys()) await chmod(path.join(dir, name), 0o444);
  const service = await startService(dir);
  t.teardown(() => service.stop());
  await assertServesEverything(t, service, 'read-only cache');
  t.deepEqual(await entryFiles(dir), cached, 'the read-only folder is left exactly as it was');
  t.regex(service.logs(), /cache folder is read-only/);
  t.regex(service.logs(), /"msg":"datamart loaded","year":2018,"source":"cache"/, 'the earlier entries were read');
  t.regex(service.logs(), /"msg":"datamart loaded","year":2016,"source":"s3"/, 'a year never cached came from S3');
});

test.serial('a cache folder turned read-only while the service runs: answers from S3', async (t) => {
  if (!ready) return t.pass('no workbook (../shared missing)');
  const dir = await serviceFolder('read-only-later');
  const service = await startService(dir);
  t.teardown(() => service.stop());
  // Once 2018 is answered, the cache is open (writable) and holds it; then the folder turns read-only.
  t.is((await get(`${service.url}/plants?year=2018&top_n=1`)).status, 200);
  t.is((await entryFiles(dir)).size, 1);
  await chmod(dir, 0o555);
  await assertServesEverything(t, service, 'read-only while running');
  t.is((await entryFiles(dir)).size, 1, 'nothing more could be cached');
  t.regex(service.logs(), /datamart cache write failed/, 'the failed writes were met and reported');
});

test.serial('an unreadable cache folder: the service starts empty and answers from S3', async (t) => {
  if (!ready) return t.pass('no workbook (../shared missing)');
  if (!asRoot && process.getuid === undefined) return t.pass('no POSIX permissions here');
  const dir = await serviceFolder('unreadable');
  await chmod(dir, 0o000);
  const service = await startService(dir);
  t.teardown(() => service.stop());
  await assertServesEverything(t, service, 'unreadable cache');
  t.regex(service.logs(), /cache folder (is read-only|cannot be read|cannot be used)/);
});

test.serial('a full disk (writes past 1 KB fail): answers from S3, no truncated entry left behind, a later run caches normally', async (t) => {
  if (!ready) return t.pass('no workbook (../shared missing)');
  const dir = await serviceFolder('full');
  const full = await startService(dir, { fileSizeLimitBlocks: 2 });
  await assertServesEverything(t, full, 'full disk');
  await full.stop();
  t.regex(full.logs(), /datamart cache write failed/, 'the short writes were met and reported');
  t.deepEqual([...(await entryFiles(dir)).keys()], [], 'no (truncated) datamart entry is left in the folder');

  const later = await startService(dir);
  t.teardown(() => later.stop());
  await assertServesEverything(t, later, 'after the disk has room again');
  t.true((await entryFiles(dir)).size >= 1, 'entries are cached again');
});
