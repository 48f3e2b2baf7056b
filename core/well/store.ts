/**
 * The well-imager table (SPEC §4.4): hash `well` (S), range `depth` (N, tenths of a foot), `image` (B).
 *
 * Design — two slots per well and one catalog item:
 * - a well's rows live under one of two hash keys, slot 0 = `<well>` (the original layout) or
 *   slot 1 = `<well>#1`; well ids may not contain `#`, so no well's slot can collide with another's;
 * - the catalog item (well `#catalog`, depth 0) holds a map well → metadata (WellMetadata + `generation`);
 *   the active slot is generation % 2. Listing wells is one GetItem, never a Scan. The item's 400 KB
 *   limit allows a few thousand wells;
 * - re-ingest: empty the inactive slot (leftovers of an earlier killed ingest), write every new row into
 *   it, then flip the catalog entry with one conditional UpdateItem (generation + 1), then delete the old
 *   slot's rows. Until the flip, readers see the previous data whole; after it, only the new rows; a
 *   failed or killed ingest never reaches the flip. Leftover rows of an interrupted cleanup sit in the
 *   inactive slot, unserved, and are removed by the next ingest of that well;
 * - readers go through the catalog (strongly consistent) to the active slot, page through the Query,
 *   and re-read the generation afterwards: if an ingest flipped meanwhile, they read again.
 * Two ingests of the same well at the same time are not supported (the second flip fails its condition
 * and reports it); ingests of different wells are independent.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  QueryCommand,
  ResourceInUseException,
  UpdateItemCommand,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createLogger, type Logger } from '../log';
import { batchWrite } from './batch-write';
import type { ImageFrame, WellMetadata } from './types';

export const CATALOG_KEY = '#catalog';
const SLOT_SEPARATOR = '#';
const MAX_WELL_ID_LENGTH = 200;

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
  /** BatchWriteItem requests in flight at once (default 8). */
  writeConcurrency?: number;
  /** Log write progress every this many rows (default 2000). */
  progressEvery?: number;
  logger?: Logger;
}

