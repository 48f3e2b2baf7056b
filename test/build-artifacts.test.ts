/**
 * The shipped artifacts, built into a temporary folder: the layer's layout, deterministic zips, the
 * handlers run from lambda.zip + layer.zip alone in a Lambda-like child process (invoke-local) against
 * the emulators, and the service bundle started with plain node and no node_modules.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { createWellTable, WellStore } from '../core/well/store';
import { decodeDatamart } from '../core/egrid/datamart-codec';
import { datamartKey } from '../core/egrid/datamart-layout';
import { ARTIFACTS, buildArtifact, buildArtifacts, type BuildReport } from '../infrastructure/build/build';
import { bundleHandlers, checkAgainstLayer, findHandlers, WORKER_SCRIPTS } from '../infrastructure/build/lambda';
import { nativePackagesAmong } from '../infrastructure/build/packages';
import { readLayerModules } from '../infrastructure/build/layer';
import { zipBuffer, zipEntryNames } from '../infrastructure/build/zip';
import { invokeLocal, LambdaInvocationError } from '../infrastructure/tools/invoke-local';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { PROJECT_ROOT, requireShared } from './helpers/shared';

const RAW = 'artifacts-raw';
const MARTS = 'artifacts-marts';
const TABLE = 'artifacts-imagers';
const INVOKE_LOCAL = path.join(PROJECT_ROOT, 'infrastructure', 'tools', 'invoke-local.ts');

let out: string;
let reports: BuildReport[];
let emulators: TestEmulators;
let s3: S3Client;
let dynamo: DynamoDBClient;

test.before(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'build-artifacts-'));
  reports = await buildArtifacts(ARTIFACTS, { out });
  emulators = await startEmulators();
  s3 = s3Client(emulators.settings);
  dynamo = dynamoClient(emulators.settings);
  for (const bucket of [RAW, MARTS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await createWellTable(dynamo, TABLE);
});

test.after.always(async () => {
  s3?.destroy();
  dynamo?.destroy();
  await emulators?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

const lambdaZip = (): string => path.join(out, 'lambda.zip');
const layerZip = (): string => path.join(out, 'layer.zip');

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function invokeCli(handler: string, event: unknown, extra: string[] = []): Promise<Exited> {
  const args = ['--import', 'tsx', INVOKE_LOCAL, '--lambda', lambdaZip(), '--layer', layerZip(), '--handler', handler, '--event', JSON.stringify(event), ...extra];
  return run(args, { ...process.env, AWS_REGION: emulators.settings.region, S3_ENDPOINT: emulators.settings.s3Endpoint, DYNAMODB_ENDPOINT: emulators.settings.dynamodbEndpoint, LOG_LEVEL: 'warn' });
}

/** A one-file function zip for runner tests that need a handler of their own. */
async function functionZip(source: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fn-zip-'));
  const file = path.join(dir, 'fn.zip');
  await writeFile(file, await zipBuffer([{ name: 'probe.js', data: Buffer.from(source) }]));
  return file;
}

test('the build reports every artifact', (t) => {
  t.deepEqual(
    reports.map((r) => r.artifact),
    [...ARTIFACTS],
  );
  for (const r of reports) t.true(r.bytes > 0, r.artifact);
});

test('lambda.zip holds one CommonJS file per handler in lambda/, helpers excluded, and the worker threads they start', async (t) => {
  const handlers = findHandlers(PROJECT_ROOT).map((h) => h.name);
  t.true(handlers.includes('well'));
  t.false(handlers.includes('events'));
  t.deepEqual(await zipEntryNames(lambdaZip()), [...handlers, ...WORKER_SCRIPTS.map((w) => w.name)].map((name) => `${name}.js`).sort());
  t.true(WORKER_SCRIPTS.some((w) => w.name === 'well-parse-thread'));
});

test('layer.zip is nodejs/node_modules/<module>/index.js for each module of layer/modules.json, nothing else', async (t) => {
  const names = await zipEntryNames(layerZip());
  const modules = readLayerModules(PROJECT_ROOT);
  t.true(modules.includes('csv-parse'));
  t.deepEqual(names, modules.map((m) => `nodejs/node_modules/${m}/index.js`).sort());
  t.false(names.some((n) => n.endsWith('.node')));
});

test('the build fails, naming package and handler, when a handler imports what the layer does not carry', async (t) => {
  const { externals } = await bundleHandlers(PROJECT_ROOT);
  t.true(externals.get('well')?.includes('csv-parse'));
  const modules = readLayerModules(PROJECT_ROOT);
  t.notThrows(() => checkAgainstLayer(externals, modules));
  const error = t.throws(() => checkAgainstLayer(externals, modules.filter((m) => m !== 'csv-parse')));
  t.regex(error?.message ?? '', /does not carry "csv-parse" \(imported by well\.handler\): add it to layer\/modules\.json/);
});

