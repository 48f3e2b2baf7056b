/**
 * CPU time of other processes (Linux /proc/<pid>/stat utime + stime), to give each load case the
 * server's CPU per request — a figure far less sensitive to other work on a shared machine than req/s —
 * and to wait until the processes under test are idle before the next case.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(out.stdout?.trim());
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** CPU milliseconds a process has used so far; undefined when it is gone or there is no /proc. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Total CPU milliseconds of several processes (those still there). */
export function totalCpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuMsOf(pid) ?? 0), 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the processes use under 5% of a core over a 500 ms window (a server still working off
 * requests a load run abandoned would otherwise steal CPU from the next case). Gives up after maxMs.
 */
export async function waitUntilIdle(pids: number[], maxMs = 180_000): Promise<number> {
  const started = Date.now();
  const windowMs = 500;
  for (;;) {
    const before = totalCpuMs(pids);
    await sleep(windowMs);
    const used = totalCpuMs(pids) - before;
    if (used <= windowMs * 0.05 || Date.now() - started > maxMs) return Date.now() - started;
  }
}
