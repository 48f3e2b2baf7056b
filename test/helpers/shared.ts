/**
 * The shared test data beside the project (../shared). It is never copied into the project: a user's
 * clone has no ../shared. Under CI=true a missing file fails the test; elsewhere the test is skipped
 * with a note saying why.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SHARED_ROOT = path.resolve(PROJECT_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_ROOT, ...parts);
}

/**
 * Returns the absolute path of a shared file, or undefined when it is missing outside CI (the caller
 * then returns early; the test is marked with a failed assertion under CI).
 */
export function requireShared(t: ExecutionContext, ...parts: string[]): string | undefined {
  const file = sharedPath(...parts);
  if (existsSync(file)) return file;
  if (process.env.CI === 'true') {
    t.fail(`shared test file missing under CI: ${file}`);
    return undefined;
  }
  t.log(`skipped: ${file} not found (../shared is only beside the project in a developer checkout)`);
  t.pass();
  return undefined;
}
