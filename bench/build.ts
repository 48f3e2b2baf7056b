/** The artifacts the bench runs, as `make build` writes them: built with `npm run build` when one is missing. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAMBDA_ZIP, LAYER_ZIP, PROJECT_ROOT, SERVICE_BUNDLE } from './paths';

const ARTIFACTS = [LAMBDA_ZIP, LAYER_ZIP, SERVICE_BUNDLE];
const SOURCE_DIRS = ['core', 'lambda', 'webservice', 'layer'];

const relative = (f: string): string => path.relative(PROJECT_ROOT, f);

/** Newest modification time of the TypeScript sources the artifacts are built from. */
function newestSourceMs(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|json|cjs)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(PROJECT_ROOT, dir));
  return newest;
}

/** Builds when an artifact is missing (or always, with `force`); warns when the build is older than the sources. */
export async function ensureBuilt(log: (line: string) => void, force: boolean): Promise<void> {
  const missing = ARTIFACTS.filter((f) => !existsSync(f));
  if (missing.length === 0 && !force) {
    const oldest = Math.min(...ARTIFACTS.map((f) => statSync(f).mtimeMs));
    const stale = newestSourceMs() > oldest;
    log(`using the existing build (${ARTIFACTS.map(relative).join(', ')})${stale ? ': WARNING it is older than some sources; pass --build to rebuild' : ''}`);
    return;
  }
  log(force ? 'building: npm run build' : `building (missing: ${missing.map(relative).join(', ')}): npm run build`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(npm, ['run', 'build'], { cwd: PROJECT_ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`npm run build failed (exit ${code})`);
  const still = ARTIFACTS.filter((f) => !existsSync(f));
  if (still.length > 0) throw new Error(`npm run build did not write ${still.join(', ')}`);
}
