/**
 * BatchWriteItem in batches of 25 (DynamoDB's limit), a bounded number in flight, each batch's
 * UnprocessedItems (and throttled or failed-in-transit attempts) retried with exponential backoff. The
 * first failure stops new batches and is thrown once the batches in flight have settled. The requests go
 * out through core/aws/batch-write-item.ts (signed JSON requests, without the SDK client's per-command
 * path: these are most of an ingest's requests).
 *
 * `BatchWriter` takes requests as they come (a streaming ingest) and pushes back: `ready()` resolves
 * only when fewer batches than `concurrency` are in flight, so a producer awaiting it never holds more
 * than concurrency × 25 requests plus one partial batch. `batchWrite` writes a list through one.
 */
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchWriteItemError, batchWriteItemSender, toWire, type WireWriteRequest } from '../aws/batch-write-item';
import type { Logger } from '../log';

export const BATCH_SIZE = 25;

export interface BatchWriteOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Batches in flight at once. */
  concurrency: number;
  /** Attempts per batch while DynamoDB keeps returning UnprocessedItems. */
  maxAttempts?: number;
  /** First backoff; doubles per attempt (with jitter), capped at 5 s. */
  baseDelayMs?: number;
  logger?: Logger;
  /** Log progress every this many items (0: never). */
  progressEvery?: number;
  /** Names the operation in logs and errors, e.g. "write well-1". */
  label: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function writeBatch(options: BatchWriteOptions, batch: WireWriteRequest[]): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 10;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sender = batchWriteItemSender(options.client);
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    let failure: BatchWriteItemError | undefined;
    try {
      pending = await sender.send(options.tableName, pending);
      if (pending.length === 0) return;
    } catch (err) {
      if (!(err instanceof BatchWriteItemError) || !err.retryable) throw err;
      failure = err;
    }
    if (attempt >= maxAttempts) {
      if (failure) throw new Error(`${options.label}: ${failure.message}, still after ${attempt} attempts`, { cause: failure });
      throw new Error(`${options.label}: DynamoDB left ${pending.length} items unprocessed after ${attempt} attempts (table ${options.tableName} throttled?)`);
    }
    const delay = Math.min(5000, baseDelayMs * 2 ** (attempt - 1));
    await sleep(delay / 2 + Math.random() * (delay / 2));
  }
}

export class BatchWriter {
  private pending: WireWriteRequest[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  /** Requests written so far. */
  written = 0;

  constructor(private readonly options: BatchWriteOptions) {}

  /**
   * Queues one request; a full batch is sent at once. Await `ready()` before adding many more. The
   * request is encoded now: its binary values may be views of a buffer the caller reuses afterwards.
   */
  add(request: WriteRequest): void {
    this.throwIfFailed();
    this.pending.push(toWire(request));
    if (this.pending.length >= BATCH_SIZE) this.send();
  }

  /** Resolves when there is room for another batch in flight; rejects with the first failure. */
  async ready(): Promise<void> {
    const limit = Math.max(1, this.options.concurrency);
    while (this.inFlight.size >= limit && !this.failure) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Sends the partial batch and resolves when every request is written; rejects with the first failure. */
  async flush(): Promise<void> {
    if (!this.failure && this.pending.length > 0) this.send();
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for the batches in flight, whatever their outcome, and drops what was not sent (for an abort). */
  async settle(): Promise<void> {
    this.pending = [];
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private send(): void {
    const batch = this.pending;
    this.pending = [];
    const sending: Promise<void> = writeBatch(this.options, batch).then(
      () => this.progress(batch.length),
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private progress(count: number): void {
    const before = this.written;
    this.written += count;
    const every = this.options.progressEvery ?? 0;
    if (every > 0 && Math.floor(this.written / every) > Math.floor(before / every)) {
      this.options.logger?.info(`${this.options.label}: ${this.written} items done`, { done: this.written });
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** Writes (puts or deletes) every request; resolves when all are written. */
export async function batchWrite(requests: Iterable<WriteRequest>, options: BatchWriteOptions): Promise<void> {
  const writer = new BatchWriter(options);
  try {
    let queued = 0;
    for (const request of requests) {
      writer.add(request);
      if (++queued % BATCH_SIZE === 0) await writer.ready();
    }
    await writer.flush();
  } finally {
    await writer.settle();
  }
}
