/** Running the user's commands in a fresh clone, and reading what they print. */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';

export interface CommandOptions {
  cwd: string;
  /** Every command's output is appended here, for a look after a failure. */
  log: string;
  env?: NodeJS.ProcessEnv;
}

/** The environment a user's shell would give make: none of this test runner's own settings. */
export function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['MAKEFLAGS', 'MAKELEVEL', 'MFLAGS', 'LOG_LEVEL', 'NODE_OPTIONS', 'AVA_PATH', 'TEST_WORKER_ID']) delete env[key];
  return env;
}

/** Runs a command with stdin closed (not a terminal); resolves with its output, rejects with its tail. */
export function run(command: string, args: string[], options: CommandOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const shown = [command, ...args].join(' ');
    appendFileSync(options.log, `\n$ (cd ${options.cwd} && ${shown})\n`);
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      appendFileSync(options.log, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`"${shown}" in ${options.cwd} failed (${signal ?? `exit ${code}`}); last lines:\n${output.split('\n').slice(-40).join('\n')}`));
    });
  });
}

/** The curl lines `make` printed, as printed. */
export function curlLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('curl '));
}

export function urlOf(curlLine: string): URL {
  const match = /'(http[^']+)'/.exec(curlLine);
  if (!match) throw new Error(`no quoted URL in: ${curlLine}`);
  return new URL(match[1]!);
}

export function outputFileOf(curlLine: string): string | undefined {
  return /-o (\S+)/.exec(curlLine)?.[1];
}

export { freePorts } from '../test/helpers/free-port';

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Running: signalable and, where /proc tells, not a zombie waiting for init to reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/** The pid in a pid file: a bare number (the web service) or JSON {pid} (the emulators). */
export function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  const pid = text.startsWith('{') ? (JSON.parse(text) as { pid: number }).pid : Number(text);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until check() holds (a datamart replaced by the ETL is served within a minute, SPEC §5.3). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, seconds: number): Promise<T> {
  let last: unknown;
  for (const deadline = Date.now() + seconds * 1000; Date.now() < deadline; await sleep(1000)) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`${what}: not within ${seconds} s${last ? ` (last error: ${String(last)})` : ''}`);
}
