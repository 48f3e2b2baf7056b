/**
 * The aws target's playbooks run for real against a MOCK of the AWS APIs (moto's server on 127.0.0.1;
 * no AWS account is reachable from here): infrastructure twice (the second run changes nothing), the
 * Lambda tool, then cleanup twice (the second finds nothing left). What the mock cannot do is left
 * out and says so: SSH to the instance (tag aws_ssh) and the DynamoDB table (moto's DescribeTable lacks
 * the TableId community.aws.dynamodb_table reads; the same module is exercised against dynalite by the
 * local target). Every AWS client is pointed at the mock, and a dead HTTPS proxy stops any call that
 * would not be.
 */
import test from 'ava';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const have = (tool: string, args: string[]): boolean => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
const ready = have('moto_server', ['--help']) && have('ansible-playbook', ['--version']) && have('python3', ['-c', 'import boto3, moto']);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway repository layout: a copy of challenge-2, the rest linked, so outputs land in the copy. */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aws-playbooks-'));
  for (const entry of ['ansible', 'node_modules', 'infrastructure', 'core', 'lambda', 'package.json', 'tsconfig.json']) symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  cpSync(path.join(ROOT, 'challenge-2'), path.join(dir, 'challenge-2'), { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) && !src.endsWith('salt.yml') });
  return dir;
}

const PYTHON_STATE = `
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name='eu-central-1', aws_access_key_id='testing', aws_secret_access_key='testing')
ec2 = boto3.client('ec2', **kw)
def permissions(lam):
    out = {}
    for f in lam.list_functions()['Functions']:
        try:
            statements = json.loads(lam.get_policy(FunctionName=f['FunctionName'])['Policy'])['Statement']
        except lam.exceptions.ResourceNotFoundException:
            statements = []
        out[f['FunctionName']] = [{'principal': s['Principal'], 'action': s['Action'], 'condition': s.get('Condition')} for s in statements]
    return out
if sys.argv[2] == 'prepare':
    ami = ec2.describe_images()['Images'][0]['ImageId']
    boto3.client('ssm', **kw).put_parameter(Name='/test/ubuntu-ami', Value=ami, Type='String')
    ec2.create_key_pair(KeyName='test-key')
    print(json.dumps({'ami': ami}))
else:
    instances = [i for r in ec2.describe_instances()['Reservations'] for i in r['Instances'] if i['State']['Name'] != 'terminated']
    groups = [g for g in ec2.describe_security_groups()['SecurityGroups'] if g['GroupName'] != 'default']
    s3 = boto3.client('s3', **kw)
    buckets = [b['Name'] for b in s3.list_buckets()['Buckets']]
    iam = boto3.client('iam', **kw)
    lam = boto3.client('lambda', **kw)
    print(json.dumps({
        'instances': [{'image': i['ImageId'], 'tokens': i['MetadataOptions']['HttpTokens'], 'profile': i.get('IamInstanceProfile', {}).get('Arn', ''),
                       'tags': {t['Key']: t['Value'] for t in i.get('Tags', [])}} for i in instances],
        'ingress': [sorted((p['FromPort'], [r['CidrIp'] for r in p['IpRanges']]) for p in g['IpPermissions']) for g in groups],
        'buckets': {b: s3.get_public_access_block(Bucket=b)['PublicAccessBlockConfiguration'] for b in buckets},
        'roles': sorted(r['RoleName'] for r in iam.list_roles()['Roles']),
        'profiles': sorted(p['InstanceProfileName'] for p in iam.list_instance_profiles()['InstanceProfiles']),
        'functions': [f['FunctionName'] for f in lam.list_functions()['Functions']],
        'layers': [l['LayerName'] for l in lam.list_layers()['Layers']],
        'notifications': {b: [{'arn': c['LambdaFunctionArn'], 'events': c['Events'], 'rules': [{'Name': r['Name'].lower(), 'Value': r['Value']} for r in c.get('Filter', {}).get('Key', {}).get('FilterRules', [])]}
                              for c in s3.get_bucket_notification_configuration(Bucket=b).get('LambdaFunctionConfigurations', [])] for b in buckets},
        'permissions': permissions(lam),
    }))
`;

function recap(output: string): { changed: number; failed: number } {
  const line = /localhost\s+: ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(output);
  if (!line) throw new Error(`no PLAY RECAP in:\n${output.slice(-3000)}`);
  return { changed: Number(line[1]), failed: Number(line[2]) };
}

if (!ready && process.env.CI === 'true') {
  test('moto server, Ansible and boto3 are installed (CI)', (t) => t.fail("moto_server not found: pip install 'moto[server]' (the node machine image has it), and make init for Ansible"));
}

(ready ? test : test.skip)('mock (moto): infrastructure-play creates and re-finds everything tagged, then cleanup-play removes it all, twice each', async (t) => {
  t.timeout(300_000); // four playbook runs, each waiting for moto's instance state changes
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const moto: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const dir = workspace();
  t.teardown(() => {
    moto.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { stdout: prepared } = await run('python3', ['-c', PYTHON_STATE, endpoint, 'prepare']);
  const { ami } = JSON.parse(prepared) as { ami: string };

  const challenge = path.join(dir, 'challenge-2');
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
    AWS_URL: endpoint,
    LAMBDA_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1',
    ANSIBLE_CONFIG: path.join(challenge, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    LOG_LEVEL: 'warn',
  };
  const extra = ['-e', 'target=aws', '-e', `endpoint_url=${endpoint}`, '-e', 'aws_ami_ssm_parameter=/test/ubuntu-ami', '-e', 'ssh_key_name=test-key', '-e', 'ssh_cidr=203.0.113.7/32', '-e', 'storage_table='];
  const play = async (book: string, more: string[] = []) => {
    const out = await run('ansible-playbook', [...extra, ...more, `infrastructure/${book}`], { cwd: challenge, env, maxBuffer: 32 * 1024 * 1024 }).then(
      (ok) => ok.stdout,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    return { out, ...recap(out) };
  };
  const state = async () => JSON.parse((await run('python3', ['-c', PYTHON_STATE, endpoint, 'state'])).stdout) as Record<string, unknown>;

  const first = await play('infrastructure-play.yml', ['--skip-tags', 'aws_ssh']);
  t.is(first.failed, 0, first.out.slice(-4000));
  t.true(first.changed > 0);
  const second = await play('infrastructure-play.yml', ['--skip-tags', 'aws_ssh']);
  t.deepEqual({ failed: second.failed, changed: second.changed }, { failed: 0, changed: 0 }, second.out.slice(-4000));

  const created = await state();
  t.deepEqual(created.instances, [
    {
      image: ami,
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

  // ETL on upload: with the function deployed, the play's notification tasks (make preprocess runs them).
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

  const cleaned = await play('cleanup-play.yml');
  t.is(cleaned.failed, 0, cleaned.out.slice(-4000));
  const again = await play('cleanup-play.yml');
  t.deepEqual({ failed: again.failed, changed: again.changed }, { failed: 0, changed: 0 }, again.out.slice(-4000));
  t.like(await state(), { instances: [], ingress: [], buckets: {}, roles: [], profiles: [], functions: [], layers: [], notifications: {} });
  t.false(existsSync(path.join(challenge, 'build', 'aws', 'iam.json')));
});
