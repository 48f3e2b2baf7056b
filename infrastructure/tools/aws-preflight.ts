/**
 * `make init TARGET=aws`: checks what the aws target needs before anything is created.
 *
 *   tsx infrastructure/tools/aws-preflight.ts [CHALLENGE_DIR] [--no-prompt]
 *
 * - config.yml: ssh_key_name (an EC2 key pair), ssh_cidr (where you deploy from; never the whole
 *   internet), service_cidr, aws_region;
 * - AWS credentials through the SDK's default chain (environment, AWS_PROFILE / shared files, SSO,
 *   an instance role). None found: on a terminal it asks for an access key and writes it to the shared
 *   credentials file (as `aws configure` does); without a terminal it fails and says how to provide them.
 *   An SSO profile whose session expired is reported as such, with the login command.
 *
 * It only resolves credentials locally (no AWS call); the infrastructure play's aws_caller_info is the
 * first call that proves them. Exit 0 when ready, 1 with every problem listed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { lambdaClient } from '../../core/aws/lambda-client';
import { loadChallengeConfig, type ChallengeConfig } from '../../core/config';
import { errorMessage } from '../../core/log';
import { isCliEntry } from '../cli-entry';

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+:[0-9a-fA-F:]*\/\d{1,3})$/;
const WORLD = ['0.0.0.0/0', '::/0'];

/** Problems of the aws-only settings in config.yml, each naming its key. */
export function awsConfigProblems(config: Pick<ChallengeConfig, 'aws_region' | 'ssh_key_name' | 'ssh_cidr' | 'service_cidr' | 'instance_type'>): string[] {
  const problems: string[] = [];
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.aws_region ?? '')) problems.push(`aws_region "${config.aws_region}" is not an AWS region name (e.g. eu-central-1)`);
  if (!config.ssh_key_name) problems.push('ssh_key_name is empty: set it to the name of an EC2 key pair in your region (EC2 console > Key pairs), whose private key you have');
  if (!config.ssh_cidr) problems.push('ssh_cidr is empty: set it to the network you deploy from, e.g. 203.0.113.7/32 (Ansible reaches the instance over SSH)');
  else if (WORLD.includes(config.ssh_cidr)) problems.push(`ssh_cidr ${config.ssh_cidr} opens SSH to the whole internet: use your own address, e.g. 203.0.113.7/32`);
  else if (!CIDR.test(config.ssh_cidr)) problems.push(`ssh_cidr "${config.ssh_cidr}" is not a CIDR (e.g. 203.0.113.7/32)`);
  if (!CIDR.test(config.service_cidr ?? '')) problems.push(`service_cidr "${config.service_cidr}" is not a CIDR (0.0.0.0/0 serves everyone)`);
  if (!config.instance_type) problems.push('instance_type is empty (e.g. t3.small)');
  return problems;
}

export interface FoundCredentials {
  accessKeyId: string;
}

/** The profile's SSO session has expired or was never started: credentials exist, a login is missing. */
export class SsoLoginNeeded extends Error {
  constructor(profile: string, detail: string) {
    super(`the AWS SSO session of profile ${profile} has expired or was never started: run aws sso login --profile ${profile}, then make init TARGET=aws again (the SDK said: ${detail})`);
    this.name = 'SsoLoginNeeded';
  }
}

/**
 * The SDK's default chain, as every tool and Ansible's boto3 will resolve it; undefined when it finds
 * none. An SSO profile whose token is missing or expired throws SsoLoginNeeded (not "no credentials").
 */
export async function resolveCredentials(region: string, env: NodeJS.ProcessEnv = process.env): Promise<FoundCredentials | undefined> {
  const client = lambdaClient({ region });
  try {
    const credentials = await client.config.credentials();
    return { accessKeyId: credentials.accessKeyId };
  } catch (err) {
    if ((err as { name?: string }).name !== 'CredentialsProviderError') throw err;
    const message = errorMessage(err);
    if (/aws sso login|\bSSO session\b/i.test(message)) throw new SsoLoginNeeded(env.AWS_PROFILE || 'default', message);
    return undefined;
  } finally {
    client.destroy();
  }
}

