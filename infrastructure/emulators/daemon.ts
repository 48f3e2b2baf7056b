/**
 * The local target's emulators as background processes (SPEC §6.1): s3rver and dynalite on 127.0.0.1,
 * each in its own detached process with a pid file, state in one folder shared by both challenges.
 *
 *   tsx infrastructure/emulators/daemon.ts start  [--user NAME]   start (or reuse) both, health-checked
 *   tsx infrastructure/emulators/daemon.ts stop   [--user NAME]   stop them once no user still needs them
 *   tsx infrastructure/emulators/daemon.ts clean  --user NAME     stop, and remove the state folder
 *                                                                 when only the emulators' data is left
 *   tsx infrastructure/emulators/daemon.ts status                 exit 0 when both are running and healthy
 *
 * Every process the daemon starts has a pid file in <state>/emulators (`<name>.pid`, JSON {pid, port}) and
 * leads its own process group: `stop` ends each with its group (what it started itself goes with it), and
 * also the process of any other `*.pid` file there (a later feature's worker started with this script). An emulator
 * left without its pid file (an earlier run interrupted) is recognised by its command line: adopted when
 * it serves this state folder, replaced when its state folder is gone; a hung one is replaced too.
 *
 * Options (or environment): --state-dir (STATE_DIR, default <repo>/.state), --s3-port (S3_PORT, 4569),
 * --dynamodb-port (DYNAMODB_PORT, 4567). A "user" is a challenge: `make` leases the emulators for it,
 * `make stop` releases the lease, and the emulators stop when no lease is left.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient, s3Client, DEFAULT_REGION } from '../../core/aws/clients';
import { errorMessage } from '../../core/log';
import { startLocalS3 } from './s3';
import { startLocalDynamo } from './dynamodb';
import { commandLine, listenerPid, runs, stopProcess } from './processes';
import { AutoIngest } from './auto-ingest';

const HOST = '127.0.0.1';
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(import.meta.dirname, 'daemon.ts');
const START_TIMEOUT_MS = 30_000;

type EmulatorName = 's3' | 'dynamodb';
const EMULATORS: EmulatorName[] = ['s3', 'dynamodb'];
const PORT_OPTION: Record<EmulatorName, string> = { s3: 'S3_PORT (make S3_PORT=...)', dynamodb: 'DYNAMODB_PORT (make DYNAMODB_PORT=...)' };

interface Settings {
  stateDir: string;
  ports: Record<EmulatorName, number>;
}

interface PidFile {
  pid: number;
  port: number;
}

/** Other processes' pid files in the emulators folder name only the pid. */
type AnyPidFile = Pick<PidFile, 'pid'> & Partial<PidFile>;

class DaemonError extends Error {}

// ---------------------------------------------------------------------------------------------- layout

const emulatorsDir = (s: Settings): string => path.join(s.stateDir, 'emulators');
const dataDir = (s: Settings, name: EmulatorName): string => path.join(emulatorsDir(s), name);
const pidPath = (s: Settings, name: EmulatorName): string => path.join(emulatorsDir(s), `${name}.pid`);
const logPath = (s: Settings, name: EmulatorName): string => path.join(emulatorsDir(s), `${name}.log`);
const leasesDir = (s: Settings): string => path.join(emulatorsDir(s), 'leases');
const endpoint = (port: number): string => `http://${HOST}:${port}`;

function leases(s: Settings): string[] {
  return existsSync(leasesDir(s)) ? readdirSync(leasesDir(s)).sort() : [];
}

