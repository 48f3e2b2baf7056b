/**
 * The writing side of the well store: replaces a well's rows, one ingest at a time or several at once.
 *
 * Design — one slot per ingest, named by a ticket, and the catalog item (core/well/catalog.ts):
 * - each ingest of a well takes the well's next ticket n from an atomic counter in the catalog item and
 *   writes its rows under its own hash key (table.ts `slotKey`: `<well>` for n = 0, the original layout,
 *   `<well>#n` after), so no two ingests share a slot;
 * - it writes every row into its slot (batch by batch as a streaming ingest reads them: `begin`, `write`,
 *   then `commit` or `abort`), then flips the catalog entry to itself with one conditional
 *   UpdateItem that succeeds only while no later ticket is served, then sweeps: deletes the slots of every
 *   ticket below its own not yet known empty (the replaced entry's rows, and any left by an interrupted or
 *   superseded ingest). Until the flip, readers see the previous data whole; after it, only the new rows;
 *   a rejected or failed ingest never reaches the flip and deletes what it wrote (`abort`); a killed one
 *   cannot, and the next applied one sweeps its rows;
 * - two ingests of one well at once: each writes only its own slot, so the served rows are never mixed;
 *   the later ticket is the one left served (an earlier one that loses its flip deletes its own rows and
 *   reports it).
 *
 * Invariant (readers rely on it, see store.ts): a slot is written only by the ingest holding its ticket,
 * before its flip, and deleted only when its ticket can no longer be served (below a served ticket) or by
 * that ingest after losing its flip or abandoning (never flipped); so while an entry E is the served one,
 * E's slot holds exactly E's rows.
 */
import { UpdateItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../log';
import { BATCH_SIZE, BatchWriter, batchWrite } from './batch-write';
import { catalogKey, entryToAttribute, metadataOf, newVersion, type CatalogEntry } from './catalog';
import type { CatalogReads } from './catalog-reads';
import { isNamed, queryAllPages, slotKey, wellIdProblem, type WellTable } from './table';
import type { WellMetadata } from './types';
import { pixelRange } from '../imaging/pixel-range';
import type { ValueRange } from './value-range';

/** Rows ready to store: pixels are depthsTenths.length × width bytes. */
export interface WellRows {
  depthsTenths: number[];
  width: number;
  pixels: Uint8Array;
}

export interface ReplaceResult {
  metadata: WellMetadata;
  rowsWritten: number;
}

/** One ingest's replacement of a well's rows, fed batch by batch (WellWriter.begin). */
export interface WellReplacement {
  well: string;
  ticket: number;
  /** Queues a batch (rows × width pixels); resolves when the writes in flight leave room for more. */
  write(depthsTenths: ArrayLike<number>, pixels: Uint8Array): Promise<void>;
  /** Writes what is queued, makes these rows the served ones, deletes the replaced ones. */
  commit(): Promise<ReplaceResult>;
  /** Deletes every row written so far (never served); the previous rows stay served. */
  abort(): Promise<void>;
}

export interface WellWriterOptions {
  /** BatchWriteItem requests in flight at once (default 16). */
  writeConcurrency?: number;
  /** Log write progress every this many rows (default 2000). */
  progressEvery?: number;
}

/** Smallest and largest byte of the well's stored pixels (the window of `normalize=well`). */
export function valueRange(pixels: Uint8Array): ValueRange {
  const { lo, hi } = pixelRange(pixels);
  return { valueMin: lo, valueMax: hi };
}

function* integers(from: number, to: number): Generator<number> {
  for (let n = from; n <= to; n++) yield n;
}

export class WellWriter {
  constructor(
    private readonly table: WellTable,
    /** The readers' catalog: read for the previous entry, told of the flip. */
    private readonly catalog: CatalogReads,
    private readonly logger: Logger,
    private readonly options: WellWriterOptions = {},
  ) {}

  /**
   * Replaces a well's rows by `rows`, leaving exactly them; the previous rows stay served until every
   * new row is written. Validate the input before calling: nothing here rejects bad pixels.
   */
  async replaceWell(well: string, rows: WellRows, source: string): Promise<ReplaceResult> {
    const count = rows.depthsTenths.length;
    if (count === 0) throw new Error(`well ${well}: no rows to store`);
    if (rows.pixels.length !== count * rows.width) throw new Error(`well ${well}: ${rows.pixels.length} pixels for ${count} rows of ${rows.width}`);
    const replacement = await this.begin(well, rows.width, source);
    try {
      await replacement.write(rows.depthsTenths, rows.pixels);
    } catch (err) {
      await replacement.abort();
      throw err;
    }
    return replacement.commit();
  }

  /**
   * Starts replacing a well's rows with rows given batch by batch (a streaming ingest): takes a ticket and
   * clears its slot. Then `write` each batch (it resolves when the writes in flight leave room: the
   * caller's back-pressure), and `commit` (the flip, then the sweep) or `abort` (the slot's rows are
   * deleted before it resolves; readers never saw them).
   */
  async begin(well: string, width: number, source: string): Promise<WellReplacement> {
    const problem = wellIdProblem(well);
    if (problem) throw new Error(problem);
    if (!Number.isInteger(width) || width < 1) throw new Error(`well ${well}: invalid row width ${width}`);

    // Independent, so sent together (the read finds no entry whether the catalog item or only the well is
    // missing); the catalog's failure first, as it names a missing table.
    const [ensured, read] = await Promise.allSettled([this.ensureCatalog(), this.catalog.read(well)]);
    if (ensured.status === 'rejected') throw ensured.reason;
    if (read.status === 'rejected') throw read.reason;
    const previous = read.value;
    const ticket = await this.issueTicket(well, previous);
    const target = slotKey(well, ticket);

    // The slot is this ingest's alone; rows found there were not written under this ticket (a table
    // shared with the original layout, where rows sit under the bare well id).
    const strays = await this.deleteSlot(target, `clear slot ${target}`);
    if (strays > 0) this.logger.warn(`well ${well}: removed ${strays} rows found in ${target} before writing`);

    const puts = new BatchWriter(this.writeOptions(`write ${well}`));
    const seen = { rows: 0, minDepthTenths: Infinity, maxDepthTenths: -Infinity, valueMin: 255, valueMax: 0 };
    let state: 'writing' | 'committed' | 'aborted' = 'writing';
    const expectWriting = (what: string): void => {
      if (state !== 'writing') throw new Error(`well ${well}: ${what} after the replacement was ${state}`);
    };

    const write = async (depthsTenths: ArrayLike<number>, pixels: Uint8Array): Promise<void> => {
      expectWriting('write');
      if (pixels.length !== depthsTenths.length * width) throw new Error(`well ${well}: ${pixels.length} pixels for ${depthsTenths.length} rows of ${width}`);
      for (let r = 0; r < depthsTenths.length; r++) {
        const tenths = depthsTenths[r]!;
        if (tenths < seen.minDepthTenths) seen.minDepthTenths = tenths;
        if (tenths > seen.maxDepthTenths) seen.maxDepthTenths = tenths;
        // A view: `add` encodes it before returning, so the caller may reuse its buffer afterwards.
        const image = pixels.subarray(r * width, (r + 1) * width);
        puts.add({ PutRequest: { Item: { well: { S: target }, depth: { N: String(tenths) }, image: { B: image } } } });
        if ((r + 1) % BATCH_SIZE === 0) await puts.ready();
      }
      seen.rows += depthsTenths.length;
      const range = valueRange(pixels);
      if (range.valueMin < seen.valueMin) seen.valueMin = range.valueMin;
      if (range.valueMax > seen.valueMax) seen.valueMax = range.valueMax;
      await puts.ready();
    };

    const abort = async (): Promise<void> => {
      if (state !== 'writing') return;
      state = 'aborted';
      await puts.settle();
      try {
        const removed = await this.deleteSlot(target, `discard rows of a rejected ingest of ${well}`);
        this.logger.info(`well ${well}: ingest abandoned; ${removed} rows it had written to its unserved slot ${target} deleted`, { ticket });
      } catch (err) {
        // Never served; the next applied ingest's sweep deletes them.
        this.logger.warn(`well ${well}: the rows of an abandoned ingest could not all be deleted now (the next ingest will)`, { error: String(err) });
      }
    };

    const commit = async (): Promise<ReplaceResult> => {
      expectWriting('commit');
      try {
        await puts.flush();
        if (seen.rows === 0) throw new Error(`well ${well}: no rows to store`);
      } catch (err) {
        await abort();
        throw err;
      }
      state = 'committed';
      const entry: CatalogEntry = {
        well,
        minDepthTenths: seen.minDepthTenths,
        maxDepthTenths: seen.maxDepthTenths,
        valueMin: seen.valueMin,
        valueMax: seen.valueMax,
        rows: seen.rows,
        width,
        source,
        ingestedAt: new Date().toISOString(),
        generation: previous ? previous.generation + 1 : 0,
        version: newVersion(),
        ticket,
        cleanedBelow: previous?.cleanedBelow ?? 0,
      };
      const flipSentAt = performance.now();
      await this.flip(entry);
      this.catalog.remember(entry, flipSentAt);
      this.logger.info(`well ${well}: ${seen.rows} rows now served from ${target}`, { ticket });

      try {
        await this.sweep(entry, previous);
      } catch (err) {
        // The new rows are already served; the old ones are unreachable and go with the next ingest.
        this.logger.warn(`well ${well}: new data is live but its previous rows could not all be deleted`, { error: String(err) });
      }
      return { metadata: metadataOf(entry), rowsWritten: seen.rows };
    };

    return { well, ticket, write, commit, abort };
  }

  private writeOptions(label: string): Parameters<typeof batchWrite>[1] {
    return {
      client: this.table.client,
      tableName: this.table.tableName,
      concurrency: this.options.writeConcurrency ?? 16,
      progressEvery: this.options.progressEvery ?? 2000,
      logger: this.logger,
      label,
    };
  }

  /** Creates the catalog item with an empty map unless it exists. */
  private async ensureCatalog(): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: catalogKey(),
          UpdateExpression: 'SET #wells = if_not_exists(#wells, :empty), #tickets = if_not_exists(#tickets, :empty)',
          ExpressionAttributeNames: { '#wells': 'wells', '#tickets': 'tickets' },
          ExpressionAttributeValues: { ':empty': { M: {} } },
        }),
      );
    } catch (err) {
      if (isNamed(err, 'ResourceNotFoundException')) {
        throw new Error(`DynamoDB table "${this.table.tableName}" does not exist (the infrastructure step creates it)`, { cause: err });
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
    const out = await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
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
  private async flip(entry: CatalogEntry): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: catalogKey(),
          UpdateExpression: 'SET #wells.#w = :entry',
          ConditionExpression: 'attribute_not_exists(#wells.#w) OR attribute_not_exists(#wells.#w.#ticket) OR #wells.#w.#ticket < :ticket',
          ExpressionAttributeNames: { '#wells': 'wells', '#w': entry.well, '#ticket': 'ticket' },
          ExpressionAttributeValues: { ':entry': entryToAttribute(entry), ':ticket': { N: String(entry.ticket) } },
        }),
      );
    } catch (err) {
      if (!isNamed(err, 'ConditionalCheckFailedException')) throw err;
      await this.deleteSlot(slotKey(entry.well, entry.ticket), `discard superseded rows of ${entry.well}`).catch((cleanup: unknown) => {
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
    // Nothing was below this ticket (a new well's first ingest): the entry already says so.
    if (entry.cleanedBelow === entry.ticket) return;
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
    function* deletes(): Generator<WriteRequest> {
      for (const depth of depthsTenths) yield { DeleteRequest: { Key: { well: { S: hashKey }, depth: { N: String(depth) } } } };
    }
    await batchWrite(deletes(), this.writeOptions(label));
  }

  /** Deletes every row under one hash key, page by page as the Query returns them; returns how many there were. */
  private async deleteSlot(hashKey: string, label: string): Promise<number> {
    const deletes = new BatchWriter(this.writeOptions(label));
    let count = 0;
    try {
      const items = queryAllPages(this.table, {
        KeyConditionExpression: '#well = :key',
        ProjectionExpression: '#well, #depth',
        ExpressionAttributeNames: { '#well': 'well', '#depth': 'depth' },
        ExpressionAttributeValues: { ':key': { S: hashKey } },
      });
      for await (const item of items) {
        deletes.add({ DeleteRequest: { Key: { well: item.well!, depth: item.depth! } } });
        if (++count % BATCH_SIZE === 0) await deletes.ready();
      }
      await deletes.flush();
    } finally {
      await deletes.settle();
    }
    return count;
  }
}
