/**
 * For tests of the aws target's make rules: a throwaway repository root with a copy of challenge-1 (its
 * build/ and salt.yml left out) and the rest linked, and an environment without the developer's AWS,
 * endpoint or make settings.
 */
import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from './shared';

/** The copied challenge-1 folder; its parent is the throwaway root, removed at teardown. */
export function challengeCopy(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(path.join(ROOT, 'Makefile'), path.join(dir, 'Makefile'));
  for (const entry of ['infrastructure', 'core', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  const challenge = path.join(dir, 'challenge-1');
  cpSync(path.join(ROOT, 'challenge-1'), challenge, { recursive: true, filter: (src) => !src.includes(`${path.sep}build`) && !src.endsWith('salt.yml') });
  return challenge;
}

/** The environment without anything AWS-related or endpoint-like of the developer's shell. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|S3_|EC2_|DYNAMODB_|LAMBDA_|MAKE)/.test(k)));
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}
