/**
 * The local Lambda (SPEC §6.1): unpacks lambda.zip into a task folder and layer.zip into an /opt-like
 * folder, then runs the handler in a separate Node process (local-lambda-runtime.cjs, on lambda-local)
 * with Lambda's environment: NODE_PATH = the layer only, cwd = the task folder, function name, memory
 * size (also the V8 heap cap), timeout enforced, the function's variables and AWS settings. The
 * handler's output streams to stderr; the result comes back over IPC.
 *
 * CLI: tsx infrastructure/tools/invoke-local.ts --lambda build/lambda.zip --layer build/layer.zip
 *   --handler well.handler --event '{"bucket":"b","key":"k"}' [--event-file F] [--env K=V]...
 *   [--timeout 300] [--memory 1024] [--function-name NAME] [--work-dir DIR] [--keep]
 * prints the JSON result on stdout; a handler error or a timeout exits 1 with the error's message.
 */
import { isCliEntry } from '../cli-entry';
import { spawn, type Serializable } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { awsSettingsFromEnv, awsSettingsToEnv, type AwsSettings } from '../../core/aws/clients';
import { unzipTo } from '../build/zip';

export interface LocalInvocation {
  lambdaZip: string;
  layerZip: string;
  /** "<file>.<export>", e.g. "well.handler". */
  handler: string;
  event: unknown;
  functionName?: string;
  memoryMb?: number;
  timeoutSeconds?: number;
  /** The function's environment variables (TABLE_NAME, DATAMARTS_BUCKET, IMAGES_SIZE, LOG_LEVEL...). */
  environment?: Record<string, string>;
  /** Default: this process's AWS_REGION, S3_ENDPOINT, DYNAMODB_ENDPOINT. */
  aws?: AwsSettings;
  /** Where task/, opt/ and tmp/ go; default: a fresh temporary folder, removed afterwards. */
  workDir?: string;
  keepWorkDir?: boolean;
  /** Where the handler's stdout and stderr go; default: this process's stderr. */
  logs?: Writable;
  /** Aborting kills the Lambda process (a worker shutting down). */
  signal?: AbortSignal;
}

export interface LocalInvocationResult {
  result: unknown;
  durationMs: number;
}

export class LambdaInvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly stackTrace: string[] = [],
  ) {
    super(message);
    this.name = 'LambdaInvocationError';
  }
}

export const DEFAULT_MEMORY_MB = 128;
export const DEFAULT_TIMEOUT_SECONDS = 3;
/** After the timeout, a handler blocking its event loop gets this long before the process is killed. */
const KILL_GRACE_MS = 2000;

const RUNTIME_SCRIPT = path.join(import.meta.dirname, 'local-lambda-runtime.cjs');

interface ChildMessage {
  ok: boolean;
  result?: unknown;
  error?: { errorType: string; errorMessage: string; stackTrace: string[] };
}

export function parseHandler(handler: string): { file: string; name: string } {
  const match = /^([\w./-]+)\.([A-Za-z_$][\w$]*)$/.exec(handler);
  if (!match) throw new Error(`handler "${handler}" is not "<file>.<export>" (e.g. well.handler)`);
  return { file: match[1]!, name: match[2]! };
}

/**
 * Node resolves bare imports in every ancestor's node_modules and picks CommonJS/ESM from the
 * nearest package.json: an ancestor holding either would make the local run differ from Lambda's.
 */
function assertIsolated(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    for (const leak of ['node_modules', 'package.json']) {
      if (existsSync(path.join(d, leak))) {
        throw new Error(`work folder ${dir} is inside ${d}, which has ${leak}: the handler would see it (Lambda would not). Use a work folder outside any Node project (default: a temporary folder).`);
      }
    }
    if (path.dirname(d) === d) return;
  }
}

