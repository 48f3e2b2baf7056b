/**
 * BatchWriteItem in batches of 25 (DynamoDB's limit), a bounded number in flight, each batch's
 * UnprocessedItems retried with exponential backoff. The first failure stops new batches and is thrown
 * once the batches in flight have settled.
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
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

async function writeBatch(options: BatchWriteOptions, batch: WriteRequest[]): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 10;
  const baseDelayMs = options.baseDelayMs ?? 50;
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    const out = await options.client.send(new BatchWriteItemCommand({ RequestItems: { [options.tableName]: pending } }));
    const unprocessed = out.UnprocessedItems?.[options.tableName] ?? [];
    if (unprocessed.length === 0) return;
    if (attempt >= maxAttempts) {
      throw new Error(`${options.label}: DynamoDB left ${unprocessed.length} items unprocessed after ${attempt} attempts (table ${options.tableName} throttled?)`);
    }
    pending = unprocessed;
    const delay = Math.min(5000, baseDelayMs * 2 ** (attempt - 1));
    await sleep(delay / 2 + Math.random() * (delay / 2));
  }
}

/** Writes (puts or deletes) every request; resolves when all are written. */
export async function batchWrite(requests: WriteRequest[], options: BatchWriteOptions): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
  const progressEvery = options.progressEvery ?? 0;
  let next = 0;
  let done = 0;
  let failure: unknown;

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < batches.length) {
      const batch = batches[next++];
      try {
        await writeBatch(options, batch);
      } catch (err) {
        failure ??= err;
        return;
      }
      const before = done;
      done += batch.length;
      if (progressEvery > 0 && Math.floor(done / progressEvery) > Math.floor(before / progressEvery)) {
        options.logger?.info(`${options.label}: ${done}/${requests.length} items done`, { done, total: requests.length });
      }
    }
  };

  const workers = Math.max(1, Math.min(options.concurrency, batches.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
}
