/**
 * The plant routes' data: yearly Parquet datamarts in the datamarts bucket (SPEC §4.2, §5.3).
 *
 * - Years are the datamart objects ListObjectsV2 finds; that listing also gives every datamart's ETag.
 * - A year's datamart is fetched once per ETag (through the file cache, keyed by ETag), decoded once and
 *   kept in memory with its precomputed views: requests never decode Parquet nor wait on S3 while the
 *   listing is fresh.
 * - Freshness: the listing is revalidated every `revalidateSeconds` (default 30) by a timer; a changed
 *   ETag is loaded in the background and swapped in when ready. A request finding the listing older than
 *   that is answered from memory while it revalidates; older than twice that (S3 unreachable for a
 *   while), it waits for S3, so data more than a minute stale (by default) is never served: S3 errors then
 *   reach the client as 503.
 */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../core/aws/clients';
import { decodeDatamart } from '../../core/egrid/datamart-codec';
import type { PlantRecord } from '../../core/egrid/types';
import { createLogger, errorMessage, type Logger } from '../../core/log';
import { openDatamartCache, type DatamartCache } from '../cache/datamart-cache';
import type { ServiceConfig } from '../config';
import { HttpError, isStoreUnavailable } from '../errors';
import type { PlantsBackend } from './backend';
import { fetchDatamart, listDatamarts, type DatamartObject } from './datamart-catalog';
import { plantsViewOf } from './plants-view';

export const DEFAULT_REVALIDATE_SECONDS = 30;

export interface S3PlantsOptions {
  /** Seconds between two revalidations of the datamarts' ETags; default 30. */
  revalidateSeconds?: number;
  /** Default: one built from config.aws. */
  s3?: S3Client;
  /** Default: the file cache of config.cacheDir / cacheMaxBytes / cacheTtlSeconds. */
  cache?: DatamartCache;
  /** Load the latest year as soon as the backend is created (default true). */
  warm?: boolean;
  log?: Logger;
}

export interface S3PlantsBackend extends PlantsBackend {
  /** Revalidates the listing now (the timer does this every revalidateSeconds). */
  refresh(): Promise<void>;
  close(): void;
}

/** A datamart whose bytes do not decode: retrying the same ETag cannot help, a rewrite can. */
class UnreadableDatamart extends HttpError {}

/** Shortest revalidation period accepted, so a zero or tiny setting cannot turn into a busy loop on S3. */
const MIN_REVALIDATE_MS = 100;

/**
 * After a failed revalidation, requests that must wait for S3 get that failure for up to this long rather
 * than each starting a new attempt: an outage does not turn every request into a call to S3.
 */
const FAILURE_HOLD_MS = 1000;

interface LoadedDatamart {
  etag: string;
  plants: readonly PlantRecord[];
}

/** S3 errors that are not "unreachable" (no such bucket, access denied...) still mean "unavailable" to a client. */
function asServiceError(err: unknown, what: string): unknown {
  if (err instanceof HttpError || isStoreUnavailable(err)) return err;
  const name = (err as { name?: string }).name ?? 'Error';
  return new HttpError(503, `${what} (${name}: ${errorMessage(err)})`);
}

const versionOf = (catalog: ReadonlyMap<number, DatamartObject>): string => [...catalog].map(([year, object]) => `${year}@${object.etag}`).join(',');