function lambdaEnvironment(inv: Required<Pick<LocalInvocation, 'functionName' | 'memoryMb' | 'aws'>>, dirs: { task: string; opt: string; tmp: string }, handler: string, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    // No ~/.aws profiles, no ~/.node_modules: the function sees only what Lambda gives it.
    HOME: dirs.tmp,
    TMPDIR: dirs.tmp,
    NODE_PATH: path.join(dirs.opt, 'nodejs', 'node_modules'),
    LAMBDA_TASK_ROOT: dirs.task,
    LAMBDA_RUNTIME_DIR: path.dirname(RUNTIME_SCRIPT),
    _HANDLER: handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_LAMBDA_FUNCTION_NAME: inv.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(inv.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${inv.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    ...awsSettingsToEnv(inv.aws),
  };
  env.AWS_DEFAULT_REGION = env.AWS_REGION!;
  // The SDK warns on Node < 22, once per bundled copy; Lambda's configured runtime decides, not this machine's Node.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.env.LOG_LEVEL) env.LOG_LEVEL = process.env.LOG_LEVEL;
  // Against real AWS (no emulator endpoints) Lambda passes the role's credentials the same way.
  if (!inv.aws.s3Endpoint && !inv.aws.dynamodbEndpoint) {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      const value = process.env[key];
      if (value) env[key] = value;
    }
  }
  return { ...env, ...extra };
}

async function unpack(inv: LocalInvocation, workDir: string): Promise<{ task: string; opt: string; tmp: string }> {
  const dirs = { task: path.join(workDir, 'task'), opt: path.join(workDir, 'opt'), tmp: path.join(workDir, 'tmp') };
  for (const zip of [inv.lambdaZip, inv.layerZip]) if (!existsSync(zip)) throw new Error(`${zip} not found (run the build first: npm run build)`);
  await Promise.all(Object.values(dirs).map((d) => rm(d, { recursive: true, force: true })));
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  await unzipTo(inv.lambdaZip, dirs.task);
  await unzipTo(inv.layerZip, dirs.opt);
  return dirs;
}

function runChild(env: Record<string, string>, cwd: string, config: object, event: unknown, memoryMb: number, timeoutMs: number, logs: Writable, signal?: AbortSignal): Promise<ChildMessage> {
  const lambdaLocal = createRequire(import.meta.url).resolve('lambda-local');
  const child = spawn(process.execPath, [`--max-old-space-size=${memoryMb}`, RUNTIME_SCRIPT, lambdaLocal, JSON.stringify(config)], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    signal,
    killSignal: 'SIGKILL',
  });
  child.stdout?.pipe(logs, { end: false });
  child.stderr?.pipe(logs, { end: false });
  return new Promise((resolve, reject) => {
    let message: ChildMessage | undefined;
    let killedForTimeout = false;
    const killer = setTimeout(() => {
      killedForTimeout = true;
      child.kill('SIGKILL');
    }, timeoutMs + KILL_GRACE_MS);
    child.on('message', (m: ChildMessage) => {
      message = m;
    });
    child.on('error', (err) => {
      clearTimeout(killer);
      if (err.name === 'AbortError') reject(new LambdaInvocationError('Runtime.Aborted', 'the Lambda process was stopped (the local runner is shutting down)'));
      else reject(new Error(`cannot start the Lambda process: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (message) return resolve(message);
      if (killedForTimeout) return reject(new LambdaInvocationError('TimeoutError', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds (the handler blocked its event loop; process killed)`));
      reject(new LambdaInvocationError('Runtime.ExitError', `the Lambda process exited (${signal ?? `code ${code}`}) before returning a result${code === 134 || signal === 'SIGABRT' ? ` (out of memory? memory size ${memoryMb} MB)` : ''}`));
    });
    child.send((event === undefined ? null : event) as Serializable);
  });
}

