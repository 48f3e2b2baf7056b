/** The machine a run was measured on, and the commit it measured. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Machine } from './results';
import { PROJECT_ROOT } from './paths';

export function describeMachine(python?: { python?: string; pandas?: string }): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: python?.python,
    pandas: python?.pandas,
    loadAverage: { start: os.loadavg()[0]! },
  };
}

export function loadAverageNow(): number {
  return os.loadavg()[0]!;
}

/** Short commit id, with "+changes" when the working tree differs from it. */
export function currentCommit(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return head.stdout.trim() + (dirty.stdout.trim() ? '+changes' : '');
}
