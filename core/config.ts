/**
 * A challenge's configuration: challenge-N/infrastructure/config.yml (+ salt.yml written by `make salt`).
 * The TypeScript tools read it here; the playbooks read the same file with vars_files.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parse, parseDocument } from 'yaml';

export interface ChallengeConfig {
  project: string;
  challenge: string;
  aws_region: string;
  raw_bucket: string;
  datamarts_bucket?: string;
  table_name?: string;
  images_size?: number;
  test_data_file: string;
  raw_key: string;
  well_id?: string;
  lambda_function: string;
  lambda_handler: string;
  lambda_runtime: string;
  lambda_architecture: string;
  lambda_memory_mb: number;
  lambda_timeout_s: number;
  service_routes: string[];
  service_port: number;
  cache_dir: string;
  cache_max_bytes: number;
  cache_ttl_seconds: number;
  /** Origins allowed to read the API cross-origin; empty: same origin only; ['*']: any. */
  cors_origins?: string[];
  /** challenge-1: the map page's basemap tile URL template; empty: none. */
  map_tiles_url?: string;
  local_s3_port: number;
  local_dynamodb_port: number;
  instance_type: string;
  ssh_key_name: string;
  ssh_cidr: string;
  service_cidr: string;
  node_major: number;
  /** Each object created in the raw bucket with the raw key's suffix runs the ETL (SPEC §6.3); default true. */
  auto_ingest: boolean;
  /** Random suffix from `make salt`; empty when unset. */
  salt: string;
}

const REQUIRED: (keyof ChallengeConfig)[] = ['project', 'challenge', 'aws_region', 'raw_bucket', 'raw_key', 'lambda_function', 'lambda_handler', 'service_port'];

/** Appends the salt to a resource name, as the playbooks do. */
export function salted(name: string, salt: string): string {
  return salt ? `${name}-${salt}` : name;
}

/** What `make salt` writes and a salt may be: lower-case letters and digits, as S3 bucket names allow. */
export const SALT_FORM = /^[a-z0-9]{4,16}$/;

/**
 * The salt of salt.yml (`salt: "1a2b3c4d"`). It must be a quoted string: Ansible reads YAML 1.1 and this
 * module YAML 1.2, and an unquoted 01234567 (octal to one, 1234567 to the other), 123456e7 (a float) or
 * 00000000 (false in 1.1) would give the playbooks and the tools different resource names.
 */
export function readSalt(file: string, text: string): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
  if (document.contents === null) return '';
  if (!isMap(document.contents) || !document.has('salt')) throw new Error(`${file}: expected salt: "<salt>" (make salt writes it)`);
  const node = document.get('salt', true);
  const value: unknown = isScalar(node) ? node.value : node;
  if (value === null || value === '') return '';
  if (!isScalar(node) || typeof value !== 'string' || (node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')) {
    const shown = isScalar(node) ? String(node.source ?? value) : JSON.stringify(value);
    throw new Error(
      `${file}: salt must be a quoted string: write salt: "${shown}" (unquoted, Ansible's YAML 1.1 and the tools' YAML 1.2 can read it as different values, 01234567 as 342391 and 1234567 say, and would name resources apart)`,
    );
  }
  if (!SALT_FORM.test(value)) throw new Error(`${file}: salt "${value}" must be 4 to 16 lower-case letters or digits (make salt writes 8 hex digits)`);
  return value;
}

/** Loads a challenge folder's configuration, with resource names already salted. */
export function loadChallengeConfig(challengeDir: string): ChallengeConfig {
  const file = path.join(challengeDir, 'infrastructure', 'config.yml');
  const raw = parse(readFileSync(file, 'utf8')) as Partial<ChallengeConfig> | null;
  if (!raw || typeof raw !== 'object') throw new Error(`${file}: not a YAML mapping`);
  for (const key of REQUIRED) {
    if (raw[key] === undefined || raw[key] === null || raw[key] === '') throw new Error(`${file}: missing required key "${key}"`);
  }
  const saltFile = path.join(challengeDir, 'infrastructure', 'salt.yml');
  const salt = existsSync(saltFile) ? readSalt(saltFile, readFileSync(saltFile, 'utf8')) : '';
  const config = { test_data_file: '', auto_ingest: true, ...raw, salt } as ChallengeConfig;
  if (typeof config.auto_ingest !== 'boolean') throw new Error(`${file}: auto_ingest must be true or false, got ${JSON.stringify(config.auto_ingest)}`);
  config.raw_bucket = salted(config.raw_bucket, salt);
  if (config.datamarts_bucket) config.datamarts_bucket = salted(config.datamarts_bucket, salt);
  if (config.table_name) config.table_name = salted(config.table_name, salt);
  config.lambda_function = salted(config.lambda_function, salt);
  return config;
}
