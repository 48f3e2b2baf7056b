/**
 * The well store (SPEC §4.4): reads frames of wells and lists them; its writes are WellWriter's
 * (core/well/writer.ts, which states the slot design and the invariant reads rely on: while an entry E is
 * the served one, E's slot holds exactly E's rows). Listing wells is one GetItem of the catalog item, never
 * a Scan; its 400 KB limit allows a few thousand wells.
 *
 * Readers (readFrame), with one strongly consistent catalog read per frame (by default):
 * - the entry E is read from the catalog after the request arrived (core/well/catalog-reads.ts);
 * - if the rows of E's very version are in memory (core/well/row-cache.ts), the frame is cut from them:
 *   E was the served entry at the moment of that read, so the answer is the data served at a moment
 *   during the request, as if the table had been queried then;
 * - otherwise E's slot is queried (every page), then the catalog read again: the same version at both
 *   reads means no flip happened in between (versions are unique and a flip always writes a new one), so
 *   by the invariant the Query saw exactly E's rows, never a mixed or half-deleted slot. A different
 *   version means an ingest flipped meanwhile: read the new slot the same way. Rows read whole this way
 *   are the ones kept in memory (a frame spanning the well, or a load of the whole well made after a
 *   partial frame of a well small enough to keep).
 * With `maxStalenessMs` N > 0, a frame may be cut from memory under the entry of a catalog read sent at
 * most N ms before it was asked for (that entry was served at a moment after the read was sent): the
 * answer is then at most N ms old, with no DynamoDB request (past N/2 the next catalog read is sent in the
 * background, so under steady use no frame waits for one). Rows are never read under such an entry
 * without the check above, and any failed store request drops these entries, so an outage is reported.
 */
import { DescribeTableCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, errorMessage, type Logger } from '../log';
import { catalogKey, entryFromAttribute, metadataOf, sameVersion, versionTag, type CatalogEntry } from './catalog';
import { CatalogReads } from './catalog-reads';
import { frameOf, RowCache } from './row-cache';
import { queryAllPages, slotKey, wellIdProblem, type WellTable } from './table';
import type { ImageFrame, ServedFrame, WellMetadata } from './types';
import { recordValueRange, type ValueRange } from './value-range';
import { valueRange, WellWriter, type ReplaceResult, type WellReplacement, type WellRows } from './writer';

export { CATALOG_KEY } from './catalog';
export { createWellTable, wellIdProblem } from './table';
export type { ReplaceResult, WellReplacement, WellRows } from './writer';

/** Attempts of a read that keeps meeting flips (each one is a whole ingest finishing meanwhile). */
const MAX_READ_ATTEMPTS = 5;
export const DEFAULT_ROW_CACHE_BYTES = 64 * 1024 * 1024;

export interface WellStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Query page size; unset = DynamoDB's own (1 MB) pages. Tests force small pages with it. */
  pageLimit?: number;
  /** BatchWriteItem requests in flight at once (default 16). */
  writeConcurrency?: number;
  /** Log write progress every this many rows (default 2000). */
  progressEvery?: number;
  /** Bytes of well rows kept in memory by readers (default 64 MiB; 0: none, every frame is a Query). */
  rowCacheBytes?: number;
  /** A catalog read (shared by the frames waiting for it) not answered within this is given up (default 5 s). */
  catalogReadTimeoutMs?: number;
  /**
   * How old the catalog entry behind a frame cut from memory may be (default 0: a catalog read sent after
   * the frame was asked for, every time). With N > 0, a well re-ingested at time T is served new from
   * T + N ms at the latest, and frames in between cost no DynamoDB request at all.
   */
  maxStalenessMs?: number;
  logger?: Logger;
}

export class WellStore {
  private readonly table: WellTable;
  private readonly logger: Logger;
  private readonly catalog: CatalogReads;
  private readonly rows: RowCache;
  /** Loads of whole wells in progress, by well. */
  private readonly loading = new Map<string, Promise<void>>();
  private readonly maxStalenessMs: number;
  private readonly writer: WellWriter;

