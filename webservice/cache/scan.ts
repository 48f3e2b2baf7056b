/**
 * What a cache folder holds when the cache opens: each entry's key, size and last use (its mtime), read
 * from the entry headers. Damaged and expired files are reported for removal instead.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseHeader } from './entry-format';
import { errorMessage } from '../../core/log';

export interface ScannedEntry {
  key: string;
  file: string;
  bytes: number;
  lastUsedMs: number;
}

export interface ScanResult {
  /** Least recently used first. */
  entries: ScannedEntry[];
  /** Files to delete, with the reason. */
  discard: { file: string; reason: string }[];
}

const HEADER_READ_BYTES = 64 * 1024;

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** An entry file's key and size, or why it cannot be trusted. */
export async function inspectEntryFile(file: string, pathOf: (key: string) => string, nowMs: number): Promise<ScannedEntry | string> {
  const info = await stat(file);
  const parsed = parseHeader(await readHead(file));
  if (typeof parsed === 'string') return parsed;
  const { header, payloadOffset } = parsed;
  if (pathOf(header.key) !== file) return `file name does not match its key "${header.key}"`;
  if (info.size !== payloadOffset + header.length) return `file is ${info.size} bytes, header says ${payloadOffset + header.length}`;
  if (header.expires !== undefined && header.expires <= nowMs) return 'expired';
  return { key: header.key, file, bytes: info.size, lastUsedMs: info.mtimeMs };
}

/**
 * Scans `dir`; `pathOf` is where the store keeps a key, so a file whose header names another key (renamed,
 * copied in) is not trusted. Dot files (keyv-file's own bookkeeping) and folders are left alone.
 */
export async function scanCacheFolder(dir: string, pathOf: (key: string) => string, nowMs: number): Promise<ScanResult> {
  const result: ScanResult = { entries: [], discard: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    try {
      if (!(await stat(file)).isFile()) continue;
      const inspected = await inspectEntryFile(file, pathOf, nowMs);
      if (typeof inspected === 'string') result.discard.push({ file, reason: inspected });
      else result.entries.push(inspected);
    } catch (err) {
      // Gone since readdir (another process), or unreadable: either way not an entry to serve.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.discard.push({ file, reason: errorMessage(err) });
    }
  }
  result.entries.sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.key.localeCompare(b.key));
  return result;
}
