/**
 * IAM documents generated from the challenge configs (SPEC §6.2): no `*` resource except the Lambda's
 * own log streams, each role limited to the actions it uses on the challenge's own ARNs, and those
 * actions checked against the AWS SDK commands the bundled Lambda and service code actually construct.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadChallengeConfig, type ChallengeConfig } from '../core/config';
import { renderIam, type RenderedIam } from '../infrastructure/iam/render';
import type { PolicyDocument } from '../infrastructure/iam/policies';
import { RAW_BUCKET_LISTING } from '../infrastructure/iam/access';
import { sdkUsage } from './helpers/sdk-usage';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';

function config(challenge: string, overrides: Partial<ChallengeConfig> = {}): ChallengeConfig {
  return { ...loadChallengeConfig(path.join(ROOT, challenge)), ...overrides };
}

const rendered = (challenge: string): RenderedIam => renderIam(config(challenge), ACCOUNT, REGION);

function actionsOf(doc: PolicyDocument, exceptLogs = true): string[] {
  return [...new Set(doc.Statement.flatMap((s) => s.Action))].filter((a) => !exceptLogs || !a.startsWith('logs:')).sort();
}

/**
 * Every wildcard in a resource is the Lambda's own log streams, "all objects of one own bucket", or the run
 * records of the raw bucket (its `_etl-runs/` prefix, PutObject only).
 */
function assertScoped(t: { fail(msg: string): void; pass(): void }, doc: PolicyDocument, ownBuckets: string[], functionName: string, rawBucket: string): void {
  for (const statement of doc.Statement) {
    for (const action of statement.Action) if (action.includes('*')) t.fail(`${statement.Sid}: wildcard action ${action}`);
    for (const resource of statement.Resource) {
      if (!resource.includes('*')) continue;
      const logStreams = resource === `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${functionName}:*` && statement.Action.every((a) => a.startsWith('logs:'));
      const ownObjects = ownBuckets.some((b) => resource === `arn:aws:s3:::${b}/*`) && statement.Action.every((a) => a.startsWith('s3:'));
      const runRecords = resource === `arn:aws:s3:::${rawBucket}/_etl-runs/*` && statement.Action.join() === 's3:PutObject';
      if (!logStreams && !ownObjects && !runRecords) t.fail(`${statement.Sid}: resource ${resource} is a wildcard`);
    }
  }
  t.pass();
}

test('IAM: no statement of any rendered policy has a * resource; wildcards only in the Lambda\'s own CloudWatch log streams, own buckets\' objects and the raw bucket\'s _etl-runs/ prefix', (t) => {
  for (const challenge of ['challenge-1', 'challenge-2']) {
    const cfg = config(challenge);
    const docs = rendered(challenge);
    const buckets = [cfg.raw_bucket, cfg.datamarts_bucket].filter((b): b is string => !!b);
    assertScoped(t, docs.lambda_policy, buckets, cfg.lambda_function, cfg.raw_bucket);
    assertScoped(t, docs.instance_policy, buckets, cfg.lambda_function, cfg.raw_bucket);
    for (const s of [...docs.lambda_policy.Statement, ...docs.instance_policy.Statement]) t.false(s.Resource.includes('*'), s.Sid);
  }
});

