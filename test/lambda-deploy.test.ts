/**
 * The aws target's Lambda tool against a MOCK of the Lambda REST API (test/helpers/lambda-mock.ts; no
 * Lambda emulator exists). The mock refuses a change while the previous one is settling, as Lambda does,
 * so a missing wait fails these tests. The S3 staging of large zips goes through the real s3rver.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer, type Socket } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Client } from '../core/aws/clients';
import { lambdaClient } from '../core/aws/lambda-client';
import { loadChallengeConfig, type ChallengeConfig } from '../core/config';
import { clean, deploy, invoke, invokeTimeoutMs, lambdaDeployment, LambdaFunctionError, parseEnvironment, resolveRoleArn, waitUntilReady, type DeployInputs } from '../infrastructure/tools/lambda-deploy';
import { startEmulators } from './helpers/emulators';
import { startLambdaMock, type LambdaMockOptions } from './helpers/lambda-mock';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROLE = 'arn:aws:iam::123456789012:role/datalake-c2-etl-role';
const FAST = { wait: { intervalMs: 1, timeoutMs: 1_000, sleep: async () => {} }, rolePropagation: { attempts: 5, delayMs: 1, sleep: async () => {} } };

function config(challenge: 'challenge-1' | 'challenge-2', overrides: Partial<ChallengeConfig> = {}): ChallengeConfig {
  return { ...loadChallengeConfig(path.join(ROOT, challenge)), ...overrides };
}

function workdir(t: { teardown(fn: () => void): void }): { dir: string; zip(name: string, content: string): string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lambda-deploy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    zip(name, content) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      return file;
    },
  };
}

async function setup(t: ExecutionContext, options: LambdaMockOptions = {}) {
  const mock = await startLambdaMock(options);
  const client = lambdaClient({ region: 'eu-central-1', lambdaEndpoint: mock.endpoint, maxAttempts: 1 });
  t.teardown(async () => {
    client.destroy();
    await mock.close();
  });
  const files = workdir(t);
  const inputs = (cfg: ChallengeConfig, layer: string, code: string): DeployInputs => ({
    deployment: lambdaDeployment(cfg, ROLE),
    layerZip: files.zip('layer.zip', layer),
    functionZip: files.zip('lambda.zip', code),
    ...FAST,
  });
  return { mock, client, files, inputs };
}

test('mock: deploy creates the layer and the function with the configured settings, waiting until Pending turns Active', async (t) => {
  const { mock, client, inputs } = await setup(t, { pendingPolls: 3, invoke: () => ({ payload: { ok: true }, log: '' }) });
  const cfg = config('challenge-2');
  const result = await deploy(client, inputs(cfg, 'layer-v1', 'code-v1'));

  t.true(result.layer.published);
  t.is(result.layer.version, 1);
  t.is(result.fn.action, 'created');
  const [create] = mock.calls('POST', /^\/2015-03-31\/functions$/);
  const body = create.body as Record<string, unknown>;
  t.like(body, {
    FunctionName: 'datalake-c2-etl',
    Role: ROLE,
    Handler: 'well.handler',
    Runtime: 'nodejs22.x',
    Architectures: ['x86_64'],
    MemorySize: 1024,
    Timeout: 300,
    Layers: [result.layer.arn],
    Environment: { Variables: { LOG_LEVEL: 'info', TABLE_NAME: 'datalake-c2-imagers', IMAGES_SIZE: '150' } },
    Tags: { project: 'datalake', challenge: 'challenge-2' },
  });
  const [publish] = mock.calls('POST', /\/layers\/datalake-c2-etl-deps\/versions$/);
  t.like(publish.body as Record<string, unknown>, { CompatibleRuntimes: ['nodejs22.x'], CompatibleArchitectures: ['x86_64'] });
  // 3 Pending answers, then Active; an invocation now is accepted (the mock refuses one while Pending).
  t.is(mock.calls('GET', /\/configuration$/).length, 4);
  t.deepEqual((await invoke(client, lambdaDeployment(cfg), {}, FAST.wait)).result, { ok: true });
});

test('mock: a second deploy of the same build publishes no layer and changes nothing', async (t) => {
  const { mock, client, inputs } = await setup(t);
  const cfg = config('challenge-1');
  await deploy(client, inputs(cfg, 'layer-v1', 'code-v1'));
  const before = mock.requests.length;
  const again = await deploy(client, inputs(cfg, 'layer-v1', 'code-v1'));

  t.false(again.layer.published);
  t.is(again.layer.version, 1);
  t.is(again.fn.action, 'unchanged');
  const writes = mock.requests.slice(before).filter((r) => r.method !== 'GET');
  t.deepEqual(writes, []);
});

test('mock: changed code, settings and layer update the function in place, waiting for InProgress to turn Successful between calls', async (t) => {
  const { mock, client, inputs } = await setup(t, { pendingPolls: 1, inProgressPolls: 2 });
  await deploy(client, inputs(config('challenge-1'), 'layer-v1', 'code-v1'));

  const updated = await deploy(client, inputs(config('challenge-1', { lambda_memory_mb: 2048 }), 'layer-v1', 'code-v2'));
  t.is(updated.fn.action, 'updated');
  t.true(updated.fn.codeUpdated);
  t.true(updated.fn.configurationUpdated);
  t.is(mock.calls('PUT', /\/code$/).length, 1);
  t.is(mock.calls('PUT', /\/configuration$/).length, 1); // sent after the code update settled, or the mock would have answered 409
  const fn = mock.functions.get('datalake-c1-etl')!;
  t.is(fn.config.MemorySize, 2048);
  t.is(fn.config.CodeSha256, (await import('node:crypto')).createHash('sha256').update('code-v2').digest('base64'));

  const relayered = await deploy(client, inputs(config('challenge-1', { lambda_memory_mb: 2048 }), 'layer-v2', 'code-v2'));
  t.true(relayered.layer.published);
  t.is(relayered.layer.version, 2);
  t.false(relayered.fn.codeUpdated);
  t.deepEqual(fn.config.Layers, [{ Arn: relayered.layer.arn, CodeSize: 1 }]);
  t.is(mock.calls('PUT', /\/code$/).length, 1);
});

test('mock: waiting is bounded and names the state it gave up in; a Failed function fails with Lambda\'s reason', async (t) => {
  const { mock, client, inputs } = await setup(t, { pendingPolls: 1_000 });
  const stuck = { ...inputs(config('challenge-1'), 'l', 'c'), wait: { intervalMs: 1, timeoutMs: 5, sleep: async () => {} } };
  const err = await t.throwsAsync(deploy(client, stuck));
  t.regex(err!.message, /datalake-c1-etl not ready after .*State Pending/);
  t.is(mock.calls('GET', /\/configuration$/).length, 6);

  mock.functions.get('datalake-c1-etl')!.failure = { code: 'InvalidRole', reason: 'The role does not have permissions' };
  await t.throwsAsync(waitUntilReady(client, 'datalake-c1-etl', FAST.wait), { message: 'Lambda datalake-c1-etl failed to become active: InvalidRole The role does not have permissions' });
});

test('mock: a role created seconds ago (not yet assumable) is retried until Lambda accepts it', async (t) => {
  const { mock, client, inputs } = await setup(t, { roleNotAssumableTimes: 2 });
  const result = await deploy(client, inputs(config('challenge-2'), 'l', 'c'));
  t.is(result.fn.action, 'created');
  t.is(mock.calls('POST', /^\/2015-03-31\/functions$/).length, 3);
});

test('mock: deploy without a role ARN for a missing function says how to get one', async (t) => {
  const { client, files } = await setup(t);
  const inputs: DeployInputs = { deployment: lambdaDeployment(config('challenge-1')), layerZip: files.zip('layer.zip', 'l'), functionZip: files.zip('lambda.zip', 'c'), ...FAST };
  await t.throwsAsync(deploy(client, inputs), { message: /no role ARN was given: run the infrastructure step/ });
});

test('mock: invoke sends the configured event RequestResponse and returns the result with the decoded log tail', async (t) => {
  let received: unknown;
  const log = 'START RequestId: 1\n{"level":"info","msg":"ingest done"}\nEND RequestId: 1\nREPORT Duration: 812 ms\n';
  const { mock, client, inputs } = await setup(t, {
    invoke: (_fn, event) => {
      received = event;
      return { payload: { well: 'test-well', rows: 3 }, log };
    },
  });
  const cfg = config('challenge-2');
  await deploy(client, inputs(cfg, 'l', 'c'));
  const out = await invoke(client, lambdaDeployment(cfg), undefined, FAST.wait);

  t.deepEqual(received, { bucket: 'datalake-c2-raw', key: 'well_imager.csv', well: 'test-well' });
  t.deepEqual(out.result, { well: 'test-well', rows: 3 });
  t.is(out.logTail, log);
  t.is(mock.calls('POST', /\/invocations$/).length, 1);
});

test('invoke: a connection that never answers is abandoned a margin after the function\'s timeout, with a message', async (t) => {
  t.is(invokeTimeoutMs(300), 330_000);
  t.is(invokeTimeoutMs(config('challenge-1').lambda_timeout_s), config('challenge-1').lambda_timeout_s * 1000 + 30_000);
  // A Lambda endpoint that accepts the request and never answers (a connection lost mid-invocation).
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket.on('data', () => {})));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const client = lambdaClient({ region: 'eu-central-1', lambdaEndpoint: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, maxAttempts: 1 });
  t.teardown(() => {
    client.destroy();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  await t.throwsAsync(invoke(client, lambdaDeployment(config('challenge-1')), {}, FAST.wait, 2_000), {
    message: 'Lambda datalake-c1-etl: no answer within 2 s (its timeout plus 30 s): the connection was probably lost; its outcome is in its CloudWatch log group',
  });
  t.is(sockets.length, 1);
});

test('mock: a FunctionError fails with Lambda\'s error type and message, and keeps the log tail', async (t) => {
  const { client, inputs } = await setup(t, {
    invoke: () => ({ functionError: 'Unhandled', payload: { errorType: 'Error', errorMessage: 'workbook has no PLNTyy sheet', trace: [] }, log: 'ERROR workbook has no PLNTyy sheet\n' }),
  });
  const cfg = config('challenge-1');
  await deploy(client, inputs(cfg, 'l', 'c'));
  const err = await t.throwsAsync(invoke(client, lambdaDeployment(cfg), undefined, FAST.wait), { instanceOf: LambdaFunctionError });
  t.is(err!.message, 'Lambda datalake-c1-etl failed: Error: workbook has no PLNTyy sheet');
  t.is(err!.logTail, 'ERROR workbook has no PLNTyy sheet\n');
});

test('mock: clean deletes the function and every layer version across pages, and a second clean is a no-op', async (t) => {
  const { mock, client, inputs } = await setup(t, { layerPageSize: 2 });
  const cfg = config('challenge-1');
  for (const layer of ['l1', 'l2', 'l3']) await deploy(client, inputs(cfg, layer, 'c'));
  mock.layers.set('someone-elses-layer', [{ Version: 1, LayerVersionArn: 'arn:aws:lambda:eu-central-1:123456789012:layer:someone-elses-layer:1', CodeSha256: 'x', CompatibleRuntimes: [], CompatibleArchitectures: [] }]);
  t.is(mock.layers.get('datalake-c1-etl-deps')!.length, 3);

  const removed = await clean(client, lambdaDeployment(cfg));
  t.true(removed.functionDeleted);
  t.deepEqual(removed.layerVersionsDeleted.sort(), [1, 2, 3]);
  t.false(mock.functions.has('datalake-c1-etl'));
  t.deepEqual(mock.layers.get('datalake-c1-etl-deps'), []);
  t.is(mock.layers.get('someone-elses-layer')!.length, 1);

  t.deepEqual(await clean(client, lambdaDeployment(cfg)), { functionDeleted: false, layerVersionsDeleted: [] });
});

test('mock: zips over the inline limit are staged in the raw bucket (real s3rver) and removed after the call', async (t) => {
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const s3 = s3Client(emu.settings);
  t.teardown(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'datalake-c1-raw' }));
  const { mock, client, inputs } = await setup(t, {
    fetchS3Object: async (bucket, key) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()),
  });
  const result = await deploy(client, { ...inputs(config('challenge-1'), 'a-layer-over-the-limit', 'code-over-the-limit'), staging: { s3, bucket: 'datalake-c1-raw', inlineLimit: 8 } });

  const [publish] = mock.calls('POST', /\/layers\/.*\/versions$/);
  t.like(publish.body as Record<string, unknown>, { Content: { S3Bucket: 'datalake-c1-raw' } });
  t.regex(((publish.body as { Content: { S3Key: string } }).Content.S3Key), /^_lambda-staging\/datalake-c1-etl-deps-/);
  t.is(mock.layers.get('datalake-c1-etl-deps')![0].CodeSha256, (await import('node:crypto')).createHash('sha256').update('a-layer-over-the-limit').digest('base64'));
  t.is(result.fn.action, 'created');
  const left = await s3.send(new ListObjectsV2Command({ Bucket: 'datalake-c1-raw' }));
  t.is(left.KeyCount ?? 0, 0);
});

test('deployment from each challenge config: handler environment, event, names; bad settings are named', (t) => {
  const c1 = lambdaDeployment(config('challenge-1'));
  t.deepEqual(c1.fn.environment, { LOG_LEVEL: 'info', DATAMARTS_BUCKET: 'datalake-c1-datamarts' });
  t.deepEqual(c1.event, { bucket: 'datalake-c1-raw', key: 'egrid2018_data_v2.xlsx' });
  t.is(c1.layer.layerName, 'datalake-c1-etl-deps');
  const salted = lambdaDeployment(config('challenge-1', { lambda_function: 'datalake-c1-etl-x7k2' }));
  t.is(salted.layer.layerName, 'datalake-c1-etl-x7k2-deps');
  t.throws(() => lambdaDeployment(config('challenge-1', { lambda_architecture: 'amd64' })), { message: /lambda_architecture "amd64" must be one of x86_64, arm64/ });
  t.throws(() => lambdaDeployment(config('challenge-1', { lambda_runtime: 'python3.12' })), { message: /lambda_runtime "python3.12" is not a Node.js runtime/ });
  t.throws(() => lambdaDeployment(config('challenge-1', { lambda_timeout_s: 1200 })), { message: /lambda_timeout_s 1200 must be an integer from 1 to 900/ });
});

test('--env pairs become the function environment; malformed and reserved names are named', (t) => {
  t.deepEqual(parseEnvironment(['DATAMARTS_BUCKET=b', 'EMPTY=', 'URL=a=b']), { DATAMARTS_BUCKET: 'b', EMPTY: '', URL: 'a=b' });
  t.throws(() => parseEnvironment(['NOVALUE']), { message: '--env "NOVALUE" is not KEY=VALUE' });
  t.throws(() => parseEnvironment(['AWS_REGION=x']), { message: /AWS_\* variables are reserved/ });
  t.throws(() => parseEnvironment(['1X=y']), { message: /1X is not a valid Lambda environment variable name/ });
});

test('role ARN: --role-arn, then $LAMBDA_ROLE_ARN, then build/aws/iam.json; a malformed file is named', (t) => {
  const { dir } = workdir(t);
  t.is(resolveRoleArn(dir, undefined, {}), undefined);
  mkdirSync(path.join(dir, 'build', 'aws'), { recursive: true });
  writeFileSync(path.join(dir, 'build', 'aws', 'iam.json'), JSON.stringify({ lambda_role_arn: 'arn:aws:iam::1:role/from-file' }));
  t.is(resolveRoleArn(dir, undefined, {}), 'arn:aws:iam::1:role/from-file');
  t.is(resolveRoleArn(dir, undefined, { LAMBDA_ROLE_ARN: 'arn:aws:iam::1:role/from-env' }), 'arn:aws:iam::1:role/from-env');
  t.is(resolveRoleArn(dir, 'arn:aws:iam::1:role/flag', { LAMBDA_ROLE_ARN: 'arn:aws:iam::1:role/from-env' }), 'arn:aws:iam::1:role/flag');
  writeFileSync(path.join(dir, 'build', 'aws', 'iam.json'), JSON.stringify({ lambda_role_arn: 'nope' }));
  t.throws(() => resolveRoleArn(dir, undefined, {}), { message: /iam\.json: lambda_role_arn is missing or not an ARN/ });
});

const run = promisify(execFile);

test('mock: the CLI `run` deploys, invokes and prints the log tail; a function error exits non-zero with its message', async (t) => {
  let fail = false;
  let received: unknown;
  const mock = await startLambdaMock({
    invoke: (_fn, event) => ((received = event), fail ? { functionError: 'Unhandled', payload: { errorType: 'RangeError', errorMessage: 'pixel 300 outside 0-255 (line 7)' }, log: 'boom\n' } : { payload: { rows: 3 }, log: 'REPORT Duration: 5 ms\n' }),
  });
  t.teardown(() => mock.close());
  const { dir } = workdir(t);
  mkdirSync(path.join(dir, 'infrastructure'));
  mkdirSync(path.join(dir, 'build'));
  writeFileSync(path.join(dir, 'infrastructure', 'config.yml'), (await import('node:fs')).readFileSync(path.join(ROOT, 'challenge-2', 'infrastructure', 'config.yml')));
  writeFileSync(path.join(dir, 'build', 'layer.zip'), 'layer');
  writeFileSync(path.join(dir, 'build', 'lambda.zip'), 'code');
  const env = { ...process.env, LAMBDA_ENDPOINT: mock.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true', LOG_LEVEL: 'warn' };
  const cli = [path.join(ROOT, 'node_modules', '.bin', 'tsx'), path.join(ROOT, 'infrastructure', 'tools', 'lambda-deploy.ts')];

  const event = '{"bucket": "datalake-c2-raw", "key": "synthetic-well-imager.csv", "well": "test-well"}';
  const ok = await run(cli[0], [cli[1], 'run', dir, '--role-arn', ROLE, '--event', event, '--env', 'TABLE_NAME=datalake-c2-imagers', '--env', 'IMAGES_SIZE=150'], { env });
  t.deepEqual(JSON.parse(ok.stdout), { rows: 3 });
  t.deepEqual(received, JSON.parse(event));
  t.deepEqual(mock.functions.get('datalake-c2-etl')!.config.Environment, { Variables: { TABLE_NAME: 'datalake-c2-imagers', IMAGES_SIZE: '150' } });
  t.regex(ok.stderr, /--- Lambda log tail ---\nREPORT Duration: 5 ms\n--- end of log tail ---/);

  fail = true;
  const err = await t.throwsAsync(run(cli[0], [cli[1], 'invoke', dir], { env }));
  const failure = err as unknown as { code: number; stderr: string };
  t.is(failure.code, 1);
  t.regex(failure.stderr, /lambda-deploy: Lambda datalake-c2-etl failed: RangeError: pixel 300 outside 0-255 \(line 7\)/);
  t.regex(failure.stderr, /--- Lambda log tail ---\nboom/);

  const cleaned = await run(cli[0], [cli[1], 'clean', dir], { env });
  t.deepEqual(JSON.parse(cleaned.stdout), { function: 'datalake-c2-etl', functionDeleted: true, layerVersionsDeleted: [1] });
});
