import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { datamartCacheKey, openDatamartCache, type CachedObjectId, type DatamartCache } from '../webservice/cache/datamart-cache';
import { SizeBoundedLru } from '../webservice/cache/lru-index';
import { recordingLogger, type RecordingLogger } from './helpers/recording-logger';

const PAYLOAD = 1000;
/** Room for two entries of PAYLOAD bytes with their headers, not three. */
const TWO_ENTRIES = 2 * PAYLOAD + 600;

function object(year: number, etag = '"v1"'): CachedObjectId {
  return { bucket: 'datamarts', key: `plants/year=${year}/plants.parquet`, etag };
}

function bytesOf(fill: number): Uint8Array {
  return new Uint8Array(PAYLOAD).fill(fill);
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'datamart-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string, log: RecordingLogger, maxBytes = TWO_ENTRIES, ttlSeconds = 3600): Promise<DatamartCache> {
  return openDatamartCache({ dir, maxBytes, ttlSeconds, log });
}

async function entryFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('.'));
}

test('the LRU index evicts least recently used keys until the total fits', (t) => {
  const lru = new SizeBoundedLru<string>(10);
  t.deepEqual(lru.add('a', 4), []);
  t.deepEqual(lru.add('b', 4), []);
  t.true(lru.touch('a'));
  t.deepEqual(lru.add('c', 4), ['b']);
  t.deepEqual(lru.keys(), ['a', 'c']);
  t.is(lru.totalBytes, 8);
  t.deepEqual(lru.add('c', 9), ['a'], 'growing an entry evicts others, never itself');
  t.is(lru.totalBytes, 9);
  t.false(lru.fits(11));
  t.false(lru.touch('zz'));
});

test('entries beyond cache_max_bytes are evicted least recently used first, files included', async (t) => {
  const dir = await tempDir(t);
  const log = recordingLogger();
  const cache = await open(dir, log);
  await cache.put(object(2016), bytesOf(16));
  await cache.put(object(2017), bytesOf(17));
  t.deepEqual(await cache.get(object(2016)), bytesOf(16));
  await cache.put(object(2018), bytesOf(18));

  t.is(await cache.get(object(2017)), undefined, 'the least recently used entry went');
  t.deepEqual(await cache.get(object(2016)), bytesOf(16));
  t.deepEqual(await cache.get(object(2018)), bytesOf(18));
  t.is((await entryFiles(dir)).length, 2);
  t.true(cache.stats().bytes <= TWO_ENTRIES);
  t.deepEqual(log.warnings(), []);
});

test('an entry larger than the whole cache is not stored', async (t) => {
  const dir = await tempDir(t);
  const cache = await open(dir, recordingLogger(), 500);
  await cache.put(object(2018), bytesOf(18));
  t.is(await cache.get(object(2018)), undefined);
  t.deepEqual(await entryFiles(dir), []);
});

test('entries expire after cache_ttl_seconds, in a running cache and across a restart', async (t) => {
  const dir = await tempDir(t);
  const log = recordingLogger();
  const cache = await open(dir, log, TWO_ENTRIES, 1);
  await cache.put(object(2017), bytesOf(17));
  await cache.put(object(2018), bytesOf(18));
  t.deepEqual(await cache.get(object(2018)), bytesOf(18));
  await sleep(1200);
  t.is(await cache.get(object(2018)), undefined);
  t.is((await entryFiles(dir)).length, 1, 'the expired entry read is deleted; the other waits for the next open');

  const reopened = await open(dir, log, TWO_ENTRIES, 1);
  t.is(reopened.stats().entries, 0);
  t.deepEqual(await entryFiles(dir), [], 'expired files are removed when the cache opens');
  t.deepEqual(log.warnings(), [], 'expiry is not a warning');
});

test('a new cache over the same folder keeps the entries and their recency', async (t) => {
  const dir = await tempDir(t);
  const log = recordingLogger();
  const first = await open(dir, log);
  await first.put(object(2016), bytesOf(16));
  await first.put(object(2017), bytesOf(17));
  await first.get(object(2016));

  const second = await open(dir, log);
  t.deepEqual(second.keys(), [datamartCacheKey(object(2017)), datamartCacheKey(object(2016))]);
  t.deepEqual(await second.get(object(2017)), bytesOf(17));
  t.deepEqual(await second.get(object(2016)), bytesOf(16));
  await second.put(object(2018), bytesOf(18));
  t.is(await second.get(object(2017)), undefined, '2017 was least recently used after the restart');

  const third = await open(dir, log, PAYLOAD + 300);
  t.deepEqual(third.keys(), [datamartCacheKey(object(2018))], 'a smaller bound on reopening evicts down to it');
  t.is((await entryFiles(dir)).length, 1);
  t.deepEqual(log.warnings(), []);
});

