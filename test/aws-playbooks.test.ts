/**
 * The aws target's playbooks run for real against a MOCK of the AWS APIs (moto's server on 127.0.0.1;
 * no AWS account is reachable from here): infrastructure twice (the second run changes nothing), the
 * Lambda tool, then cleanup twice (the second finds nothing left). What the mock cannot do is left
 * out and says so: SSH to the instance (tag aws_ssh; npm run test:instance runs the web-service role over
 * SSH) and the DynamoDB table (moto's DescribeTable lacks the TableId community.aws.dynamodb_table
 * reads; the same module is exercised against dynalite by the local target).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT as ROOT } from './helpers/shared';
import { MOTO_MISSING, motoReady as ready, motoSession } from './helpers/moto-plays';

const run = promisify(execFile);

/** The inline policy of a role, from the mock's IAM API: python3 -c ROLE_POLICY ENDPOINT ROLE POLICY_NAME. */
const ROLE_POLICY = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='eu-central-1', aws_access_key_id='testing', aws_secret_access_key='testing')
document = iam.get_role_policy(RoleName=sys.argv[2], PolicyName=sys.argv[3])['PolicyDocument']
print(json.dumps(json.loads(document) if isinstance(document, str) else document))
`;

if (!ready && process.env.CI === 'true') {
  test('moto server, Ansible and boto3 are installed (CI)', (t) => t.fail(MOTO_MISSING));
}

(ready ? test : test.skip)('mock (moto): infrastructure-play creates and re-finds everything tagged (the Lambda role may write only its run records in the raw bucket), the wait for a notified run fails with the ETL\'s message on the mock\'s S3, then cleanup-play removes it all, twice each', async (t) => {
  t.timeout(300_000); // four playbook runs, each waiting for moto's instance state changes
  const { ami, challenge, env, play, state } = await motoSession(t);

  const first = await play('infrastructure-play.yml', ['--skip-tags', 'aws_ssh']);
  t.is(first.failed, 0, first.out.slice(-4000));
  t.true(first.changed > 0);
  const second = await play('infrastructure-play.yml', ['--skip-tags', 'aws_ssh']);
  t.deepEqual({ failed: second.failed, changed: second.changed }, { failed: 0, changed: 0 }, second.out.slice(-4000));

  const created = await state();
  t.deepEqual(created.instances, [
    {
      image: ami,
      zone: 'eu-central-1a',
      tokens: 'required',
      profile: 'arn:aws:iam::123456789012:instance-profile/datalake-challenge-2-webservice',
      tags: { Name: 'datalake-challenge-2-webservice', project: 'datalake', challenge: 'challenge-2' },
    },
  ]);
  t.deepEqual(created.ingress, [[[22, ['203.0.113.7/32']], [8081, ['0.0.0.0/0']]]]);
  t.deepEqual(created.buckets, { 'datalake-c2-raw': { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
  t.deepEqual(created.roles, ['datalake-c2-etl-role', 'datalake-challenge-2-webservice']);
  t.deepEqual(created.profiles, ['datalake-challenge-2-webservice']);
  const iamOut = JSON.parse(readFileSync(path.join(challenge, 'build', 'aws', 'iam.json'), 'utf8')) as { lambda_role_arn: string };
  t.is(iamOut.lambda_role_arn, 'arn:aws:iam::123456789012:role/datalake-c2-etl-role');
  t.regex((JSON.parse(readFileSync(path.join(challenge, 'build', 'aws', 'instance.json'), 'utf8')) as { service_url: string }).service_url, /^http:\/\/\S+:8081$/);

  // The Lambda tool against moto's Lambda API, with the role the play created (read from build/aws/iam.json).
  mkdirSync(path.join(challenge, 'build'), { recursive: true });
  writeFileSync(path.join(challenge, 'build', 'layer.zip'), 'layer');
  writeFileSync(path.join(challenge, 'build', 'lambda.zip'), 'code');
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const deployed = await run(tsx, [path.join(ROOT, 'infrastructure', 'tools', 'lambda-deploy.ts'), 'deploy', challenge], { env });
  t.like(JSON.parse(deployed.stdout), { function: { action: 'created' }, layer: { version: 1 } });
  t.deepEqual((await state()).functions, ['datalake-c2-etl']);

  // ETL on upload: with the function deployed, the play's notification tasks (make runs them before the upload).
  const notify = await play('infrastructure-play.yml', ['--tags', 'notification']);
  t.is(notify.failed, 0, notify.out.slice(-4000));
  t.true(notify.changed > 0);
  const notifyAgain = await play('infrastructure-play.yml', ['--tags', 'notification']);
  t.deepEqual({ failed: notifyAgain.failed, changed: notifyAgain.changed }, { failed: 0, changed: 0 }, notifyAgain.out.slice(-4000));
  const notified = await state();
  t.deepEqual(notified.notifications, {
    'datalake-c2-raw': [
      {
        arn: 'arn:aws:lambda:eu-central-1:123456789012:function:datalake-c2-etl',
        events: ['s3:ObjectCreated:*'],
        rules: [{ Name: 'suffix', Value: '.csv' }],
      },
    ],
  });
  t.deepEqual(notified.permissions, {
    'datalake-c2-etl': [
      {
        principal: { Service: 's3.amazonaws.com' },
        action: 'lambda:InvokeFunction',
        condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::datalake-c2-raw' }, StringEquals: { 'AWS:SourceAccount': '123456789012' } },
      },
    ],
  });

  // The Lambda role's policy as the play put it: it may write its run records under the raw bucket's
  // _etl-runs/ only (and nothing else of the raw bucket).
  const endpoint = env.AWS_URL!;
  const rolePolicy = JSON.parse(
    (await run('python3', ['-c', ROLE_POLICY, endpoint, 'datalake-c2-etl-role', 'datalake-c2-etl-role-access'])).stdout,
  ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
  t.deepEqual(
    rolePolicy.Statement.filter((s) => s.Resource.some((r) => r.startsWith('arn:aws:s3:::datalake-c2-raw'))).map((s) => [s.Sid, s.Action, s.Resource]),
    [
      ['EtlRawBucket', ['s3:ListBucket'], ['arn:aws:s3:::datalake-c2-raw']],
      ['EtlRawObjects', ['s3:GetObject'], ['arn:aws:s3:::datalake-c2-raw/*']],
      ['EtlRunRecords', ['s3:PutObject'], ['arn:aws:s3:::datalake-c2-raw/_etl-runs/*']],
    ],
  );

  // make preprocess TARGET=aws's wait, against the mock's S3 (a bucket without versions, as on AWS): the
  // upload tool reads back Last-Modified; the mock cannot run the function (no container runtime), so the
  // notified invocation is made here, in-process, with the event S3 sends, by a function whose environment
  // lacks TABLE_NAME: its failure is recorded and etl-wait.ts fails with the ETL's own message.
  const data = path.join(challenge, 'build', 'north.csv');
  const resultFile = path.join(challenge, 'build', 'raw-data.json');
  writeFileSync(data, 'depth,col1,col2\n1.0,10.0,20.0\n');
  const s3env = { ...env, S3_ENDPOINT: endpoint, AWS_REGION: 'eu-central-1' };
  await run(tsx, [path.join(ROOT, 'infrastructure', 'tools', 'upload.ts'), '--file', data, '--bucket', 'datalake-c2-raw', '--key', 'wells/north.csv', '--result-file', resultFile], { env: s3env });
  const uploaded = JSON.parse(readFileSync(resultFile, 'utf8')) as { etag: string; versionId?: string; lastModified?: string };
  t.is(uploaded.versionId, undefined);
  t.regex(uploaded.lastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  Object.assign(process.env, { S3_ENDPOINT: endpoint, AWS_REGION: 'eu-central-1' });
  delete process.env.TABLE_NAME;
  const { handler } = await import('../lambda/well');
  const event = { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'datalake-c2-raw' }, object: { key: 'wells/north.csv', eTag: uploaded.etag, sequencer: '00A1' } } }] };
  await t.throwsAsync(handler(event, { awsRequestId: 'moto-request-1', functionName: 'datalake-c2-etl' }), { message: /TABLE_NAME is not set/ });
  const waited = (await t.throwsAsync(run(tsx, [path.join(ROOT, 'infrastructure', 'tools', 'etl-wait.ts'), challenge, '--upload-result', resultFile, '--poll', '0.1'], { env: s3env }))) as unknown as { code: number; stderr: string };
  t.is(waited.code, 1);
  t.regex(waited.stderr, /preprocess: the ETL run of s3:\/\/datalake-c2-raw\/wells\/north\.csv \(ETag \w+, uploaded at \S+\) failed: environment variable TABLE_NAME is not set.*\n {2}\(request id moto-request-1; its log: CloudWatch Logs group \/aws\/lambda\/datalake-c2-etl \(region eu-central-1\)\)/);

  const cleaned = await play('cleanup-play.yml');
  t.is(cleaned.failed, 0, cleaned.out.slice(-4000));
  const again = await play('cleanup-play.yml');
  t.deepEqual({ failed: again.failed, changed: again.changed }, { failed: 0, changed: 0 }, again.out.slice(-4000));
  t.like(await state(), { instances: [], ingress: [], buckets: {}, roles: [], profiles: [], functions: [], layers: [], notifications: {} });
  t.false(existsSync(path.join(challenge, 'build', 'aws', 'iam.json')));
});