export function createS3PlantsBackend(config: ServiceConfig, options: S3PlantsOptions = {}): S3PlantsBackend {
  const bucket = config.datamartsBucket;
  if (!bucket) throw new Error('configuration DATAMARTS_BUCKET is required to serve the plant routes');
  const log = options.log ?? createLogger('plants');
  const s3 = options.s3 ?? s3Client(config.aws);
  const revalidateMs = Math.max(MIN_REVALIDATE_MS, (options.revalidateSeconds ?? config.datamartRevalidateSeconds ?? DEFAULT_REVALIDATE_SECONDS) * 1000);
  const maxStaleMs = 2 * revalidateMs;
  const cache: Promise<DatamartCache> = options.cache
    ? Promise.resolve(options.cache)
    : openDatamartCache({ dir: config.cacheDir, maxBytes: config.cacheMaxBytes, ttlSeconds: config.cacheTtlSeconds });

  let catalog: Map<number, DatamartObject> | undefined;
  /** Names the listing (every year and its ETag); changes whenever the catalog does. */
  let catalogVersion = '';
  let validatedAt = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;
  let lastFailure: { at: number; error: unknown } | undefined;
  const loaded = new Map<number, LoadedDatamart>();
  /** Loads in flight by year@etag; a datamart that cannot be decoded stays here, failed, until its ETag changes. */
  const loading = new Map<string, Promise<LoadedDatamart | undefined>>();

  const refresh = (): Promise<void> =>
    (refreshing ??= (async () => {
      try {
        const listed = await listDatamarts(s3, bucket).catch((err: unknown) => {
          const error = asServiceError(err, `The datamarts bucket "${bucket}" cannot be listed`);
          lastFailure = { at: Date.now(), error };
          throw error;
        });
        catalog = listed;
        catalogVersion = versionOf(listed);
        validatedAt = Date.now();
        lastFailure = undefined;
        for (const year of [...loaded.keys()]) if (!listed.has(year)) loaded.delete(year);
        for (const [year, object] of listed) {
          const current = loaded.get(year);
          if (current && current.etag !== object.etag) {
            log.info('datamart changed, loading the new version', { year, etag: object.etag });
            load(year, object).catch((err: unknown) => log.warn('loading a changed datamart failed', { year, error: errorMessage(err) }));
          }
        }
      } finally {
        refreshing = undefined;
      }
    })());

  const holdingFailure = (): boolean => lastFailure !== undefined && Date.now() - lastFailure.at < Math.min(FAILURE_HOLD_MS, revalidateMs);

  const currentCatalog = async (): Promise<Map<number, DatamartObject>> => {
    const age = Date.now() - validatedAt;
    if (catalog && age < revalidateMs) return catalog;
    if (catalog && age < maxStaleMs) {
      // Served while revalidating; the timer and later requests report a failure.
      if (!holdingFailure()) refresh().catch(() => undefined);
      return catalog;
    }
    if (holdingFailure()) throw lastFailure!.error;
    await refresh();
    return catalog!;
  };

  const decode = async (bytes: Uint8Array, year: number, etag: string, source: string): Promise<PlantRecord[]> => {
    const plants = await decodeDatamart(bytes);
    plantsViewOf(plants, `${bucket}/${year}@${etag}`); // precompute the views now, not on a request
    log.info('datamart loaded', { year, source, plants: plants.length });
    return plants;
  };

  const loadVersion = async (year: number, object: DatamartObject): Promise<LoadedDatamart | undefined> => {
    const files = await cache;
    const id = { bucket, key: object.key, etag: object.etag };
    const cached = await files.get(id);
    if (cached) {
      try {
        return { etag: object.etag, plants: await decode(cached, year, object.etag, 'cache') };
      } catch (err) {
        log.warn('cached datamart cannot be decoded, fetching it again', { year, error: errorMessage(err) });
        await files.delete(id);
      }
    }
    const fetched = await fetchDatamart(s3, bucket, object.key).catch((err: unknown) => {
      throw asServiceError(err, `The ${year} datamart cannot be read from the datamarts bucket`);
    });
    if (!fetched) return undefined;
    const etag = fetched.etag ?? object.etag;
    let plants: PlantRecord[];
    try {
      plants = await decode(fetched.bytes, year, etag, 's3');
    } catch (err) {
      log.error('datamart cannot be decoded', { year, key: object.key, etag, error: errorMessage(err) });
      throw new UnreadableDatamart(503, `The ${year} datamart cannot be read: ${errorMessage(err)}`);
    }
    await files.put({ ...id, etag }, fetched.bytes);
    return { etag, plants };
  };

  const load = (year: number, object: DatamartObject): Promise<LoadedDatamart | undefined> => {
    const key = `${year}@${object.etag}`;
    let pending = loading.get(key);
    if (pending) return pending;
    pending = loadVersion(year, object).then(
      (version) => {
        loading.delete(key);
        const listed = catalog?.get(year);
        if (!version) {
          if (listed?.etag === object.etag && catalog) {
            catalog.delete(year); // deleted since the listing
            catalogVersion = versionOf(catalog);
          }
          return undefined;
        }
        // Rewritten between the listing and the GET: these bytes are the newer version.
        if (listed && catalog && listed.etag === object.etag && version.etag !== object.etag) {
          catalog.set(year, { ...listed, etag: version.etag });
          catalogVersion = versionOf(catalog);
        }
        if (catalog?.get(year)?.etag === version.etag) loaded.set(year, version);
        return version;
      },
      (err: unknown) => {
        if (!(err instanceof UnreadableDatamart)) loading.delete(key);
        throw err;
      },
    );
    loading.set(key, pending);
    return pending;
  };

  const years = async (): Promise<number[]> => [...(await currentCatalog()).keys()].sort((a, b) => a - b);

  const plants = async (year: number): Promise<readonly PlantRecord[] | undefined> => {
    const object = (await currentCatalog()).get(year);
    if (!object) return undefined;
    const current = loaded.get(year);
    if (current && current.etag === object.etag) return current.plants;
    return (await load(year, object))?.plants;
  };

  const timer = setInterval(() => {
    refresh().catch((err: unknown) => log.warn('revalidating the datamarts failed', { bucket, error: errorMessage(err) }));
  }, revalidateMs);
  timer.unref();

  if (options.warm ?? true) {
    years()
      .then((all) => (all.length > 0 ? plants(all.at(-1)!) : undefined))
      .catch((err: unknown) => log.warn('datamarts not loaded at start, will retry on demand', { bucket, error: errorMessage(err) }));
  }

  return {
    years,
    plants,
    currentVersion: () => (catalog && Date.now() - validatedAt < revalidateMs ? catalogVersion : undefined),
    refresh,
    ping: async () => {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    },
    close: () => {
      clearInterval(timer);
      if (!options.s3) s3.destroy();
    },
  };
}