export function maskKey(accessKeyId: string): string {
  return accessKeyId.length <= 8 ? '****' : `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

export function sharedCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || path.join(homedir(), '.aws', 'credentials');
}

/** Appends a profile to the shared credentials file (mode 0600); refuses to overwrite an existing one. */
export function writeProfile(file: string, profile: string, accessKeyId: string, secretAccessKey: string): void {
  if (!/^[A-Z0-9]{16,128}$/.test(accessKeyId)) throw new Error('the access key id should be 16-128 upper-case letters and digits (e.g. AKIA...)');
  if (secretAccessKey.length < 16 || /\s/.test(secretAccessKey)) throw new Error('the secret access key looks wrong (at least 16 characters, no spaces)');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (new RegExp(`^\\[${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]\\s*$`, 'm').test(existing)) {
    throw new Error(`${file} already has a [${profile}] profile that gave no usable credentials: fix or remove it, or choose another with AWS_PROFILE`);
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const block = `${existing && !existing.endsWith('\n') ? '\n' : ''}[${profile}]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`;
  writeFileSync(file, existing + block, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Reads a line from the terminal without echoing it (the secret key). */
async function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  let answer = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            resolve(answer);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            reject(new Error('interrupted'));
            return;
          }
          answer = ch === '\u007f' || ch === '\b' ? answer.slice(0, -1) : answer + ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stdout.write('\n');
  }
}

async function askForCredentials(region: string): Promise<void> {
  const profile = process.env.AWS_PROFILE || 'default';
  const file = sharedCredentialsFile();
  process.stdout.write(`No AWS credentials found. Enter an access key of an IAM user allowed to manage S3, DynamoDB, Lambda, IAM and EC2\n(it is saved as profile [${profile}] in ${file}, mode 0600; Ctrl-C to stop):\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const accessKeyId = (await rl.question('AWS access key id: ')).trim();
  rl.close();
  const secret = (await askHidden('AWS secret access key (not shown): ')).trim();
  writeProfile(file, profile, accessKeyId, secret);
  process.stdout.write(`saved; region ${region} comes from infrastructure/config.yml (aws_region)\n`);
}

const NO_CREDENTIALS = [
  'no AWS credentials found. Provide them in one of these ways, then run make init TARGET=aws again:',
  '  - environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys)',
  '  - a profile in ~/.aws/credentials or ~/.aws/config (SSO included), selected with AWS_PROFILE=name',
  '  - run this on a terminal: it asks for an access key and saves it',
].join('\n');

export interface PreflightResult {
  problems: string[];
  accessKeyId?: string;
  /** True when credentials were just asked for and saved (they are checked again in a new process). */
  saved: boolean;
}

export async function preflight(challengeDir: string, options: { interactive: boolean }): Promise<PreflightResult> {
  const config = loadChallengeConfig(challengeDir);
  const problems = awsConfigProblems(config).map((p) => `${path.join(challengeDir, 'infrastructure', 'config.yml')}: ${p}`);
  const found = await resolveCredentials(config.aws_region).catch((err: unknown) => {
    if (!(err instanceof SsoLoginNeeded)) throw err;
    problems.push(err.message);
    return null;
  });
  if (found === undefined && options.interactive) {
    await askForCredentials(config.aws_region);
    return { problems, saved: true };
  }
  if (found === undefined) problems.push(NO_CREDENTIALS);
  return { problems, accessKeyId: found?.accessKeyId, saved: false };
}

async function main(argv: string[]): Promise<number> {
  const challengeDir = path.resolve(argv.find((a) => !a.startsWith('--')) ?? '.');
  const interactive = !argv.includes('--no-prompt') && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const result = await preflight(challengeDir, { interactive });
  if (result.saved) {
    // The SDK caches the shared files for the life of a process: check the saved profile in a new one.
    const again = spawnSync(process.execPath, [...process.execArgv, process.argv[1], challengeDir, '--no-prompt'], { stdio: 'inherit' });
    return again.status ?? 1;
  }
  if (result.accessKeyId) process.stdout.write(`aws: credentials found (access key ${maskKey(result.accessKeyId)})\n`);
  for (const problem of result.problems) process.stderr.write(`aws preflight: ${problem}\n`);
  if (result.problems.length === 0) process.stdout.write('aws: ready for make TARGET=aws\n');
  return result.problems.length === 0 ? 0 : 1;
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`aws preflight: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