test('native code is detected among bundle inputs (dynalite\'s classic-level), pure JavaScript is not', (t) => {
  t.deepEqual(nativePackagesAmong(PROJECT_ROOT, ['node_modules/classic-level/index.js', 'node_modules/csv-parse/dist/cjs/index.cjs']), ['classic-level']);
  t.deepEqual(nativePackagesAmong(PROJECT_ROOT, ['node_modules/csv-parse/dist/cjs/index.cjs', 'core/log.ts']), []);
});

test.serial('an unchanged rebuild writes nothing: byte-identical zips, old mtimes kept', async (t) => {
  const before = await Promise.all([lambdaZip(), layerZip()].map(async (f) => ({ bytes: await readFile(f), mtime: (await stat(f)).mtimeMs })));
  const again = await Promise.all((['lambda', 'layer'] as const).map((a) => buildArtifact(a, { out })));
  t.deepEqual(
    again.map((r) => r.changed),
    [false, false],
  );
  const after = await Promise.all([lambdaZip(), layerZip()].map(async (f) => ({ bytes: await readFile(f), mtime: (await stat(f)).mtimeMs })));
  t.deepEqual(after, before);
  const depfile = await readFile(path.join(out, '.deps', 'lambda.d'), 'utf8');
  t.true(depfile.startsWith(`${path.join(out, '.deps', 'lambda.stamp')}: `));
  t.true(depfile.includes(path.join(PROJECT_ROOT, 'lambda', 'well.ts')));
});

test.serial('well.handler runs from the zips in a child process and ingests the sample: 5,460 rows', async (t) => {
  const csv = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  if (!csv) return;
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'raw/well_imager_200.csv', Body: await readFile(csv) }));
  const exited = await invokeCli('well.handler', { bucket: RAW, key: 'raw/well_imager_200.csv' }, ['--env', `TABLE_NAME=${TABLE}`, '--env', 'IMAGES_SIZE=150', '--timeout', '120', '--memory', '1024', '--function-name', 'well-etl']);
  t.is(exited.code, 0, exited.stderr);
  const result = JSON.parse(exited.stdout) as Record<string, unknown>;
  t.like(result, { well: 'well_imager_200', rowsWritten: 5460, width: 150, inputWidth: 200 });
  const store = new WellStore({ client: dynamo, tableName: TABLE });
  const meta = await store.getWell('well_imager_200');
  t.like(meta, { rows: 5460, width: 150 });
  const frame = await store.readFrame('well_imager_200', meta!.minDepthTenths, meta!.maxDepthTenths);
  t.is(frame?.depthsTenths.length, 5460);
});

test.serial('egrid.handler runs from the zips in a child process and writes the 2018 datamart', async (t) => {
  const workbook = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!workbook) return;
  await s3.send(new PutObjectCommand({ Bucket: RAW, Key: 'egrid2018_data_v2.xlsx', Body: await readFile(workbook) }));
  const { result } = await invokeLocal({
    lambdaZip: lambdaZip(),
    layerZip: layerZip(),
    handler: 'egrid.handler',
    event: { bucket: RAW, key: 'egrid2018_data_v2.xlsx' },
    functionName: 'egrid-etl',
    memoryMb: 1024,
    timeoutSeconds: 120,
    environment: { DATAMARTS_BUCKET: MARTS },
    aws: emulators.settings,
  });
  t.like(result, { year: 2018, keptRows: 8955, datamartKey: datamartKey(2018) });
  const object = await s3.send(new GetObjectCommand({ Bucket: MARTS, Key: datamartKey(2018) }));
  const plants = await decodeDatamart(await object.Body!.transformToByteArray());
  t.is(plants.length, 8955);
});

test.serial('a handler error exits non-zero with the error message', async (t) => {
  const exited = await invokeCli('well.handler', { bucket: RAW, key: 'raw/missing.csv' }, ['--env', `TABLE_NAME=${TABLE}`, '--timeout', '30']);
  t.is(exited.code, 1);
  t.is(exited.stdout, '');
  const last = exited.stderr.trim().split('\n').at(-1);
  t.is(last, `invoke-local: well.handler failed: Error: s3://${RAW}/raw/missing.csv: object not found (NoSuchKey)`);
});

