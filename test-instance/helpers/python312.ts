/**
 * A Python 3.12 interpreter for Ansible's modules, the Python of the aws target's Ubuntu 24.04 (where
 * ansible-core 2.14's URL helpers break). Looked for in PYTHON312, pyenv's versions, then the PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

function isPython312(file: string): boolean {
  const run = spawnSync(file, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.trim() === '3.12';
}

function pyenvCandidates(): string[] {
  const roots = [process.env.PYENV_ROOT, spawnSync('pyenv', ['root'], { encoding: 'utf8' }).stdout?.trim(), path.join(homedir(), '.pyenv')];
  const found: string[] = [];
  for (const root of roots) {
    const versions = root ? path.join(root, 'versions') : '';
    if (!versions || !existsSync(versions)) continue;
    for (const version of readdirSync(versions).filter((v) => /^3\.12(\.\d+)?$/.test(v)).sort().reverse()) {
      found.push(path.join(versions, version, 'bin', 'python3.12'));
    }
  }
  return found;
}

function pathCandidates(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'python3.12'));
}

/** The first Python 3.12 found, or undefined. */
export function findPython312(): string | undefined {
  const candidates = [process.env.PYTHON312, ...pyenvCandidates(), ...pathCandidates(), '/usr/bin/python3.12'].filter((c): c is string => Boolean(c));
  return [...new Set(candidates)].find((file) => existsSync(file) && isPython312(file));
}