  constructor(private readonly options: WellStoreOptions) {
    this.table = { client: options.client, tableName: options.tableName };
    this.logger = options.logger ?? createLogger('well-store');
    this.catalog = new CatalogReads(this.table.client, this.table.tableName, options.catalogReadTimeoutMs);
    this.rows = new RowCache(options.rowCacheBytes ?? DEFAULT_ROW_CACHE_BYTES);
    this.maxStalenessMs = Math.max(0, options.maxStalenessMs ?? 0);
    this.writer = new WellWriter(this.table, this.catalog, this.logger, options);
  }

  /** Throws when the table cannot be reached or does not exist. */
  async ping(): Promise<void> {
    await this.forgettingOnFailure(() => this.table.client.send(new DescribeTableCommand({ TableName: this.table.tableName })));
  }

  async listWells(): Promise<WellMetadata[]> {
    const command = new GetItemCommand({
      TableName: this.table.tableName,
      Key: catalogKey(),
      ProjectionExpression: '#wells',
      ExpressionAttributeNames: { '#wells': 'wells' },
      ConsistentRead: true,
    });
    const out = await this.forgettingOnFailure(() => this.table.client.send(command));
    const wells = out.Item?.wells?.M ?? {};
    return Object.entries(wells)
      .map(([well, value]) => metadataOf(entryFromAttribute(well, value)))
      .sort((a, b) => (a.well < b.well ? -1 : a.well > b.well ? 1 : 0));
  }

  async getWell(well: string): Promise<WellMetadata | undefined> {
    if (wellIdProblem(well)) return undefined;
    const entry = await this.catalog.read(well);
    return entry && metadataOf(entry);
  }

  /** Resolves once the loads of whole wells started so far have ended (for tests and a graceful stop). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.loading.values()]);
  }

  /** Rows with minTenths <= depth <= maxTenths in depth order, every page read; undefined when none. */
  async readFrame(well: string, minTenths: number, maxTenths: number): Promise<ServedFrame | undefined> {
    if (minTenths > maxTenths || wellIdProblem(well)) return undefined;
    return this.forgettingOnFailure(() => this.readFrameOnce(well, minTenths, maxTenths));
  }

  /**
   * The version frames of `well` are served under now, when a catalog read within the allowed staleness
   * says so (never with maxStalenessMs 0); undefined when only a read of the catalog could tell.
   */
  knownVersion(well: string): string | undefined {
    const entry = this.recentEntry(well);
    return entry && versionTag(entry);
  }

  /**
   * The stored value range of the whole well (the window of normalize=well). Wells ingested before the
   * catalog kept it get it on first use: computed from all their rows and written back to their entry.
   */
  async wellValueRange(well: string): Promise<ValueRange | undefined> {
    if (wellIdProblem(well)) return undefined;
    const entry = await this.forgettingOnFailure(() => this.catalog.read(well));
    if (!entry) return undefined;
    if (entry.valueMin !== undefined && entry.valueMax !== undefined) return { valueMin: entry.valueMin, valueMax: entry.valueMax };
    const frame = await this.readFrame(well, entry.minDepthTenths, entry.maxDepthTenths);
    if (!frame) return undefined;
    const range = valueRange(frame.pixels);
    if (frame.version === versionTag(entry)) {
      await this.forgettingOnFailure(() => recordValueRange(this.table, entry, range));
      this.logger.info(`well ${well}: value range ${range.valueMin}–${range.valueMax} computed from its rows and written to its catalog entry`);
    }
    return range;
  }

  private async readFrameOnce(well: string, minTenths: number, maxTenths: number): Promise<ServedFrame | undefined> {
    let entry = this.recentEntry(well) ?? (await this.catalog.read(well));
    for (let attempt = 1; entry; attempt++) {
      const inMemory = this.rows.get(entry);
      if (inMemory) return served(entry, frameOf(inMemory, minTenths, maxTenths));

      const wholeWell = minTenths <= entry.minDepthTenths && maxTenths >= entry.maxDepthTenths;
      const frame = await this.queryRows(entry, minTenths, maxTenths);
      const after = await this.catalog.read(well);
      if (after && sameVersion(after, entry)) {
        if (wholeWell) this.keep(entry, frame);
        else this.loadWholeWell(entry);
        return served(entry, frame.depthsTenths.length > 0 ? frame : undefined);
      }
      // An ingest flipped the well while we read: read the new slot.
      if (attempt >= MAX_READ_ATTEMPTS) throw new Error(`well ${well}: data kept changing while it was read (${attempt} attempts)`);
      entry = after;
    }
    return undefined;
  }

