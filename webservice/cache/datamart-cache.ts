/**
 * The web host's datamart cache (SPEC §5.3): Parquet bytes of S3 objects, keyed by bucket, key and ETag,
 * in files under `dir` (keyv + keyv-file), kept across restarts, at most `maxBytes` on disk with the least
 * recently used entries evicted first, each entry valid for `ttlSeconds` (0: no expiry).
 *
 * The cache is an optimisation and never a reason to fail: a damaged entry is discarded with a warning,
 * and a folder that cannot be created, read or written leaves the cache empty or read-only, with a
 * warning, while the service keeps serving from S3. Last use survives restarts as each file's mtime.
 */
import { access, mkdir, rm, utimes } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { createLogger, errorMessage, type Logger } from '../../core/log';
import { SizeBoundedLru } from './lru-index';
import { isCorrupt } from './entry-format';
import { openFileStore, type FileStore } from './file-store';
import { inspectEntryFile, scanCacheFolder } from './scan';

/** One version of one S3 object. */
export interface CachedObjectId {
  bucket: string;
  key: string;
  etag: string;
}

export interface DatamartCacheOptions {
  dir: string;
  maxBytes: number;
  ttlSeconds: number;
  log?: Logger;
}

export interface DatamartCacheStats {
  entries: number;
  bytes: number;
  writable: boolean;
}

export interface DatamartCache {
  get(id: CachedObjectId): Promise<Uint8Array | undefined>;
  /** Stores this version and drops the object's other versions; never throws. */
  put(id: CachedObjectId, bytes: Uint8Array): Promise<void>;
  delete(id: CachedObjectId): Promise<void>;
  /** Cache keys from least to most recently used. */
  keys(): string[];
  stats(): DatamartCacheStats;
}

export function datamartCacheKey(id: CachedObjectId): string {
  return `${objectPrefix(id)}${id.etag}`;
}

function objectPrefix(id: CachedObjectId): string {
  return `${id.bucket}/${id.key}@`;
}

/** Strictly increasing timestamps, so the recency order read back from mtimes has no ties. */
function stampClock(): () => number {
  let last = 0;
  return () => (last = Math.max(Date.now(), last + 1));
}

async function usableFolder(dir: string, log: Logger): Promise<{ readable: boolean; writable: boolean }> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    log.warn('datamart cache folder cannot be created: serving from S3 without a cache', { dir, error: errorMessage(err) });
    return { readable: false, writable: false };
  }
  try {
    await access(dir, fsConstants.W_OK);
    return { readable: true, writable: true };
  } catch (err) {
    log.warn('datamart cache folder is read-only: existing entries are used, new ones are not stored', { dir, error: errorMessage(err) });
    return { readable: true, writable: false };
  }
}

/** What the service uses when the cache folder is unusable: always a miss, stores nothing. */
function disabledCache(): DatamartCache {
  return {
    get: async () => undefined,
    put: async () => undefined,
    delete: async () => undefined,
    keys: () => [],
    stats: () => ({ entries: 0, bytes: 0, writable: false }),
  };
}

export async function openDatamartCache(options: DatamartCacheOptions): Promise<DatamartCache> {
  const log = options.log ?? createLogger('datamart-cache');
  const { dir, maxBytes } = options;
  const folder = await usableFolder(dir, log);
  let store: FileStore;
  try {
    if (!folder.readable) return disabledCache();
    store = openFileStore(dir, options.ttlSeconds);
  } catch (err) {
    log.warn('datamart cache folder cannot be used: serving from S3 without a cache', { dir, error: errorMessage(err) });
    return disabledCache();
  }
  const lru = new SizeBoundedLru<string>(maxBytes);
  const stamp = stampClock();
  const writable = folder.writable;

  const removeFile = async (file: string): Promise<void> => {
    await rm(file, { force: true }).catch((err: unknown) => log.warn('cannot remove a cache file', { file, error: errorMessage(err) }));
  };
  const forget = async (key: string): Promise<void> => {
    lru.delete(key);
    if (!writable) return;
    await store.delete(key).catch((err: unknown) => log.warn('cannot delete a cache entry', { key, error: errorMessage(err) }));
  };
  const markUsed = async (key: string): Promise<void> => {
    if (!writable) return;
    const seconds = stamp() / 1000;
    await utimes(store.pathOf(key), seconds, seconds).catch(() => undefined);
  };

  const indexFolder = async (): Promise<void> => {
    const scan = await scanCacheFolder(dir, store.pathOf, Date.now());
    for (const { file, reason } of scan.discard) {
      if (reason === 'expired') log.debug('removing an expired cache file', { file });
      else log.warn('discarding a corrupt datamart cache file', { file, reason });
      if (writable) await removeFile(file);
    }
    for (const entry of scan.entries) {
      for (const evicted of lru.add(entry.key, entry.bytes)) await forget(evicted);
    }
  };
  await indexFolder().catch((err: unknown) => {
    log.warn('datamart cache folder cannot be read: starting with an empty cache', { dir, error: errorMessage(err) });
  });

  const get = async (id: CachedObjectId): Promise<Uint8Array | undefined> => {
    const key = datamartCacheKey(id);
    if (!lru.has(key)) return undefined;
    let value;
    try {
      value = await store.get(key);
    } catch (err) {
      log.warn('datamart cache read failed: fetching from S3', { key, error: errorMessage(err) });
      return undefined;
    }
    if (value === undefined) {
      // Expired (Keyv has deleted it) or removed behind our back.
      lru.delete(key);
      return undefined;
    }
    if (isCorrupt(value) || value.key !== key) {
      const reason = isCorrupt(value) ? value.corrupt : `entry holds "${value.key}"`;
      log.warn('discarding a corrupt datamart cache file', { file: store.pathOf(key), reason });
      await forget(key);
      return undefined;
    }
    lru.touch(key);
    await markUsed(key);
    return value.bytes;
  };

  const put = async (id: CachedObjectId, bytes: Uint8Array): Promise<void> => {
    if (!writable) return;
    const key = datamartCacheKey(id);
    if (!lru.fits(bytes.byteLength)) {
      log.info('datamart larger than the cache, not cached', { key, bytes: bytes.byteLength, maxBytes });
      return;
    }
    for (const other of lru.keys()) {
      if (other !== key && other.startsWith(objectPrefix(id))) await forget(other);
    }
    const file = store.pathOf(key);
    try {
      await store.set(key, { key, bytes });
    } catch (err) {
      log.warn('datamart cache write failed: serving from S3 without caching', { file, error: errorMessage(err) });
    }
    // keyv-file swallows write errors, and a full disk leaves a short file: check what landed.
    const written = await inspectEntryFile(file, store.pathOf, Date.now()).catch((err: unknown) => errorMessage(err));
    if (typeof written !== 'string' && !lru.fits(written.bytes)) {
      log.info('datamart larger than the cache, not cached', { key, bytes: written.bytes, maxBytes });
      await removeFile(file);
      return;
    }
    if (typeof written === 'string') {
      log.warn('datamart cache write failed: serving from S3 without caching', { file, reason: written });
      lru.delete(key);
      await removeFile(file);
      return;
    }
    for (const evicted of lru.add(key, written.bytes)) await forget(evicted);
    await markUsed(key);
  };

  return {
    get,
    put,
    delete: (id) => forget(datamartCacheKey(id)),
    keys: () => lru.keys(),
    stats: () => ({ entries: lru.size, bytes: lru.totalBytes, writable }),
  };
}
