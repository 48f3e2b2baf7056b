/**
 * Writing build outputs so that make can be incremental: files are rewritten only when their bytes
 * change (an unchanged rebuild keeps the old mtime, so nothing downstream reruns), and each artifact
 * gets a make depfile listing the inputs esbuild actually read, plus a stamp touched on every build.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeIfChanged(file: string, data: Buffer): Promise<boolean> {
  if (existsSync(file)) {
    const old = await readFile(file);
    if (old.equals(data)) return false;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
  return true;
}

export interface OutputFile {
  /** Relative to the output folder, '/'-separated. */
  name: string;
  data: Buffer;
}

/** Makes dir hold exactly these files: changed ones rewritten, stale ones removed, the rest untouched. */
export async function syncDirectory(dir: string, files: readonly OutputFile[]): Promise<{ written: number; removed: number }> {
  let written = 0;
  let removed = 0;
  const wanted = new Set(files.map((f) => path.join(dir, f.name)));
  for (const file of files) {
    if (await writeIfChanged(path.join(dir, file.name), file.data)) written++;
  }
  if (existsSync(dir)) {
    const existing = await readdir(dir, { recursive: true, withFileTypes: true });
    for (const entry of existing) {
      const full = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && !wanted.has(full)) {
        await rm(full);
        removed++;
      }
    }
  }
  return { written, removed };
}

/**
 * Inputs under node_modules are collapsed to their package's package.json: a package's files change
 * only when its version does, and the list stays short (the AWS SDK alone reads ~1,000 files).
 */
export function collapseInputs(root: string, inputs: Iterable<string>): string[] {
  const result = new Set<string>();
  for (const input of inputs) {
    const abs = path.resolve(root, input.replace(/^[a-z-]+:/, ''));
    const marker = `${path.sep}node_modules${path.sep}`;
    const at = abs.lastIndexOf(marker);
    if (at < 0) {
      result.add(abs);
      continue;
    }
    const rest = abs.slice(at + marker.length).split(path.sep);
    const depth = rest[0]?.startsWith('@') ? 2 : 1;
    result.add(path.join(abs.slice(0, at + marker.length), ...rest.slice(0, depth), 'package.json'));
  }
  return [...result].sort();
}

function makeEscape(file: string): string {
  return file.replace(/([ #:$])/g, (c) => (c === '$' ? '$$' : `\\${c}`));
}

/**
 * Writes <out>/.deps/<artifact>.d ("<out>/.deps/<artifact>.stamp: inputs...", with <out> spelled as
 * the caller passed it) and touches the stamp. Inputs that no longer exist are left out so a deleted
 * source never breaks make.
 */
export async function writeDepfile(outArg: string, artifact: string, inputs: Iterable<string>): Promise<string> {
  const depsDir = path.join(outArg, '.deps');
  await mkdir(depsDir, { recursive: true });
  const stamp = path.join(depsDir, `${artifact}.stamp`);
  const existing = [...new Set(inputs)].filter((f) => existsSync(f)).sort();
  const text = `${makeEscape(stamp)}: \\\n${existing.map((f) => `  ${makeEscape(f)}`).join(' \\\n')}\n`;
  await writeIfChanged(path.join(depsDir, `${artifact}.d`), Buffer.from(text));
  const now = new Date();
  if (existsSync(stamp)) await utimes(stamp, now, now);
  else await writeFile(stamp, '');
  return stamp;
}
