/**
 * `make init TARGET=aws` preflight: the aws-only settings of config.yml, and AWS credentials resolved
 * through the SDK's real default chain in a child process whose environment and shared files are
 * controlled here (instance metadata disabled: nothing leaves this machine).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadChallengeConfig } from '../core/config';
import { awsConfigProblems, maskKey, writeProfile } from '../infrastructure/tools/aws-preflight';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const READY = { aws_region: 'eu-central-1', ssh_key_name: 'my-key', ssh_cidr: '203.0.113.7/32', service_cidr: '0.0.0.0/0', instance_type: 't3.small' };

function sandbox(t: { teardown(fn: () => void): void }, configOverrides: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'aws-preflight-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const challenge = path.join(dir, 'challenge-1');
  mkdirSync(path.join(challenge, 'infrastructure'), { recursive: true });
  let yml = readFileSync(path.join(ROOT, 'challenge-1', 'infrastructure', 'config.yml'), 'utf8');
  for (const [key, value] of Object.entries(configOverrides)) yml = yml.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: "${value}"`);
  writeFileSync(path.join(challenge, 'infrastructure', 'config.yml'), yml);
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  Object.assign(env, {
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
    AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const preflight = (extra: NodeJS.ProcessEnv = {}) =>
    run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'infrastructure', 'tools', 'aws-preflight.ts'), challenge], { env: { ...env, ...extra } }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
  return { challenge, home, env, preflight };
}

test('aws settings: the shipped config names ssh_key_name and ssh_cidr as missing; a complete one passes', (t) => {
  const shipped = awsConfigProblems(loadChallengeConfig(path.join(ROOT, 'challenge-1')));
  t.is(shipped.length, 2);
  t.regex(shipped[0], /^ssh_key_name is empty/);
  t.regex(shipped[1], /^ssh_cidr is empty/);
  t.deepEqual(awsConfigProblems(READY), []);
  t.deepEqual(awsConfigProblems({ ...READY, ssh_cidr: '2001:db8::/64' }), []);
});

test('aws settings: SSH open to the world, malformed CIDRs and a bad region are refused by name', (t) => {
  t.deepEqual(awsConfigProblems({ ...READY, ssh_cidr: '0.0.0.0/0' }), ['ssh_cidr 0.0.0.0/0 opens SSH to the whole internet: use your own address, e.g. 203.0.113.7/32']);
  t.deepEqual(awsConfigProblems({ ...READY, ssh_cidr: '::/0' }).length, 1);
  t.deepEqual(awsConfigProblems({ ...READY, ssh_cidr: '203.0.113.7' }), ['ssh_cidr "203.0.113.7" is not a CIDR (e.g. 203.0.113.7/32)']);
  t.deepEqual(awsConfigProblems({ ...READY, service_cidr: 'everyone' }), ['service_cidr "everyone" is not a CIDR (0.0.0.0/0 serves everyone)']);
  t.deepEqual(awsConfigProblems({ ...READY, aws_region: 'Frankfurt' }), ['aws_region "Frankfurt" is not an AWS region name (e.g. eu-central-1)']);
});

test('credentials file: a profile is appended with mode 0600; an existing profile or a malformed key is refused', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aws-creds-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, '.aws', 'credentials');
  writeProfile(file, 'default', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  writeProfile(file, 'datalake', 'AKIAI44QH8DHBEXAMPLE', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY');
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(readFileSync(file, 'utf8'), '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[datalake]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n');
  t.throws(() => writeProfile(file, 'default', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), { message: /already has a \[default\] profile/ });
  t.throws(() => writeProfile(file, 'other', 'not-a-key', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'), { message: /access key id should be/ });
  t.throws(() => writeProfile(file, 'other', 'AKIAIOSFODNN7EXAMPLE', 'short'), { message: /secret access key looks wrong/ });
  t.is(maskKey('AKIAIOSFODNN7EXAMPLE'), 'AKIA…MPLE');
});

test('preflight CLI: without credentials and without a terminal it fails at once and says how to provide them', async (t) => {
  const { preflight } = sandbox(t, { ssh_key_name: 'my-key', ssh_cidr: '203.0.113.7/32' });
  const out = await preflight();
  t.is(out.code, 1);
  t.regex(out.stderr, /aws preflight: no AWS credentials found/);
  t.regex(out.stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  t.notRegex(out.stdout, /access key id:/i); // never prompts without a terminal
});

test('preflight CLI: credentials from the environment, or from a profile written by the prompt\'s writer, pass', async (t) => {
  const { preflight, env } = sandbox(t, { ssh_key_name: 'my-key', ssh_cidr: '203.0.113.7/32' });
  const fromEnv = await preflight({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
  t.is(fromEnv.code, 0, fromEnv.stderr);
  t.regex(fromEnv.stdout, /credentials found \(access key AKIA…MPLE\)\naws: ready for make TARGET=aws/);

  writeProfile(env.AWS_SHARED_CREDENTIALS_FILE!, 'datalake', 'AKIAI44QH8DHBEXAMPLE', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY');
  const fromProfile = await preflight({ AWS_PROFILE: 'datalake' });
  t.is(fromProfile.code, 0, fromProfile.stderr);
  t.regex(fromProfile.stdout, /access key AKIA…MPLE/);
});

test('preflight CLI: config problems are listed with the file they are in, even with credentials', async (t) => {
  const { preflight, challenge } = sandbox(t, { ssh_cidr: '0.0.0.0/0' });
  const out = await preflight({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
  t.is(out.code, 1);
  const file = path.join(challenge, 'infrastructure', 'config.yml');
  t.true(out.stderr.includes(`aws preflight: ${file}: ssh_key_name is empty`), out.stderr);
  t.true(out.stderr.includes(`aws preflight: ${file}: ssh_cidr 0.0.0.0/0 opens SSH to the whole internet`), out.stderr);
});

test('preflight CLI: an SSO profile whose session expired (or never started) is reported as such, with the login command, not as "no credentials"', async (t) => {
  const { preflight, home } = sandbox(t, { ssh_key_name: 'my-key', ssh_cidr: '203.0.113.7/32' });
  mkdirSync(path.join(home, '.aws', 'sso', 'cache'), { recursive: true });
  writeFileSync(
    path.join(home, '.aws', 'config'),
    '[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = eu-central-1\n\n[sso-session corp]\nsso_start_url = https://corp.example.com/start\nsso_region = eu-central-1\n',
  );
  const never = await preflight({ AWS_PROFILE: 'dev' });
  t.is(never.code, 1);
  t.regex(never.stderr, /aws preflight: the AWS SSO session of profile dev has expired or was never started: run aws sso login --profile dev/);
  t.notRegex(never.stderr, /no AWS credentials found/);
  // A cached token past its expiry (no refresh token: nothing is asked of the network).
  const cacheKey = createHash('sha1').update('corp').digest('hex');
  writeFileSync(
    path.join(home, '.aws', 'sso', 'cache', `${cacheKey}.json`),
    JSON.stringify({ startUrl: 'https://corp.example.com/start', region: 'eu-central-1', accessToken: 'expired', expiresAt: '2020-01-01T00:00:00Z' }),
  );
  const expired = await preflight({ AWS_PROFILE: 'dev' });
  t.is(expired.code, 1);
  t.regex(expired.stderr, /the AWS SSO session of profile dev has expired or was never started: run aws sso login --profile dev, then make init TARGET=aws again/);
  t.notRegex(expired.stderr, /no AWS credentials found/);
});
