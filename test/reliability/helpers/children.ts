/**
 * Child processes the reliability tests start and stop by pid: an ETL handler (run-handler.ts) and the
 * web service's main (webservice/server.ts), both through tsx, as `make` runs them after bundling.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import type { AwsSettings } from '../../../core/aws/clients';
import { awsSettingsToEnv } from '../../../core/aws/clients';
import { PROJECT_ROOT } from '../../helpers/shared';

const RUN_HANDLER = path.join(import.meta.dirname, 'run-handler.ts');
const SERVER = path.join(PROJECT_ROOT, 'webservice', 'server.ts');

function baseEnv(aws: AwsSettings, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    LOG_LEVEL: 'warn',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
    ...awsSettingsToEnv(aws),
    ...extra,
  };
}

export interface HandlerRun {
  child: ChildProcess;
  /** Resolves when the process ends, with its exit code / signal and output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(): void;
}

export function startHandler(name: 'well' | 'egrid', event: unknown, aws: AwsSettings, env: Record<string, string>): HandlerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_HANDLER, name, JSON.stringify(event)], {
    cwd: PROJECT_ROOT,
    env: baseEnv(aws, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    },
  };
}

/** Runs a handler to its end; throws with its stderr when it fails. */
export async function runHandler(name: 'well' | 'egrid', event: unknown, aws: AwsSettings, env: Record<string, string>): Promise<unknown> {
  const { code, signal, stdout, stderr } = await startHandler(name, event, aws, env).done;
  if (code !== 0) throw new Error(`${name} handler exited ${signal ?? code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as unknown;
}

export interface ServiceChildOptions {
  aws: AwsSettings;
  env: Record<string, string>;
  /** Run as this uid/gid (a root test needs an unprivileged user for file permissions to apply). */
  user?: { uid: number; gid: number };
  /** RLIMIT_FSIZE for the service, in 512-byte blocks of POSIX sh's `ulimit -f`: writes beyond it fail with EFBIG. */
  fileSizeLimitBlocks?: number;
}

export interface ServiceChild {
  url: string;
  pid: number;
  /** Everything the service logged so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts webservice/server.ts on a free port and waits for its "listening" log line (logged at LOG_LEVEL=info, the default here). */
export async function startServiceChild(options: ServiceChildOptions): Promise<ServiceChild> {
  const node = [process.execPath, '--import', 'tsx', SERVER];
  const [command, args] =
    options.fileSizeLimitBlocks === undefined ? [node[0]!, node.slice(1)] : ['/bin/sh', ['-c', `ulimit -f ${options.fileSizeLimitBlocks} && exec "$0" "$@"`, ...node]];
  const spawnOptions: SpawnOptions = {
    cwd: PROJECT_ROOT,
    env: baseEnv(options.aws, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env }),
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.user ?? {}),
  };
  const child = spawn(command, args, spawnOptions);
  let logs = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      logs += chunk.toString('utf8');
      const match = /"msg":"listening","url":"([^"]+)"/.exec(logs);
      if (match) resolve(match[1]!);
    };
    child.stderr!.on('data', onData);
    child.on('close', (code, signal) => reject(new Error(`the service exited (${signal ?? code}) before listening:\n${logs}`)));
  });
  return {
    url,
    pid: child.pid!,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
