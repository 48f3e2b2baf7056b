/**
 * The bench's child processes: started with their output in a log file, stopped by their own pid
 * (SIGTERM, then SIGKILL after a grace period), never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PeakRssSampler } from './peak-rss';

export interface ProcessSpec {
  /** Names the process in messages. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface RunningProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

/** A free TCP port of 127.0.0.1 (asked from the kernel, then released for the caller to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Every process started here and still running, so an interrupted bench can stop them. */
const running = new Set<RunningProcess>();

export function startProcess(spec: ProcessSpec, stdout: 'log' | 'pipe' = 'log'): RunningProcess {
  const fd = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', stdout === 'log' ? fd : 'pipe', fd] });
  closeSync(fd);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err) => {
      done = true;
      reject(new Error(`${spec.name}: cannot start ${spec.command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`${spec.name}: ${spec.command} did not start`);
  const proc: RunningProcess = { name: spec.name, pid: child.pid, logFile: spec.logFile, child, exited, hasExited: () => done };
  running.add(proc);
  exited.then(
    () => running.delete(proc),
    () => running.delete(proc),
  );
  return proc;
}

/** Stops every process this module started that is still running (each by its pid). */
export async function stopAllStarted(): Promise<void> {
  await Promise.all([...running].map((p) => stopProcess(p)));
}

/** Stops one process by its pid: SIGTERM, then SIGKILL if it is still there after graceMs. */
export async function stopProcess(proc: RunningProcess, graceMs = 5000): Promise<void> {
  if (proc.hasExited()) return;
  process.kill(proc.pid, 'SIGTERM');
  const killer = setTimeout(() => {
    if (!proc.hasExited()) process.kill(proc.pid, 'SIGKILL');
  }, graceMs);
  await proc.exited.catch(() => undefined);
  clearTimeout(killer);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200; fails early, with the log's tail, when the process exits. */
export async function waitForHttp(url: string, proc: RunningProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`${proc.name} exited before answering ${url}; its log ends with:\n${logTail(proc.logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} did not answer 200 on ${url} within ${timeoutMs / 1000} s (last: ${last}); its log ends with:\n${logTail(proc.logFile)}`);
}

export interface MeasuredRun {
  code: number | null;
  wallMs: number;
  peakRssMb: number | undefined;
  stdout: string;
}

/** Runs a process to its end, timing it and sampling its peak RSS; stdout is captured, stderr logged. */
export async function runMeasured(spec: ProcessSpec, timeoutMs = 15 * 60_000): Promise<MeasuredRun> {
  const started = performance.now();
  const proc = startProcess(spec, 'pipe');
  const sampler = new PeakRssSampler(proc.pid);
  const chunks: Buffer[] = [];
  proc.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const timer = setTimeout(() => void stopProcess(proc), timeoutMs);
  try {
    const { code } = await proc.exited;
    return { code, wallMs: performance.now() - started, peakRssMb: sampler.stop(), stdout: Buffer.concat(chunks).toString('utf8') };
  } finally {
    clearTimeout(timer);
    sampler.stop();
  }
}