export async function invokeLocal(inv: LocalInvocation): Promise<LocalInvocationResult> {
  const { file, name } = parseHandler(inv.handler);
  const memoryMb = inv.memoryMb ?? DEFAULT_MEMORY_MB;
  const timeoutSeconds = inv.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) throw new Error(`memory size must be an integer from 128 to 10240 MB, got ${memoryMb}`);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 900)) throw new Error(`timeout must be from 1 to 900 seconds, got ${timeoutSeconds}`);
  const functionName = inv.functionName ?? file;
  const aws = inv.aws ?? awsSettingsFromEnv();
  const workDir = inv.workDir ? path.resolve(inv.workDir) : await mkdtemp(path.join(tmpdir(), 'invoke-local-'));
  try {
    assertIsolated(workDir);
    const dirs = await unpack(inv, workDir);
    const handlerFile = path.join(dirs.task, `${file}.js`);
    if (!existsSync(handlerFile)) throw new Error(`handler "${inv.handler}": ${file}.js is not in ${inv.lambdaZip}`);
    const env = lambdaEnvironment({ functionName, memoryMb, aws }, dirs, inv.handler, inv.environment ?? {});
    const timeoutMs = Math.round(timeoutSeconds * 1000);
    const config = { handlerFile, handlerName: name, functionName, memoryMb, timeoutMs, region: env.AWS_REGION };
    const started = performance.now();
    const message = await runChild(env, dirs.task, config, inv.event, memoryMb, timeoutMs, inv.logs ?? process.stderr, inv.signal);
    const durationMs = Math.round(performance.now() - started);
    if (!message.ok) {
      const e = message.error ?? { errorType: 'Error', errorMessage: 'unknown error', stackTrace: [] };
      throw new LambdaInvocationError(e.errorType, e.errorMessage, e.stackTrace);
    }
    return { result: message.result, durationMs };
  } finally {
    if (!inv.workDir && !inv.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}

class UsageError extends Error {}

function parseArgs(argv: string[]): LocalInvocation {
  const values = new Map<string, string>();
  const environment: Record<string, string> = {};
  let keepWorkDir = false;
  const known = ['--lambda', '--layer', '--handler', '--event', '--event-file', '--timeout', '--memory', '--function-name', '--work-dir'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--keep') {
      keepWorkDir = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (flag !== '--env' && !known.includes(flag)) throw new UsageError(`unknown argument "${arg}"`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--env') {
      const at = value.indexOf('=');
      if (at <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${value}"`);
      environment[value.slice(0, at)] = value.slice(at + 1);
    } else {
      values.set(flag, value);
    }
  }
  for (const required of ['--lambda', '--layer', '--handler']) if (!values.has(required)) throw new UsageError(`${required} is required`);
  const eventText = values.has('--event-file') ? readFileSync(values.get('--event-file')!, 'utf8') : values.get('--event');
  if (eventText === undefined) throw new UsageError('--event or --event-file is required');
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch (err) {
    throw new UsageError(`the event is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const number = (flag: string): number | undefined => {
    const raw = values.get(flag);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${raw}"`);
    return n;
  };
  return {
    lambdaZip: values.get('--lambda')!,
    layerZip: values.get('--layer')!,
    handler: values.get('--handler')!,
    event,
    functionName: values.get('--function-name'),
    memoryMb: number('--memory'),
    timeoutSeconds: number('--timeout'),
    environment,
    workDir: values.get('--work-dir'),
    keepWorkDir,
  };
}

async function main(): Promise<number> {
  let inv: LocalInvocation;
  try {
    inv = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`invoke-local: ${err.message}\nusage: invoke-local.ts --lambda ZIP --layer ZIP --handler FILE.EXPORT --event JSON [--env K=V]... [--timeout S] [--memory MB] [--function-name NAME] [--work-dir DIR] [--keep]\n`);
    return 2;
  }
  try {
    const { result } = await invokeLocal(inv);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (err) {
    const message = err instanceof LambdaInvocationError ? `${err.errorType}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`invoke-local: ${inv.handler} failed: ${message}\n`);
    return 1;
  }
}

if (isCliEntry(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`invoke-local: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