function readPidFile(file: string): AnyPidFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PidFile>;
    if (Number.isInteger(parsed.pid)) return { pid: parsed.pid!, port: Number.isInteger(parsed.port) ? parsed.port : undefined };
  } catch {
    // unreadable: treated as stale below
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------- processes

/** A daemon command or emulator of this repository (the pid may have been reused by another process). */
const isAlive = (pid: number): boolean => runs(pid, SCRIPT);

/** The pid file of an emulator that is still running, or undefined (a stale pid file is removed). */
function runningEmulator(s: Settings, name: EmulatorName): PidFile | undefined {
  const file = pidPath(s, name);
  const info = readPidFile(file);
  if (info?.port !== undefined && isAlive(info.pid)) return { pid: info.pid, port: info.port };
  if (existsSync(file)) unlinkSync(file);
  return undefined;
}

async function healthy(name: EmulatorName, port: number): Promise<boolean> {
  const settings = { region: DEFAULT_REGION, s3Endpoint: endpoint(port), dynamodbEndpoint: endpoint(port), maxAttempts: 1 };
  const signal = AbortSignal.timeout(2_000);
  try {
    if (name === 's3') await s3Client(settings).send(new ListBucketsCommand({}), { abortSignal: signal });
    else await dynamoClient(settings).send(new ListTablesCommand({}), { abortSignal: signal });
    return true;
  } catch {
    return false;
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function logTail(s: Settings, name: EmulatorName): string {
  const file = logPath(s, name);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
}

/**
 * One daemon command at a time per state folder (make in both challenges at once): a lock file holding
 * the pid of the command that owns it; a lock left by a dead command is taken over.
 */
async function withStateLock<T>(s: Settings, work: () => Promise<T>): Promise<T> {
  mkdirSync(emulatorsDir(s), { recursive: true });
  const lock = path.join(emulatorsDir(s), '.lock');
  for (const deadline = Date.now() + 2 * START_TIMEOUT_MS; ; await sleep(100)) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        mkdirSync(emulatorsDir(s), { recursive: true }); // removed by a clean meanwhile
        continue;
      }
      if (code !== 'EEXIST') throw err;
      let holder: number;
      try {
        holder = Number(readFileSync(lock, 'utf8').trim());
      } catch {
        continue; // released meanwhile
      }
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new DaemonError(`${lock} is held by process ${holder} (another make?): try again when it has finished`);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

// ------------------------------------------------------------------------------------------- commands

/** An emulator of this repository, read from its command line (`daemon.ts run NAME --state-dir DIR ...`). */
function emulatorProcess(pid: number): { name: string; stateDir: string } | undefined {
  const command = commandLine(pid);
  const at = command?.indexOf(`${SCRIPT} run `) ?? -1;
  if (command === undefined || at < 0) return undefined;
  const match = /^run (\S+) --state-dir (.+?) --\S+-port \d+$/.exec(command.slice(at + SCRIPT.length + 1));
  return match ? { name: match[1]!, stateDir: path.resolve(match[2]!) } : undefined;
}

/**
 * The port is taken and no pid file of this state folder names its process. This repository's own
 * emulator of the same kind (left by an interrupted run) is adopted when it serves this state folder, and
 * stopped when its state folder is gone; anything else is reported. Returns whether it was adopted.
 */
async function leftoverOnPort(s: Settings, name: EmulatorName, port: number): Promise<boolean> {
  const pid = listenerPid(port);
  const emulator = pid === undefined ? undefined : emulatorProcess(pid);
  if (pid === undefined || emulator === undefined) {
    const who = pid === undefined ? '' : ` (pid ${pid}: ${commandLine(pid) ?? 'gone'})`;
    throw new DaemonError(`port ${port} of ${HOST} is already in use by another process${who}: choose another port for the ${name} emulator with ${PORT_OPTION[name]}`);
  }
  if (emulator.name === name && emulator.stateDir === s.stateDir) {
    writeFileSync(pidPath(s, name), JSON.stringify({ pid, port } satisfies PidFile) + '\n');
    return true;
  }
  if (!existsSync(emulator.stateDir)) {
    console.log(`${emulator.name} emulator left running by an earlier run (pid ${pid}, state folder ${emulator.stateDir} gone): stopping it`);
    await stopProcess(pid);
    return false;
  }
  throw new DaemonError(
    `port ${port} of ${HOST} is used by this project's ${emulator.name} emulator of the state folder ${emulator.stateDir} (pid ${pid}): ` +
      `stop it there (make stop, or STATE_DIR=${emulator.stateDir} make stop), or choose another port for the ${name} emulator with ${PORT_OPTION[name]}`,
  );
}

async function waitHealthy(name: EmulatorName, port: number): Promise<boolean> {
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; await sleep(200)) if (await healthy(name, port)) return true;
  return false;
}

async function startOne(s: Settings, name: EmulatorName): Promise<string> {
  const port = s.ports[name];
  let running = runningEmulator(s, name);
  if (!running && (await portInUse(port)) && (await leftoverOnPort(s, name, port))) running = runningEmulator(s, name);
  if (running) {
    if (running.port !== port) {
      throw new DaemonError(
        `${name} emulator already runs from ${s.stateDir} on port ${running.port}, not ${port}: use the same port, or stop it first (make stop)`,
      );
    }
    if (await waitHealthy(name, port)) return `${name} emulator already running at ${endpoint(port)} (pid ${running.pid}), reused`;
    console.log(`${name} emulator (pid ${running.pid}) does not answer on ${endpoint(port)}: replacing it; its log (${logPath(s, name)}):\n${logTail(s, name)}`);
    await stopProcess(running.pid);
    rmSync(pidPath(s, name), { force: true });
  }
  if (await portInUse(port)) {
    throw new DaemonError(`port ${port} of ${HOST} is still in use after stopping the ${name} emulator: choose another port with ${PORT_OPTION[name]}`);
  }

  mkdirSync(dataDir(s, name), { recursive: true });
  const log = openSync(logPath(s, name), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, 'run', name, '--state-dir', s.stateDir, `--${name}-port`, String(port)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  closeSync(log);
  if (child.pid === undefined) throw new DaemonError(`could not start the ${name} emulator (spawn failed)`);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  writeFileSync(pidPath(s, name), JSON.stringify({ pid: child.pid, port } satisfies PidFile) + '\n');

  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; await sleep(200)) {
    if (exited !== undefined) break;
    if (await healthy(name, port)) return `${name} emulator started at ${endpoint(port)} (pid ${child.pid}, state in ${dataDir(s, name)})`;
  }
  if (exited === undefined) await stopProcess(child.pid);
  unlinkSync(pidPath(s, name));
  throw new DaemonError(`the ${name} emulator did not become healthy on ${endpoint(port)}; its log (${logPath(s, name)}):\n${logTail(s, name)}`);
}

/**
 * Stops the process of one pid file of the emulators folder with its process group, and removes the file.
 * Only while that pid still runs this script (a pid file may outlive its process, and the pid be reused).
 */
async function stopPidFile(file: string): Promise<string> {
  const label = path.basename(file, '.pid');
  const info = readPidFile(file);
  rmSync(file, { force: true });
  if (!info || !isAlive(info.pid)) return `${label} not running`;
  await stopProcess(info.pid);
  return `${label}${(EMULATORS as string[]).includes(label) ? ' emulator' : ''} stopped (pid ${info.pid})`;
}

async function start(s: Settings, user: string | undefined): Promise<void> {
  for (const name of EMULATORS) console.log(await startOne(s, name));
  if (user) {
    mkdirSync(leasesDir(s), { recursive: true });
    writeFileSync(path.join(leasesDir(s), user), `${new Date().toISOString()}\n`);
  }
}

/** Releases the user's lease; stops both emulators when no lease is left. Returns whether they stopped. */
async function stop(s: Settings, user: string | undefined): Promise<boolean> {
  if (user) rmSync(path.join(leasesDir(s), user), { force: true });
  const others = leases(s);
  if (others.length > 0) {
    console.log(`emulators left running: still used by ${others.join(', ')}`);
    return false;
  }
  const extra = readdirSync(emulatorsDir(s)).filter((f) => f.endsWith('.pid') && !EMULATORS.some((name) => f === `${name}.pid`));
  for (const file of [...EMULATORS.map((name) => pidPath(s, name)), ...extra.map((f) => path.join(emulatorsDir(s), f))]) console.log(await stopPidFile(file));
  return true;
}

/**
 * Stops as `stop` does; once the emulators are stopped and nothing but their own data is left in the
 * state folder (each user removes its own entries first), the folder goes too.
 */
async function clean(s: Settings, user: string): Promise<void> {
  if (!(await stop(s, user))) return;
  const remaining = existsSync(s.stateDir) ? readdirSync(s.stateDir).filter((e) => e !== 'emulators') : [];
  if (remaining.length > 0) {
    console.log(`state folder ${s.stateDir} kept: it still holds ${remaining.join(', ')}`);
    return;
  }
  rmSync(s.stateDir, { recursive: true, force: true });
  console.log(`state folder ${s.stateDir} removed`);
}

async function status(s: Settings): Promise<boolean> {
  let ok = true;
  for (const name of EMULATORS) {
    const running = runningEmulator(s, name);
    const up = running !== undefined && (await healthy(name, running.port));
    ok &&= up;
    console.log(running ? `${name}: pid ${running.pid}, ${endpoint(running.port)}, ${up ? 'healthy' : 'NOT answering'}` : `${name}: not running`);
  }
  const users = leases(s);
  console.log(`used by: ${users.length > 0 ? users.join(', ') : 'nobody'}; state in ${s.stateDir}`);
  return ok;
}

/**
 * The detached child: one emulator in the foreground until SIGTERM. The S3 one also runs the ETL on
 * upload (auto-ingest.ts) in this same process: its Lambda runs are its children, killed with it.
 */
async function run(s: Settings, name: EmulatorName): Promise<void> {
  const port = s.ports[name];
  const autoIngest = name === 's3' ? new AutoIngest({ stateDir: s.stateDir }) : undefined;
  const emulator =
    name === 's3'
      ? await startLocalS3({ port, directory: dataDir(s, name), host: HOST, onObjectCreated: (record) => autoIngest!.deliver(record) })
      : await startLocalDynamo({ port, directory: dataDir(s, name), host: HOST });
  console.log(`${new Date().toISOString()} ${name} emulator listening on ${emulator.endpoint}`);
  const shutdown = (): void => {
    void Promise.all([autoIngest?.close(), emulator.close()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

// ----------------------------------------------------------------------------------------------- CLI

function portFrom(value: string | undefined, fallback: number, option: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DaemonError(`${option} must be a port number (1-65535), got "${value}"`);
  return port;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      's3-port': { type: 'string' },
      'dynamodb-port': { type: 'string' },
      user: { type: 'string' },
    },
  });
  const settings: Settings = {
    stateDir: path.resolve(values['state-dir'] || process.env.STATE_DIR || path.join(REPO_ROOT, '.state')),
    ports: {
      s3: portFrom(values['s3-port'] ?? process.env.S3_PORT, 4569, '--s3-port'),
      dynamodb: portFrom(values['dynamodb-port'] ?? process.env.DYNAMODB_PORT, 4567, '--dynamodb-port'),
    },
  };
  const user = values.user || undefined;
  if (user !== undefined && !/^[A-Za-z0-9._-]+$/.test(user)) throw new DaemonError(`--user must be a simple name (letters, digits, . _ -), got "${user}"`);
  const [command, emulator] = positionals;
  switch (command) {
    case 'start':
      await withStateLock(settings, () => start(settings, user));
      return 0;
    case 'stop':
      if (!existsSync(emulatorsDir(settings))) console.log('emulators not running (never started here)');
      else await withStateLock(settings, () => stop(settings, user));
      return 0;
    case 'clean':
      if (!user) throw new DaemonError('clean needs --user NAME (whose lease to release)');
      await withStateLock(settings, () => clean(settings, user));
      return 0;
    case 'status':
      return (await status(settings)) ? 0 : 1;
    case 'run':
      if (emulator !== 's3' && emulator !== 'dynamodb') throw new DaemonError('run needs s3 or dynamodb');
      await run(settings, emulator);
      return -1;
    default:
      throw new DaemonError(`usage: daemon.ts start|stop|clean|status [--user NAME] [--state-dir DIR] [--s3-port N] [--dynamodb-port N]`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`emulators: ${errorMessage(err)}`);
    process.exitCode = 1;
  },
);