test('IAM: challenge-1 Lambda reads raw objects (and may list the raw bucket, so a wrong key is NoSuchKey), writes its run records under the raw bucket\'s _etl-runs/ only, and writes datamart objects; the instance lists and reads datamarts', (t) => {
  const docs = rendered('challenge-1');
  t.deepEqual(docs.lambda_policy.Statement, [
    { Sid: 'EtlRawBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::datalake-c1-raw'] },
    { Sid: 'EtlRawObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::datalake-c1-raw/*'] },
    { Sid: 'EtlRunRecords', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::datalake-c1-raw/_etl-runs/*'] },
    { Sid: 'EtlDatamartsObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::datalake-c1-datamarts/*'] },
    { Sid: 'LogGroup', Effect: 'Allow', Action: ['logs:CreateLogGroup'], Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/datalake-c1-etl`] },
    { Sid: 'LogStreams', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/datalake-c1-etl:*`] },
  ]);
  t.deepEqual(docs.instance_policy.Statement, [
    { Sid: 'ServiceDatamartsBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::datalake-c1-datamarts'] },
    { Sid: 'ServiceDatamartsObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::datalake-c1-datamarts/*'] },
  ]);
  t.deepEqual(docs.lambda_trust.Statement, [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }]);
  t.deepEqual(docs.instance_trust.Statement, [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  t.is(docs.lambda_role_name, 'datalake-c1-etl-role');
  t.is(docs.instance_role_name, 'datalake-challenge-1-webservice');
});

test('IAM: challenge-2 Lambda reads raw objects, writes its run records under the raw bucket\'s _etl-runs/ only, and writes its table; the instance only queries and reads it', (t) => {
  const docs = rendered('challenge-2');
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/datalake-c2-imagers`;
  t.deepEqual(docs.lambda_policy.Statement.slice(0, 4), [
    { Sid: 'EtlRawBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::datalake-c2-raw'] },
    { Sid: 'EtlRawObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::datalake-c2-raw/*'] },
    { Sid: 'EtlRunRecords', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::datalake-c2-raw/_etl-runs/*'] },
    { Sid: 'EtlTable', Effect: 'Allow', Action: ['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], Resource: [table] },
  ]);
  t.deepEqual(docs.instance_policy.Statement, [{ Sid: 'ServiceTable', Effect: 'Allow', Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'], Resource: [table] }]);
  // Nothing of challenge-1's store leaks into challenge-2's roles.
  t.false(JSON.stringify(docs).includes('datamarts'));
});

test('IAM: salted names and another region/partition flow into every ARN and role name', (t) => {
  const salted = loadChallengeConfig(path.join(ROOT, 'challenge-2'));
  const cfg: ChallengeConfig = { ...salted, salt: 'x7k2', raw_bucket: 'datalake-c2-raw-x7k2', table_name: 'datalake-c2-imagers-x7k2', lambda_function: 'datalake-c2-etl-x7k2' };
  const docs = renderIam(cfg, ACCOUNT, 'cn-north-1');
  t.is(docs.lambda_role_name, 'datalake-c2-etl-x7k2-role');
  t.is(docs.instance_role_name, 'datalake-challenge-2-webservice-x7k2');
  t.deepEqual(docs.instance_policy.Statement[0].Resource, [`arn:aws-cn:dynamodb:cn-north-1:${ACCOUNT}:table/datalake-c2-imagers-x7k2`]);
  t.deepEqual(docs.lambda_policy.Statement[0].Resource, ['arn:aws-cn:s3:::datalake-c2-raw-x7k2']);
  t.deepEqual(docs.lambda_policy.Statement[1].Resource, ['arn:aws-cn:s3:::datalake-c2-raw-x7k2/*']);
  t.deepEqual(docs.lambda_policy.Statement[2].Resource, ['arn:aws-cn:s3:::datalake-c2-raw-x7k2/_etl-runs/*']);
  t.deepEqual(docs.instance_trust.Statement[0].Principal, { Service: 'ec2.amazonaws.com.cn' });
});

test('IAM: bad inputs are named: account id, region, a config with no store', (t) => {
  t.throws(() => renderIam(config('challenge-1'), '12345', REGION), { message: 'account id "12345" is not 12 digits' });
  t.throws(() => renderIam(config('challenge-1'), ACCOUNT, 'Frankfurt'), { message: /region "Frankfurt" is not an AWS region name/ });
  t.throws(() => renderIam(config('challenge-1', { datamarts_bucket: undefined }), ACCOUNT, REGION), { message: 'challenge-1: config.yml sets neither datamarts_bucket (challenge-1) nor table_name (challenge-2)' });
  t.throws(() => renderIam(config('challenge-1', { lambda_function: 'x'.repeat(70) }), ACCOUNT, REGION), { message: /IAM role name "x+-role" is invalid/ });
});

// The generated policies against the code: an SDK command added to the ETL or the service without its
// permission fails here rather than with AccessDenied on AWS.
const LAMBDA_ENTRIES = { 'challenge-1': 'lambda/egrid.ts', 'challenge-2': 'lambda/well.ts' } as const;
const SERVICE_ENTRIES = { 'challenge-1': 'webservice/plants/s3-backend.ts', 'challenge-2': 'webservice/imagers/dynamo-backend.ts' } as const;
/** Bundled with a class the service uses but never called by it; the instance role must not grant them. */
const SERVICE_BUNDLED_UNUSED: Record<string, string[]> = {
  'challenge-1': [],
  'challenge-2': ['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'], // WellStore's ingest methods (the Lambda's)
};

for (const challenge of ['challenge-1', 'challenge-2'] as const) {
  test(`IAM: the ${challenge} Lambda role grants exactly the actions ${LAMBDA_ENTRIES[challenge]} can send, plus ListBucket on the raw bucket`, async (t) => {
    const usage = await sdkUsage(ROOT, LAMBDA_ENTRIES[challenge]);
    const expected = [...new Set([...usage.actions, RAW_BUCKET_LISTING])].sort();
    t.deepEqual(actionsOf(rendered(challenge).lambda_policy), expected, `commands in the bundle: ${usage.commands.join(', ')}`);
  });

  test(`IAM: the ${challenge} instance role grants only actions ${SERVICE_ENTRIES[challenge]} sends`, async (t) => {
    const usage = await sdkUsage(ROOT, SERVICE_ENTRIES[challenge]);
    const granted = actionsOf(rendered(challenge).instance_policy, false);
    t.deepEqual(granted.filter((a) => !usage.actions.includes(a)), [], 'granted but never sent');
    t.deepEqual(
      usage.actions.filter((a) => !granted.includes(a)),
      SERVICE_BUNDLED_UNUSED[challenge],
      `sent but not granted (commands: ${usage.commands.join(', ')}); if the service really needs it, add it to access.ts`,
    );
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return name === 'generated' ? [] : sourceFiles(file);
    return file.endsWith('.ts') ? [path.relative(ROOT, file)] : [];
  });
}

test('IAM: every Lambda, service and core file that constructs SDK commands is inside one of the analysed bundles', async (t) => {
  const analysed = new Set<string>();
  for (const entry of [...Object.values(LAMBDA_ENTRIES), ...Object.values(SERVICE_ENTRIES)]) (await sdkUsage(ROOT, entry)).inputs.forEach((f) => analysed.add(f));
  const senders = ['lambda', 'webservice', 'core'].flatMap((d) => sourceFiles(path.join(ROOT, d))).filter((f) => /\bnew \w+Command\(/.test(readFileSync(path.join(ROOT, f), 'utf8')));
  t.true(senders.length > 0);
  t.deepEqual(senders.filter((f) => !analysed.has(f)), [], 'files that send AWS commands outside the analysed entry points: add their entry to this test');
});

const run = promisify(execFile);

test('IAM: the render CLI prints every document as JSON and writes them with --out; a bad account id exits non-zero', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'iam-render-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const cli = path.join(ROOT, 'infrastructure', 'iam', 'render.ts');
  const { stdout } = await run(tsx, [cli, path.join(ROOT, 'challenge-1'), '--account-id', ACCOUNT, '--out', out]);
  const printed = JSON.parse(stdout) as RenderedIam;
  t.deepEqual(printed, JSON.parse(JSON.stringify(rendered('challenge-1'))));
  t.deepEqual(readdirSync(out).sort(), ['instance_policy.json', 'instance_trust.json', 'lambda_policy.json', 'lambda_trust.json']);
  t.deepEqual(JSON.parse(readFileSync(path.join(out, 'lambda_policy.json'), 'utf8')), printed.lambda_policy);

  const err = (await t.throwsAsync(run(tsx, [cli, path.join(ROOT, 'challenge-1'), '--account-id', 'abc']))) as unknown as { code: number; stderr: string };
  t.is(err.code, 1);
  t.regex(err.stderr, /iam render: account id "abc" is not 12 digits/);
});