interface CatalogEntry extends WellMetadata {
  generation: number;
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

function slotKey(well: string, generation: number): string {
  return generation % 2 === 0 ? well : `${well}${SLOT_SEPARATOR}1`;
}

const str = (value: AttributeValue | undefined): string => value?.S ?? '';
const num = (value: AttributeValue | undefined): number => Number(value?.N ?? NaN);

function entryFromAttribute(well: string, value: AttributeValue): CatalogEntry {
  const m = value.M ?? {};
  return {
    well,
    minDepthTenths: num(m.minDepthTenths),
    maxDepthTenths: num(m.maxDepthTenths),
    rows: num(m.rows),
    width: num(m.width),
    source: str(m.source),
    ingestedAt: str(m.ingestedAt),
    generation: num(m.generation),
  };
}

function entryToAttribute(entry: CatalogEntry): AttributeValue {
  return {
    M: {
      minDepthTenths: { N: String(entry.minDepthTenths) },
      maxDepthTenths: { N: String(entry.maxDepthTenths) },
      rows: { N: String(entry.rows) },
      width: { N: String(entry.width) },
      source: { S: entry.source },
      ingestedAt: { S: entry.ingestedAt },
      generation: { N: String(entry.generation) },
    },
  };
}

function metadataOf(entry: CatalogEntry): WellMetadata {
  const { generation: _generation, ...metadata } = entry;
  return metadata;
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

  constructor(private readonly options: WellStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.logger = options.logger ?? createLogger('well-store');
  }

  /** Throws when the table cannot be reached or does not exist. */
  async ping(): Promise<void> {
    await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
  }

  async listWells(): Promise<WellMetadata[]> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: this.catalogKey(),
        ProjectionExpression: '#wells',
        ExpressionAttributeNames: { '#wells': 'wells' },
        ConsistentRead: true,
      }),
    );
    const wells = out.Item?.wells?.M ?? {};
    return Object.entries(wells)
      .map(([well, value]) => metadataOf(entryFromAttribute(well, value)))
      .sort((a, b) => (a.well < b.well ? -1 : a.well > b.well ? 1 : 0));
  }

  async getWell(well: string): Promise<WellMetadata | undefined> {
    const entry = await this.catalogEntry(well);
    return entry && metadataOf(entry);
  }

  /** Rows with minTenths <= depth <= maxTenths in depth order, every page read; undefined when none. */
  async readFrame(well: string, minTenths: number, maxTenths: number): Promise<ImageFrame | undefined> {
    if (minTenths > maxTenths || wellIdProblem(well)) return undefined;
    for (let attempt = 1; ; attempt++) {
      const entry = await this.catalogEntry(well);
      if (!entry) return undefined;
      const frame = await this.queryRows(well, entry, minTenths, maxTenths);
      const after = await this.catalogEntry(well);
      if (after?.generation === entry.generation) return frame.depthsTenths.length > 0 ? frame : undefined;
      // An ingest flipped the well while we read: read the new slot.
      if (!after) return undefined;
      if (attempt >= 5) throw new Error(`well ${well}: data kept changing while it was read (${attempt} attempts)`);
    }
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
    const previous = await this.catalogEntry(well);
    const generation = previous ? previous.generation + 1 : 0;
    const target = slotKey(well, generation);

    const leftovers = await this.deleteSlot(target, `clear inactive slot of ${well}`);
    if (leftovers > 0) this.logger.warn(`well ${well}: removed ${leftovers} rows left in its inactive slot by an earlier interrupted ingest`);

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
    const entry: CatalogEntry = { well, minDepthTenths, maxDepthTenths, rows: count, width: rows.width, source, ingestedAt: new Date().toISOString(), generation };
    await this.flip(entry, previous);
    this.logger.info(`well ${well}: ${count} rows now served from ${target}`, { generation });

    if (previous) {
      try {
        await this.deleteSlot(slotKey(well, previous.generation), `delete previous rows of ${well}`);
      } catch (err) {
        // The new rows are already served; the old ones are unreachable and go with the next ingest.
        this.logger.warn(`well ${well}: new data is live but its previous rows could not all be deleted`, { error: String(err) });
      }
    }
    return { metadata: metadataOf(entry), rowsWritten: count };
  }

  private catalogKey(): Record<string, AttributeValue> {
    return { well: { S: CATALOG_KEY }, depth: { N: '0' } };
  }

  private writeOptions(label: string): Parameters<typeof batchWrite>[1] {
    return {
      client: this.client,
      tableName: this.tableName,
      concurrency: this.options.writeConcurrency ?? 8,
      progressEvery: this.options.progressEvery ?? 2000,
      logger: this.logger,
      label,
    };
  }

  private async catalogEntry(well: string): Promise<CatalogEntry | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: this.catalogKey(),
        ProjectionExpression: '#wells.#w',
        ExpressionAttributeNames: { '#wells': 'wells', '#w': well },
        ConsistentRead: true,
      }),
    );
    const value = out.Item?.wells?.M?.[well];
    return value ? entryFromAttribute(well, value) : undefined;
  }

  /** Creates the catalog item with an empty map unless it exists. */
  private async ensureCatalog(): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.catalogKey(),
          UpdateExpression: 'SET #wells = if_not_exists(#wells, :empty)',
          ExpressionAttributeNames: { '#wells': 'wells' },
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

  /** Makes `entry` the served version, provided nobody else flipped the well since `previous` was read. */
  private async flip(entry: CatalogEntry, previous: CatalogEntry | undefined): Promise<void> {
    const names: Record<string, string> = { '#wells': 'wells', '#w': entry.well };
    const values: Record<string, AttributeValue> = { ':entry': entryToAttribute(entry) };
    let condition = 'attribute_not_exists(#wells.#w)';
    if (previous) {
      names['#gen'] = 'generation';
      values[':previous'] = { N: String(previous.generation) };
      condition = '#wells.#w.#gen = :previous';
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.catalogKey(),
          UpdateExpression: 'SET #wells.#w = :entry',
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (isNamed(err, 'ConditionalCheckFailedException')) {
        throw new Error(`well ${entry.well}: another ingest of this well finished first; this one was not applied`, { cause: err });
      }
      throw err;
    }
  }

  /** Deletes every row under one hash key; returns how many there were. */
  private async deleteSlot(hashKey: string, label: string): Promise<number> {
    const deletes: WriteRequest[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#well = :key',
          ProjectionExpression: '#well, #depth',
          ExpressionAttributeNames: { '#well': 'well', '#depth': 'depth' },
          ExpressionAttributeValues: { ':key': { S: hashKey } },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) deletes.push({ DeleteRequest: { Key: { well: item.well, depth: item.depth } } });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (deletes.length > 0) await batchWrite(deletes, this.writeOptions(label));
    return deletes.length;
  }

  private async queryRows(well: string, entry: CatalogEntry, minTenths: number, maxTenths: number): Promise<ImageFrame> {
    const depthsTenths: number[] = [];
    const images: Uint8Array[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#well = :key AND #depth BETWEEN :min AND :max',
          ProjectionExpression: '#depth, #image',
          ExpressionAttributeNames: { '#well': 'well', '#depth': 'depth', '#image': 'image' },
          ExpressionAttributeValues: {
            ':key': { S: slotKey(well, entry.generation) },
            ':min': { N: String(minTenths) },
            ':max': { N: String(maxTenths) },
          },
          ExclusiveStartKey: startKey,
          Limit: this.options.pageLimit,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        const image = item.image?.B;
        const depth = num(item.depth);
        if (!image || image.length !== entry.width) {
          throw new Error(`well ${well}: row at depth ${depth / 10} holds ${image?.length ?? 0} bytes, expected ${entry.width}`);
        }
        depthsTenths.push(depth);
        images.push(image);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const pixels = new Uint8Array(images.length * entry.width);
    images.forEach((image, r) => pixels.set(image, r * entry.width));
    return { well, depthsTenths, width: entry.width, pixels };
  }
}
