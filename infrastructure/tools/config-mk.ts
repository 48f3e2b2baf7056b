/**
 * A challenge's configuration as make variables, so the Makefile reads config.yml (and salt.yml)
 * through core/config.ts like every other tool, resource names already salted:
 *
 *   tsx infrastructure/tools/config-mk.ts CHALLENGE_DIR > build/config.mk
 *
 * prints `CFG_<key> := <value>` per key (lists joined with commas).
 */
import { isCliEntry } from '../cli-entry';
import path from 'node:path';
import { loadChallengeConfig, type ChallengeConfig } from '../../core/config';
import { errorMessage } from '../../core/log';

function makeValue(key: string, value: unknown): string {
  const text = Array.isArray(value) ? value.join(',') : String(value ?? '');
  if (/[\n\r]/.test(text)) throw new Error(`configuration ${key}: a value on several lines cannot be used by make`);
  return text.replace(/\$/g, '$$$$').replace(/#/g, '\\#');
}

export function configAsMake(config: ChallengeConfig, source: string): string {
  const lines = [`# Generated from ${source} by infrastructure/tools/config-mk.ts; do not edit.`];
  for (const [key, value] of Object.entries(config)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) continue;
    lines.push(`CFG_${key} := ${makeValue(key, value)}`);
  }
  return lines.join('\n') + '\n';
}

function main(argv: string[]): void {
  const dir = path.resolve(argv[0] ?? '.');
  process.stdout.write(configAsMake(loadChallengeConfig(dir), path.join(dir, 'infrastructure', 'config.yml')));
}

if (isCliEntry(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`config: ${errorMessage(err)}`);
    process.exitCode = 1;
  }
}