  /**
   * The entry of a catalog read sent within the allowed staleness (never with maxStalenessMs 0). Past half
   * of it, the next read starts in the background: a steady stream of frames is then always served from
   * memory, where the frame that found the entry expired would have waited for a read.
   */
  private recentEntry(well: string): CatalogEntry | undefined {
    if (this.maxStalenessMs <= 0) return undefined;
    const entry = this.catalog.recent(well, this.maxStalenessMs);
    if (entry) this.catalog.refreshIfOlder(well, this.maxStalenessMs / 2);
    return entry;
  }

  /** See WellWriter.replaceWell. */
  replaceWell(well: string, rows: WellRows, source: string): Promise<ReplaceResult> {
    return this.writer.replaceWell(well, rows, source);
  }

  /** See WellWriter.begin: a replacement fed batch by batch (the streaming ingest). */
  beginReplace(well: string, width: number, source: string): Promise<WellReplacement> {
    return this.writer.begin(well, width, source);
  }

  /** A store request that fails makes the next frames read the catalog (an outage is reported, not hidden). */
  private async forgettingOnFailure<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      this.catalog.forget();
      throw err;
    }
  }

  /** Keeps rows read whole under `entry` (checked again after the read), copies of them out. */
  private keep(entry: CatalogEntry, frame: ImageFrame): void {
    if (frame.depthsTenths.length !== entry.rows) {
      this.logger.warn(`well ${entry.well}: ${frame.depthsTenths.length} rows stored for the ${entry.rows} its catalog entry counts; not kept in memory`);
      return;
    }
    this.rows.set({ entry, depthsTenths: frame.depthsTenths.slice(), pixels: frame.pixels.slice() });
  }

  /** Reads every row of the well in the background, for the next frames, when it is small enough to keep. */
  private loadWholeWell(entry: CatalogEntry): void {
    if (!this.rows.fits(entry) || this.loading.has(entry.well)) return;
    const load = (async (): Promise<void> => {
      const frame = await this.queryRows(entry, entry.minDepthTenths, entry.maxDepthTenths);
      const after = await this.catalog.read(entry.well);
      if (after && sameVersion(after, entry)) this.keep(entry, frame);
    })();
    this.loading.set(entry.well, load);
    load
      .catch((err: unknown) => this.logger.info(`well ${entry.well}: loading its rows into memory failed; frames are read from the table`, { error: errorMessage(err) }))
      .finally(() => this.loading.delete(entry.well));
  }

  private async queryRows(entry: CatalogEntry, minTenths: number, maxTenths: number): Promise<ImageFrame> {
    const { well, width } = entry;
    const depthsTenths: number[] = [];
    const images: Uint8Array[] = [];
    const items = queryAllPages(this.table, {
      KeyConditionExpression: '#well = :key AND #depth BETWEEN :min AND :max',
      ProjectionExpression: '#depth, #image',
      ExpressionAttributeNames: { '#well': 'well', '#depth': 'depth', '#image': 'image' },
      ExpressionAttributeValues: {
        ':key': { S: slotKey(well, entry.ticket) },
        ':min': { N: String(minTenths) },
        ':max': { N: String(maxTenths) },
      },
      Limit: this.options.pageLimit,
    });
    for await (const item of items) {
      const image = item.image?.B;
      const depth = Number(item.depth?.N ?? NaN);
      if (!image || image.length !== width) {
        throw new Error(`well ${well}: row at depth ${depth / 10} holds ${image?.length ?? 0} bytes, expected ${width}`);
      }
      depthsTenths.push(depth);
      images.push(image);
    }
    const pixels = new Uint8Array(images.length * width);
    images.forEach((image, r) => pixels.set(image, r * width));
    return { well, depthsTenths, width, pixels };
  }
}

/** The frame with what names its data: the entry's version and the well's value range. */
function served(entry: CatalogEntry, frame: ImageFrame | undefined): ServedFrame | undefined {
  if (!frame) return undefined;
  const range = entry.valueMin !== undefined && entry.valueMax !== undefined ? { valueMin: entry.valueMin, valueMax: entry.valueMax } : {};
  return { ...frame, version: versionTag(entry), ...range };
}
