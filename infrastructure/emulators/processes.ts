/**
 * The project's background processes on this machine (emulators, the local web service): whose a pid is,
 * which process listens on a port, and stopping a process with everything it started. Each of them is
 * started detached (its own session and process group), so its children (a Lambda run of the emulator
 * daemon, for instance) stop with it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

const STOP_TIMEOUT_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const hasProc = (): boolean => existsSync('/proc/self/cmdline');

/** The command line of a running process (arguments joined by spaces), or undefined when it is gone. */
export function commandLine(pid: number): string | undefined {
  if (!signalable(pid)) return undefined;
  try {
    if (hasProc()) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') return undefined; // exited, not yet reaped
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    }
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether pid is running and its command line contains marker (a pid file may outlive its process). */
export function runs(pid: number, marker: string): boolean {
  return commandLine(pid)?.includes(marker) ?? false;
}

/** The pid of the process listening on a TCP port of this machine, when it can be told (Linux: /proc; else lsof). */
export function listenerPid(port: number): number | undefined {
  if (!hasProc()) {
    try {
      const out = execFileSync('lsof', ['-nP', '-t', `-iTCP:${port}`, '-sTCP:LISTEN'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const pid = Number(out.split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the socket's inode is field 9.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the process group it leads, children included
  } catch {
    try {
      process.kill(pid, signal); // not a group leader
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to the process and its group, SIGKILL after a grace period; resolves once it has exited. */
export async function stopProcess(pid: number, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && commandLine(pid) !== undefined; ) await sleep(100);
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && commandLine(pid) !== undefined; i++) await sleep(100);
}