test('a new ETag is a new entry and replaces the object’s older version', async (t) => {
  const dir = await tempDir(t);
  const cache = await open(dir, recordingLogger());
  await cache.put(object(2018, '"v1"'), bytesOf(1));
  await cache.put(object(2017, '"v1"'), bytesOf(17));
  t.is(await cache.get(object(2018, '"v2"')), undefined, 'the rewritten object is a miss');
  await cache.put(object(2018, '"v2"'), bytesOf(2));
  t.deepEqual(await cache.get(object(2018, '"v2"')), bytesOf(2));
  t.is(await cache.get(object(2018, '"v1"')), undefined);
  t.deepEqual(await cache.get(object(2017, '"v1"')), bytesOf(17), 'other objects are untouched');
  t.is((await entryFiles(dir)).length, 2);
});

test('a corrupt cache file is discarded with a warning, on read and on open', async (t) => {
  const dir = await tempDir(t);
  const log = recordingLogger();
  const cache = await open(dir, log);
  await cache.put(object(2018), bytesOf(18));
  const [file] = await entryFiles(dir);
  const damaged = await readFile(path.join(dir, file!));
  damaged[damaged.length - 1] ^= 0xff;
  await writeFile(path.join(dir, file!), damaged);

  t.is(await cache.get(object(2018)), undefined);
  t.is(log.warnings().length, 1);
  t.regex(log.warnings()[0]!.msg, /corrupt/);
  t.regex(String(log.warnings()[0]!.fields?.reason), /checksum/);
  t.deepEqual(await entryFiles(dir), []);
  await cache.put(object(2018), bytesOf(18));
  t.deepEqual(await cache.get(object(2018)), bytesOf(18), 'the entry can be stored again');

  // A write cut short (crash, full disk) and a stray file, found when the cache opens.
  await truncate(path.join(dir, file!), 600);
  await writeFile(path.join(dir, 'stray'), 'not a cache entry');
  const reopenLog = recordingLogger();
  const reopened = await open(dir, reopenLog);
  t.is(reopened.stats().entries, 0);
  t.is(reopenLog.warnings().length, 2);
  t.deepEqual(await entryFiles(dir), []);
  t.is(await reopened.get(object(2018)), undefined);
});

test('a cache folder that cannot be created leaves the cache empty with a warning, never an error', async (t) => {
  const dir = await tempDir(t);
  const blocker = path.join(dir, 'not-a-folder');
  await writeFile(blocker, 'a file where the cache folder should be');
  const log = recordingLogger();
  const cache = await open(path.join(blocker, 'cache'), log);
  t.false(cache.stats().writable);
  await t.notThrowsAsync(cache.put(object(2018), bytesOf(18)));
  t.is(await cache.get(object(2018)), undefined);
  t.regex(log.warnings()[0]!.msg, /cannot be created/);
});

/** Makes a folder unwritable even for root (chmod alone does not stop root); false when impossible here. */
function makeReadOnly(dir: string): boolean {
  execFileSync('chmod', ['0555', dir]);
  if (process.getuid?.() !== 0) return true;
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function makeWritable(dir: string): void {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    } catch {
      // was never immutable
    }
  }
  execFileSync('chmod', ['0755', dir]);
}

test.serial('a read-only cache folder still serves its entries and stores nothing new, with a warning', async (t) => {
  const dir = await tempDir(t);
  const cache = await open(dir, recordingLogger());
  await cache.put(object(2017), bytesOf(17));
  if (!makeReadOnly(dir)) {
    makeWritable(dir);
    t.log('running as root without chattr: a read-only folder cannot be made here (the uncreatable-folder test covers the no-write path)');
    t.pass();
    return;
  }
  t.teardown(() => makeWritable(dir));
  await t.throwsAsync(writeFile(path.join(dir, 'probe'), 'x'), undefined, 'precondition: the folder is read-only');

  const log = recordingLogger();
  const readOnly = await open(dir, log);
  t.deepEqual(await readOnly.get(object(2017)), bytesOf(17));
  await t.notThrowsAsync(readOnly.put(object(2018), bytesOf(18)));
  t.is(await readOnly.get(object(2018)), undefined);
  t.true(log.warnings().length >= 1);
  t.true(log.warnings().every((w) => /read-only|write failed/.test(w.msg)));
});
