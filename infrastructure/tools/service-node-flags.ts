/**
 * The Node flags the webservice role puts on the service's command line (`webservice_node_flags` in its
 * defaults), for the bench and the tests that start the service themselves, as `make` does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROLE_DEFAULTS = path.join(import.meta.dirname, '..', '..', 'ansible', 'roles', 'webservice', 'defaults', 'main.yml');

export function serviceNodeFlags(): string[] {
  const flags = (parse(readFileSync(ROLE_DEFAULTS, 'utf8')) as { webservice_node_flags?: unknown }).webservice_node_flags;
  if (!Array.isArray(flags) || !flags.every((flag) => typeof flag === 'string')) throw new Error(`${ROLE_DEFAULTS}: webservice_node_flags must be a list of strings`);
  return flags;
}
