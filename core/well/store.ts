/**
 * The well-imager table (SPEC §4.4): hash `well` (S), range `depth` (N, tenths of a foot), `image` (B).
 *
 * Design — one slot per ingest, named by a ticket, and one catalog item (core/well/catalog.ts):
 * - each ingest of a well takes the well's next ticket n from an atomic counter in the catalog item and
 *   writes its rows under hash key `<well>` (n = 0, the original layout) or `<well>#n`; well ids may not
 *   contain `#`, so no well's slot can collide with another's, and no two ingests share a slot;
 * - the catalog item holds a map well → entry (WellMetadata + the ticket and `version`, a random id of the
 *   ingest). Listing wells is one GetItem, never a Scan. The item's 400 KB limit allows a few thousand wells;
 * - an ingest writes every row into its slot, then flips the catalog entry to itself with one
 *   conditional UpdateItem that succeeds only while no later ticket is served, then sweeps: deletes the
 *   slots of every ticket below its own not yet known empty (the replaced entry's rows, and any left by an
 *   interrupted or superseded ingest). Until the flip, readers see the previous data whole; after it, only
 *   the new rows; a failed or killed ingest never reaches the flip, and the next applied one sweeps its rows.
 * - two ingests of one well at once: each writes only its own slot, so the served rows are never mixed;
 *   the later ticket is the one left served (an earlier one that loses its flip deletes its own rows and
 *   reports it).
 *
 * Invariant: a slot is written only by the ingest holding its ticket, before its flip, and deleted only
 * when its ticket can no longer be served (below a served ticket) or by that ingest after losing its
 * flip; so while an entry E is the served one, E's slot holds exactly E's rows.
 *
 * Readers (readFrame) rely on it, with one strongly consistent catalog read per frame (by default):
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
 * answer is then at most N ms old, with no DynamoDB request. Rows are never read under such an entry
 * without the check above, and any failed store request drops these entries, so an outage is reported.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ResourceInUseException,
  UpdateItemCommand,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createLogger, errorMessage, type Logger } from '../log';
import { batchWrite } from './batch-write';
import { catalogKey, entryFromAttribute, entryToAttribute, metadataOf, newVersion, sameVersion, type CatalogEntry } from './catalog';
import { CatalogReads } from './catalog-reads';
import { frameOf, RowCache } from './row-cache';
import type { ImageFrame, WellMetadata } from './types';

export { CATALOG_KEY } from './catalog';
const SLOT_SEPARATOR = '#';
const MAX_WELL_ID_LENGTH = 200;
/** Attempts of a read that keeps meeting flips (each one is a whole ingest finishing meanwhile). */
const MAX_READ_ATTEMPTS = 5;
export const DEFAULT_ROW_CACHE_BYTES = 64 * 1024 * 1024;

/** Rows ready to store: pixels are depthsTenths.length × width bytes. */
export interface WellRows {
  depthsTenths: number[];
  width: number;
  pixels: Uint8Array;
}

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

export interface ReplaceResult {
  metadata: WellMetadata;
  rowsWritten: number;
}

/** Why a well id cannot be stored, or undefined when it can. */
export function wellIdProblem(well: string): string | undefined {
  if (well.length === 0) return 'well id is empty';
  if (well.length > MAX_WELL_ID_LENGTH) return `well id is longer than ${MAX_WELL_ID_LENGTH} characters`;
  if (well.includes(SLOT_SEPARATOR)) return `well id "${well}" contains "${SLOT_SEPARATOR}" (reserved for the store's slots)`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(well)) return `well id ${JSON.stringify(well)} contains control characters`;
  return undefined;
}

/** Ticket 0's rows are under the bare well id (the original layout), ticket n's under `<well>#n`. */
function slotKey(well: string, ticket: number): string {
  return ticket === 0 ? well : `${well}${SLOT_SEPARATOR}${ticket}`;
}

function* integers(from: number, to: number): Generator<number> {
  for (let n = from; n <= to; n++) yield n;
}

function isNamed(err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === name;
}

/** Creates the table (PAY_PER_REQUEST) unless it exists, and waits until it is active. For tests and tools. */
export async function createWellTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'well', AttributeType: 'S' },
          { AttributeName: 'depth', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'well', KeyType: 'HASH' },
          { AttributeName: 'depth', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
}

