/**
 * The project's web service, started the way `make webservice` starts it on the local target (the
 * Ansible webservice role): `node <webservice_node_flags> --env-file=service.env server.cjs`, detached from nothing but its
 * own pid, with the environment the role writes from the challenge's config.yml
 * (ansible/vars/challenge.yml + target-local.yml). One service per challenge, as `make` runs them.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import { serviceNodeFlags } from '../infrastructure/tools/service-node-flags';
import { SERVICE_BUNDLE } from './paths';
import { freePort, startProcess, waitForHttp, type RunningProcess } from './processes';

export interface RunningService {
  url: string;
  process: RunningProcess;
}

export interface ServiceLaunch {
  config: ChallengeConfig;
  aws: AwsSettings;
  /** Where service.env, the cache and service.log go. */
  dir: string;
  /** Write V8 CPU profiles here (node --cpu-prof). */
  cpuProfileDir?: string;
  /** More node flags, for investigations (e.g. --trace-gc). */
  nodeArgs?: string[];
}

/** The variables of the role's service.env for the local target. */
export function serviceEnv(config: ChallengeConfig, aws: AwsSettings, port: number, dir: string): Record<string, string> {
  return {
    PORT: String(port),
    SERVICE_ROUTES: config.service_routes.join(','),
    AWS_REGION: config.aws_region,
    DATAMARTS_BUCKET: config.datamarts_bucket ?? '',
    TABLE_NAME: config.table_name ?? '',
    CACHE_MAX_BYTES: String(config.cache_max_bytes),
    CACHE_TTL_SECONDS: String(config.cache_ttl_seconds),
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    S3_ENDPOINT: aws.s3Endpoint ?? '',
    DYNAMODB_ENDPOINT: aws.dynamodbEndpoint ?? '',
    CACHE_DIR: path.join(dir, 'cache'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export async function startService(launch: ServiceLaunch): Promise<RunningService> {
  await mkdir(launch.dir, { recursive: true });
  const port = await freePort();
  const env = serviceEnv(launch.config, launch.aws, port, launch.dir);
  writeFileSync(path.join(launch.dir, 'service.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  const profiling = launch.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${launch.cpuProfileDir}`, `--cpu-prof-name=${launch.config.challenge}-service.cpuprofile`] : [];
  const proc = startProcess({
    name: `${launch.config.challenge} web service`,
    command: process.execPath,
    args: [...profiling, ...serviceNodeFlags(), ...(launch.nodeArgs ?? []), '--env-file=service.env', SERVICE_BUNDLE],
    cwd: launch.dir,
    // Only what a shell gives it: the bench's own variables (LOG_LEVEL...) must not leak in.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? launch.dir },
    logFile: path.join(launch.dir, 'service.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { url, process: proc };
}