test.serial('the handler sees Lambda\'s environment and the layer, never the project\'s node_modules', async (t) => {
  const zip = await functionZip(`
    const resolves = (m) => { try { return require.resolve(m); } catch { return null; } };
    exports.handler = async (event, context) => ({
      event, cwd: process.cwd(), nodePath: process.env.NODE_PATH, table: process.env.TABLE_NAME,
      name: context.functionName, memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis(),
      envName: process.env.AWS_LAMBDA_FUNCTION_NAME, s3Endpoint: process.env.S3_ENDPOINT,
      csvParse: resolves('csv-parse'), esbuild: resolves('esbuild'), lambdaLocal: resolves('lambda-local'),
    });`);
  const workDir = await mkdtemp(path.join(tmpdir(), 'invoke-env-'));
  try {
    const { result } = await invokeLocal({
      lambdaZip: zip,
      layerZip: layerZip(),
      handler: 'probe.handler',
      event: { hello: 'world' },
      functionName: 'probe-fn',
      memoryMb: 256,
      timeoutSeconds: 10,
      environment: { TABLE_NAME: 'tbl' },
      aws: emulators.settings,
      workDir,
    });
    const r = result as Record<string, unknown>;
    const modules = path.join(workDir, 'opt', 'nodejs', 'node_modules');
    t.like(r, { event: { hello: 'world' }, cwd: path.join(workDir, 'task'), nodePath: modules, table: 'tbl', name: 'probe-fn', memory: '256', envName: 'probe-fn', s3Endpoint: emulators.settings.s3Endpoint });
    t.is(r.csvParse, path.join(modules, 'csv-parse', 'index.js'));
    t.is(r.esbuild, null);
    t.is(r.lambdaLocal, null);
    t.true((r.remaining as number) > 0 && (r.remaining as number) <= 10_000);
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(path.dirname(zip), { recursive: true, force: true });
  }
});

test.serial('the timeout is enforced, also on a handler blocking its event loop', async (t) => {
  for (const [source, expected] of [
    ['exports.handler = () => new Promise((resolve) => setTimeout(resolve, 60_000));', /^Task timed out after 1\.00 seconds$/],
    ['exports.handler = () => { for (;;) {} };', /^Task timed out after 1\.00 seconds \(the handler blocked its event loop; process killed\)$/],
  ] as const) {
    const zip = await functionZip(source);
    try {
      const logs = new PassThrough();
      let logged = '';
      logs.on('data', (c: Buffer) => (logged += c.toString()));
      const error = await t.throwsAsync(invokeLocal({ lambdaZip: zip, layerZip: layerZip(), handler: 'probe.handler', event: {}, timeoutSeconds: 1, aws: emulators.settings, logs }), { instanceOf: LambdaInvocationError });
      t.regex(error?.message ?? '', expected);
      t.is(error?.errorType, 'TimeoutError');
      if (!source.includes('for (;;)')) t.regex(logged, /"msg":"Invoke Error: TimeoutError: Task timed out after 1\.00 seconds"/);
    } finally {
      await rm(path.dirname(zip), { recursive: true, force: true });
    }
  }
});

test.serial('a work folder inside a Node project is refused', async (t) => {
  const error = await t.throwsAsync(invokeLocal({ lambdaZip: lambdaZip(), layerZip: layerZip(), handler: 'well.handler', event: {}, workDir: path.join(PROJECT_ROOT, 'build', 'invoke-local-refused') }));
  t.regex(error?.message ?? '', /which has (node_modules|package\.json)/);
});

interface RunningService {
  url: string;
  stop(): Promise<number | null>;
}

function startService(env: NodeJS.ProcessEnv): Promise<RunningService> {
  const child = spawn(process.execPath, [path.join(out, 'webservice', 'server.cjs')], { cwd: out, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of stderr.split('\n')) {
        if (!line.includes('"listening"')) continue;
        const { url } = JSON.parse(line) as { url: string };
        resolve({
          url,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening: ${stderr}`)));
  });
}

test.serial('the service bundle runs with plain node and no node_modules: /health, /openapi.json, /docs', async (t) => {
  const service = await startService({
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    SERVICE_ROUTES: 'plants,imagers',
    TABLE_NAME: TABLE,
    DATAMARTS_BUCKET: MARTS,
    AWS_REGION: emulators.settings.region,
    DYNAMODB_ENDPOINT: emulators.settings.dynamodbEndpoint,
    S3_ENDPOINT: emulators.settings.s3Endpoint,
    CACHE_DIR: path.join(out, 'cache'),
  });
  try {
    const health = await fetch(`${service.url}/health`);
    t.is(health.status, 200);
    const spec = (await (await fetch(`${service.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    t.true('/imagers/{well_id}' in spec.paths);
    t.true('/plants' in spec.paths);
    t.is((await fetch(`${service.url}/colormaps`)).status, 200);
    t.is((await fetch(`${service.url}/years`)).status, 200);
    const docs = await fetch(`${service.url}/docs/`);
    t.is(docs.status, 200);
    t.regex(await docs.text(), /swagger-ui-bundle\.js/);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-ui-init.js']) {
      const res = await fetch(`${service.url}/docs/${asset}`);
      t.is(res.status, 200, asset);
      t.true((await res.text()).length > 100, asset);
    }
    // Swagger UI answers its page for any unknown path under /docs; what matters is that the bundle is not served.
    const bundle = await readFile(path.join(out, 'webservice', 'server.cjs'), 'utf8');
    t.not(await (await fetch(`${service.url}/docs/server.cjs`)).text(), bundle);
  } finally {
    t.is(await service.stop(), 0, 'SIGTERM stops the service cleanly');
  }
});
