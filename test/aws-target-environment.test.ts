/**
 * The aws target's make rules (infrastructure/aws.mk) and the environment they run in (issue 11, points
 * 3 and 8): no step without a salt (bucket names are global), emulator/mock endpoints left in the shell
 * never reach its commands, and an AWS_DEFAULT_PROFILE that boto3 would use but the AWS SDK v3 would not
 * is refused. make runs for real in a throwaway copy of challenge-1; its commands are replaced by `env`
 * (TSX=...) where the test needs to see what they would get.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { challengeCopy, cleanEnv } from './helpers/aws-make-workspace';

const run = promisify(execFile);

const workspace = (t: { teardown(fn: () => void): void }): string => challengeCopy(t, 'aws-target-env-');

async function make(challenge: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('make', ['--no-print-directory', 'TARGET=aws', ...args], { cwd: challenge, env }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

test('make TARGET=aws refuses every step without infrastructure/salt.yml and says how to make one', async (t) => {
  const challenge = workspace(t);
  for (const goal of [[], ['infrastructure'], ['webservice']]) {
    const out = await make(challenge, goal, cleanEnv());
    t.not(out.code, 0);
    t.regex(out.stderr, /make TARGET=aws: infrastructure\/salt\.yml is missing\. Bucket names are global across AWS.*run make salt \(or make init TARGET=aws, which makes one\)/);
  }
  // make salt itself, and init, are allowed: salt makes one, quoted.
  const salted = await make(challenge, ['salt'], cleanEnv());
  t.is(salted.code, 0, salted.stderr);
  t.regex(salted.stdout, /infrastructure\/salt\.yml: salt: "[0-9a-f]{8}"/);
});

test('make TARGET=aws: emulator and mock endpoints from the environment or the command line never reach its commands, and it says so', async (t) => {
  const challenge = workspace(t);
  writeFileSync(path.join(challenge, 'infrastructure', 'salt.yml'), 'salt: "abcd1234"\n');
  const prepared = await make(challenge, ['build/config.mk'], cleanEnv());
  t.is(prepared.code, 0, prepared.stderr);
  const stray = { S3_ENDPOINT: 'http://127.0.0.1:4569', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', AWS_URL: 'http://127.0.0.1:5000', EC2_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' };
  // `make urls` runs one command through $(TSX): `env` stands in for it and prints what it would get.
  const out = await make(challenge, ['urls', "TSX=sh -c env --", 'LAMBDA_ENDPOINT=http://127.0.0.1:5001'], cleanEnv({ ...stray, MARKER: 'kept' }));
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /^MARKER=kept$/m);
  for (const name of [...Object.keys(stray), 'LAMBDA_ENDPOINT']) t.notRegex(out.stdout, new RegExp(`^${name}=`, 'm'), name);
  t.regex(out.stdout, /make TARGET=aws: ignoring S3_ENDPOINT DYNAMODB_ENDPOINT LAMBDA_ENDPOINT AWS_URL EC2_URL AWS_ENDPOINT_URL\S* AWS_ENDPOINT_URL\S* \(emulator\/mock endpoints/);

  const quiet = await make(challenge, ['urls', "TSX=sh -c env --"], cleanEnv());
  t.notRegex(quiet.stdout, /ignoring/);
});

test('make TARGET=aws refuses an AWS_DEFAULT_PROFILE the AWS SDK v3 tools would not use, and accepts a matching one', async (t) => {
  const challenge = workspace(t);
  writeFileSync(path.join(challenge, 'infrastructure', 'salt.yml'), 'salt: "abcd1234"\n');
  t.is((await make(challenge, ['build/config.mk'], cleanEnv())).code, 0);
  const mismatch = await make(challenge, ['urls'], cleanEnv({ AWS_DEFAULT_PROFILE: 'work' }));
  t.not(mismatch.code, 0);
  t.regex(mismatch.stderr, /AWS_DEFAULT_PROFILE=work but AWS_PROFILE=\(unset, so "default"\).*Set AWS_PROFILE=work or unset AWS_DEFAULT_PROFILE/);
  const other = await make(challenge, ['urls'], cleanEnv({ AWS_DEFAULT_PROFILE: 'work', AWS_PROFILE: 'home' }));
  t.regex(other.stderr, /AWS_DEFAULT_PROFILE=work but AWS_PROFILE=home/);
  for (const env of [{ AWS_DEFAULT_PROFILE: 'work', AWS_PROFILE: 'work' }, { AWS_PROFILE: 'home' }, { AWS_DEFAULT_PROFILE: 'default' }]) {
    const out = await make(challenge, ['urls', "TSX=sh -c env --"], cleanEnv(env));
    t.notRegex(out.stderr, /AWS_DEFAULT_PROFILE=/, JSON.stringify(env));
    t.is(out.code, 0, `${JSON.stringify(env)}: ${out.stderr}`);
  }
});