export class WellStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly logger: Logger;
  private readonly catalog: CatalogReads;
  private readonly rows: RowCache;
  /** Loads of whole wells in progress, by well. */
  private readonly loading = new Map<string, Promise<void>>();
  private readonly maxStalenessMs: number;

  constructor(private readonly options: WellStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.logger = options.logger ?? createLogger('well-store');
    this.catalog = new CatalogReads(this.client, this.tableName, options.catalogReadTimeoutMs);
    this.rows = new RowCache(options.rowCacheBytes ?? DEFAULT_ROW_CACHE_BYTES);
    this.maxStalenessMs = Math.max(0, options.maxStalenessMs ?? 0);
  }

  /** Throws when the table cannot be reached or does not exist. */
  async ping(): Promise<void> {
    await this.forgettingOnFailure(() => this.client.send(new DescribeTableCommand({ TableName: this.tableName })));
  }

  async listWells(): Promise<WellMetadata[]> {
    const command = new GetItemCommand({
      TableName: this.tableName,
      Key: catalogKey(),
      ProjectionExpression: '#wells',
      ExpressionAttributeNames: { '#wells': 'wells' },
      ConsistentRead: true,
    });
    const out = await this.forgettingOnFailure(() => this.client.send(command));
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
  async readFrame(well: string, minTenths: number, maxTenths: number): Promise<ImageFrame | undefined> {
    if (minTenths > maxTenths || wellIdProblem(well)) return undefined;
    return this.forgettingOnFailure(() => this.readFrameOnce(well, minTenths, maxTenths));
  }

  private async readFrameOnce(well: string, minTenths: number, maxTenths: number): Promise<ImageFrame | undefined> {
    let entry = (this.maxStalenessMs > 0 ? this.catalog.recent(well, this.maxStalenessMs) : undefined) ?? (await this.catalog.read(well));
    for (let attempt = 1; entry; attempt++) {
      const inMemory = this.rows.get(entry);
      if (inMemory) return frameOf(inMemory, minTenths, maxTenths);

      const wholeWell = minTenths <= entry.minDepthTenths && maxTenths >= entry.maxDepthTenths;
      const frame = await this.queryRows(entry, minTenths, maxTenths);
      const after = await this.catalog.read(well);
      if (after && sameVersion(after, entry)) {
        if (wholeWell) this.keep(entry, frame);
        else this.loadWholeWell(entry);
        return frame.depthsTenths.length > 0 ? frame : undefined;
      }
      // An ingest flipped the well while we read: read the new slot.
      if (attempt >= MAX_READ_ATTEMPTS) throw new Error(`well ${well}: data kept changing while it was read (${attempt} attempts)`);
      entry = after;
    }
    return undefined;
  }

  /**
   * Replaces a well's rows by `rows`, leaving exactly them; the previous rows stay served until every
   * new row is written. Validate the input before calling: nothing here rejects bad pixels.
   */
  async replaceWell(well: string, rows: WellRows, source: string): Promise<ReplaceResult> {
    const problem = wellIdProblem(well);
    if (problem) throw new Error(problem);
    const count = rows.depthsTenths.length;
    if (count === 0) throw new Error(`well ${well}: no rows to store`);
    if (!Number.isInteger(rows.width) || rows.width < 1) throw new Error(`well ${well}: invalid row width ${rows.width}`);
    if (rows.pixels.length !== count * rows.width) throw new Error(`well ${well}: ${rows.pixels.length} pixels for ${count} rows of ${rows.width}`);

    await this.ensureCatalog();
    const previous = await this.catalog.read(well);
    const ticket = await this.issueTicket(well, previous);
    const target = slotKey(well, ticket);

    // The slot is this ingest's alone; rows found there were not written under this ticket (a table
    // shared with the original layout, where rows sit under the bare well id).
    const strays = await this.deleteSlot(target, `clear slot ${target}`);
    if (strays > 0) this.logger.warn(`well ${well}: removed ${strays} rows found in ${target} before writing`);

    const puts: WriteRequest[] = rows.depthsTenths.map((tenths, r) => ({
      PutRequest: {
        Item: {
          well: { S: target },
          depth: { N: String(tenths) },
          image: { B: rows.pixels.subarray(r * rows.width, (r + 1) * rows.width) },
        },
      },
    }));
    await batchWrite(puts, this.writeOptions(`write ${well}`));

    let minDepthTenths = Infinity;
    let maxDepthTenths = -Infinity;
    for (const d of rows.depthsTenths) {
      if (d < minDepthTenths) minDepthTenths = d;
      if (d > maxDepthTenths) maxDepthTenths = d;
    }
    const entry: CatalogEntry = {
      well,
      minDepthTenths,
      maxDepthTenths,
      rows: count,
      width: rows.width,
      source,
      ingestedAt: new Date().toISOString(),
      generation: previous ? previous.generation + 1 : 0,
      version: newVersion(),
      ticket,
      cleanedBelow: previous?.cleanedBelow ?? 0,
    };
    const flipSentAt = performance.now();
    await this.flip(entry, rows.depthsTenths);
    this.catalog.remember(entry, flipSentAt);
    this.logger.info(`well ${well}: ${count} rows now served from ${target}`, { ticket });

    try {
      await this.sweep(entry, previous);
    } catch (err) {
      // The new rows are already served; the old ones are unreachable and go with the next ingest.
      this.logger.warn(`well ${well}: new data is live but its previous rows could not all be deleted`, { error: String(err) });
    }
    return { metadata: metadataOf(entry), rowsWritten: count };
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

  private writeOptions(label: string): Parameters<typeof batchWrite>[1] {
    return {
      client: this.client,
      tableName: this.tableName,
      concurrency: this.options.writeConcurrency ?? 16,
      progressEvery: this.options.progressEvery ?? 2000,
      logger: this.logger,
      label,
    };
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

  /** Creates the catalog item with an empty map unless it exists. */
  private async ensureCatalog(): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: catalogKey(),
          UpdateExpression: 'SET #wells = if_not_exists(#wells, :empty), #tickets = if_not_exists(#tickets, :empty)',
          ExpressionAttributeNames: { '#wells': 'wells', '#tickets': 'tickets' },
          ExpressionAttributeValues: { ':empty': { M: {} } },
        }),
      );
    } catch (err) {
      if (isNamed(err, 'ResourceNotFoundException')) {
        throw new Error(`DynamoDB table "${this.tableName}" does not exist (the infrastructure step creates it)`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * The next ticket of the well, from an atomic counter: no two ingests ever get the same one. A new
   * well starts at 0 (its rows under the bare well id, the original layout); a well whose entry predates
   * tickets starts above the two slots it used then.
   */
  private async issueTicket(well: string, previous: CatalogEntry | undefined): Promise<number> {
    const start = previous === undefined ? -1 : Math.max(previous.ticket, 1);
    const out = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: catalogKey(),
        UpdateExpression: 'SET #tickets.#w = if_not_exists(#tickets.#w, :start) + :one',
        ExpressionAttributeNames: { '#tickets': 'tickets', '#w': well },
        ExpressionAttributeValues: { ':start': { N: String(start) }, ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const ticket = Number(out.Attributes?.tickets?.M?.[well]?.N);
    if (!Number.isSafeInteger(ticket) || ticket < 0) throw new Error(`well ${well}: DynamoDB returned no usable ticket (${JSON.stringify(out.Attributes)})`);
    return ticket;
  }

  /**
   * Makes `entry` the served version unless an ingest with a later ticket is served already. An ingest
   * that lost deletes the rows it wrote (they were never served) and reports it.
   */
  private async flip(entry: CatalogEntry, depthsTenths: number[]): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: catalogKey(),
          UpdateExpression: 'SET #wells.#w = :entry',
          ConditionExpression: 'attribute_not_exists(#wells.#w) OR attribute_not_exists(#wells.#w.#ticket) OR #wells.#w.#ticket < :ticket',
          ExpressionAttributeNames: { '#wells': 'wells', '#w': entry.well, '#ticket': 'ticket' },
          ExpressionAttributeValues: { ':entry': entryToAttribute(entry), ':ticket': { N: String(entry.ticket) } },
        }),
      );
    } catch (err) {
      if (!isNamed(err, 'ConditionalCheckFailedException')) throw err;
      await this.deleteRows(slotKey(entry.well, entry.ticket), depthsTenths, `discard superseded rows of ${entry.well}`).catch((cleanup: unknown) => {
        this.logger.warn(`well ${entry.well}: the rows of a superseded ingest could not all be deleted`, { error: String(cleanup) });
      });
      throw new Error(`well ${entry.well}: a later ingest of this well was applied while this one was writing; this one was discarded`, { cause: err });
    }
  }

  /**
   * After the flip to `entry`, no ticket below its own can be served again: deletes every such slot not
   * yet known empty (the previous entry's, by its depths; any other, left by an interrupted or superseded
   * ingest, by a Query), then records how far the slots are clean.
   */
  private async sweep(entry: CatalogEntry, previous: CatalogEntry | undefined): Promise<void> {
    const { well } = entry;
    for (let ticket = entry.cleanedBelow; ticket < entry.ticket; ticket++) {
      if (previous && ticket === previous.ticket) {
        await this.deletePreviousRows(previous);
        continue;
      }
      const leftovers = await this.deleteSlot(slotKey(well, ticket), `delete leftovers of ${well}`);
      if (leftovers > 0) this.logger.warn(`well ${well}: removed ${leftovers} rows left by an interrupted or superseded ingest`, { ticket });
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: catalogKey(),
          UpdateExpression: 'SET #wells.#w.#clean = :ticket',
          ConditionExpression: '#wells.#w.#version = :version',
          ExpressionAttributeNames: { '#wells': 'wells', '#w': well, '#clean': 'cleanedBelow', '#version': 'version' },
          ExpressionAttributeValues: { ':ticket': { N: String(entry.ticket) }, ':version': { S: entry.version } },
        }),
      );
    } catch (err) {
      // A later ingest was applied meanwhile: its own sweep starts no higher than this one did.
      if (!isNamed(err, 'ConditionalCheckFailedException')) throw err;
    }
  }

  /**
   * Deletes the rows of the entry just replaced. Its slot holds exactly the entry's rows: distinct
   * integer depths from min to max, so when there are as many rows as integers in that range they are
   * each of those depths, and no Query is needed to find them.
   */
  private async deletePreviousRows(previous: CatalogEntry): Promise<void> {
    const hashKey = slotKey(previous.well, previous.ticket);
    const label = `delete previous rows of ${previous.well}`;
    const { minDepthTenths: min, maxDepthTenths: max, rows } = previous;
    if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && rows === max - min + 1)) {
      await this.deleteSlot(hashKey, label);
      return;
    }
    await this.deleteRows(hashKey, integers(min, max), label);
  }

  /** Deletes the rows of these depths under one hash key (absent ones cost nothing more). */
  private async deleteRows(hashKey: string, depthsTenths: Iterable<number>, label: string): Promise<void> {
    const deletes: WriteRequest[] = [];
    for (const depth of depthsTenths) deletes.push({ DeleteRequest: { Key: { well: { S: hashKey }, depth: { N: String(depth) } } } });
    await batchWrite(deletes, this.writeOptions(label));
  }

  /** Deletes every row under one hash key; returns how many there were. */
  private async deleteSlot(hashKey: string, label: string): Promise<number> {
    const deletes: WriteRequest[] = [];
    const items = this.queryAllPages({
      KeyConditionExpression: '#well = :key',
      ProjectionExpression: '#well, #depth',
      ExpressionAttributeNames: { '#well': 'well', '#depth': 'depth' },
      ExpressionAttributeValues: { ':key': { S: hashKey } },
    });
    for await (const item of items) deletes.push({ DeleteRequest: { Key: { well: item.well!, depth: item.depth! } } });
    if (deletes.length > 0) await batchWrite(deletes, this.writeOptions(label));
    return deletes.length;
  }

  private async queryRows(entry: CatalogEntry, minTenths: number, maxTenths: number): Promise<ImageFrame> {
    const { well, width } = entry;
    const depthsTenths: number[] = [];
    const images: Uint8Array[] = [];
    const items = this.queryAllPages({
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

  /** Every item a strongly consistent Query returns, page after page (LastEvaluatedKey): never a truncated answer. */
  private async *queryAllPages(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'ConsistentRead'>): AsyncGenerator<Record<string, AttributeValue>> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}
