/**
 * The aws target's playbooks against a MOCK of the AWS APIs (moto's server on a free port of 127.0.0.1),
 * in a throwaway copy of challenge-2: every AWS client is pointed at the mock (AWS_URL for amazon.aws,
 * LAMBDA_ENDPOINT for the Lambda tool), and a dead HTTPS proxy stops any call that would not be.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { freePort } from './free-port';
import { PROJECT_ROOT as ROOT } from './shared';

const run = promisify(execFile);
const have = (tool: string, args: string[]): boolean => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
export const motoReady = have('moto_server', ['--help']) && have('ansible-playbook', ['--version']) && have('python3', ['-c', 'import boto3, moto']);
export const MOTO_MISSING = "moto_server not found: pip install 'moto[server]' (the node machine image has it), and make init for Ansible";

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
elif sys.argv[2] == 'profile':
    boto3.client('iam', **kw).create_instance_profile(InstanceProfileName=sys.argv[3])
else:
    instances = [i for r in ec2.describe_instances()['Reservations'] for i in r['Instances'] if i['State']['Name'] != 'terminated']
    groups = [g for g in ec2.describe_security_groups()['SecurityGroups'] if g['GroupName'] != 'default']
    s3 = boto3.client('s3', **kw)
    buckets = [b['Name'] for b in s3.list_buckets()['Buckets']]
    iam = boto3.client('iam', **kw)
    lam = boto3.client('lambda', **kw)
    print(json.dumps({
        'instances': [{'image': i['ImageId'], 'zone': i['Placement']['AvailabilityZone'], 'tokens': i['MetadataOptions']['HttpTokens'], 'profile': i.get('IamInstanceProfile', {}).get('Arn', ''),
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

export function recap(output: string): { changed: number; failed: number } {
  const line = /localhost\s+: ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)/.exec(output);
  if (!line) throw new Error(`no PLAY RECAP in:\n${output.slice(-3000)}`);
  return { changed: Number(line[1]), failed: Number(line[2]) };
}

/** moto on a free port, a throwaway challenge-2, and the playbooks run against the mock. */
export async function motoSession(t: ExecutionContext) {
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
  /** Runs a playbook; onLine sees its output line by line as it comes. */
  const play = async (book: string, more: string[] = [], onLine: (line: string) => void = () => {}) => {
    const child = spawn('ansible-playbook', [...extra, ...more, `infrastructure/${book}`], { cwd: challenge, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise<void>((resolve) => child.once('close', () => resolve()));
    return { out, ...recap(out) };
  };
  const state = async () => JSON.parse((await run('python3', ['-c', PYTHON_STATE, endpoint, 'state'])).stdout) as Record<string, unknown>;
  const python = (...args: string[]) => run('python3', ['-c', PYTHON_STATE, endpoint, ...args]);
  return { ami, challenge, env, play, state, python };
}
