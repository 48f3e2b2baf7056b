/**
 * Deterministic zips (sorted entries, fixed DOS timestamps, fixed modes: an unchanged input gives a
 * byte-identical zip) and the matching unpacker used by the local Lambda runner and the tests.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import yauzl from 'yauzl';

export interface ZipEntry {
  /** Path inside the zip, '/'-separated, relative. */
  name: string;
  data: Buffer;
}

/**
 * Built from local-time fields because DOS timestamps are local time: the same bytes whatever the
 * build machine's time zone. forceDosTimestamp drops the extended (UTC) timestamp field.
 */
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

export async function zipBuffer(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`zip: duplicate entry ${sorted[i]!.name}`);
  }
  for (const entry of sorted) {
    zip.addBuffer(entry.data, entry.name, { mtime: FIXED_MTIME, mode: FILE_MODE, compress: true, forceDosTimestamp: true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The entry names of a zip, in stored order. */
export async function zipEntryNames(zipPath: string): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  const names: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
  } finally {
    zip.close();
  }
  return names;
}

/** Unpacks a zip into dir, refusing entries that would land outside it. */
export async function unzipTo(zipPath: string, dir: string): Promise<number> {
  const root = path.resolve(dir);
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  let files = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const target = path.resolve(root, entry.fileName);
      if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`${zipPath}: entry ${entry.fileName} points outside the target folder`);
      if (entry.fileName.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target, { mode: 0o644 }));
      files++;
    }
  } finally {
    zip.close();
  }
  return files;
}
