/**
 * The challenge-2 ETL, used by the Lambda and the tools (SPEC §4.3, streaming): S3 object → validated
 * rows → bicubic resize to images_size → the well's rows in DynamoDB, replacing the previous ones, all
 * batch by batch while the object is read. The next batch is parsed only once the writes in flight leave
 * room (back-pressure from DynamoDB to the S3 read), so memory does not grow with the file. A rejected
 * file (a bad line anywhere) abandons the ingest: the rows written to its own unserved slot are deleted
 * before the error is thrown, and the previous data stays served throughout.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ThreadedWellParse } from './threaded-parse';
import type { WellReplacement, WellStore } from './store';
import { wellIdProblem } from './table';
import { createLogger, type Logger } from '../log';

export const DEFAULT_IMAGES_SIZE = 150;
/** The object metadata key naming the well of an uploaded CSV (x-amz-meta-well), for event-driven ingests. */
export const WELL_METADATA = 'well';

export interface IngestRequest {
  bucket: string;
  key: string;
  /** Defaults to the object's `well` metadata (x-amz-meta-well, set by the upload tool), then the key's base name without extension. */
  well?: string;
}

export interface IngestDeps {
  s3: S3Client;
  store: WellStore;
  /** Pixels per stored row. */
  imagesSize: number;
  logger?: Logger;
}

export interface IngestSummary {
  well: string;
  source: string;
  rowsRead: number;
  rowsDropped: number;
  rowsWritten: number;
  /** Feet, e.g. 9000.1. */
  minDepth: number;
  maxDepth: number;
  inputWidth: number;
  width: number;
  /** Handler work, from the first S3 request to the last DynamoDB write. */
  durationMs: number;
  /**
   * Where durationMs went: write is the time spent waiting for DynamoDB (back-pressure, and the final
   * flush, flip and sweep), readParse the rest (waiting for the parse thread's next batch); resize is the
   * parse thread's time resizing, which overlaps both.
   */
  phasesMs: { readParse: number; resize: number; write: number };
  /** CPU the process used during durationMs, every thread (the parse thread's included). */
  cpuMs: number;
}

/** `raw/well_imager_200.csv` → `well_imager_200`. */
export function defaultWellId(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export async function ingestWell(request: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const logger = deps.logger ?? createLogger('well-ingest');
  const source = `s3://${request.bucket}/${request.key}`;
  if (!Number.isInteger(deps.imagesSize) || deps.imagesSize < 1) throw new Error(`images size must be a positive integer, got ${deps.imagesSize}`);

  let body: unknown;
  let well: string;
  try {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: request.bucket, Key: request.key }));
    body = object.Body;
    well = request.well ?? object.Metadata?.[WELL_METADATA] ?? defaultWellId(request.key);
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') throw new Error(`${source}: object not found (${name})`, { cause: err });
    throw new Error(`${source}: cannot read the object: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!(body instanceof Readable)) throw new Error(`${source}: S3 returned no readable body`);
  const problem = wellIdProblem(well);
  if (problem) {
    body.destroy();
    throw new Error(`${source}: ${problem}${request.well === undefined ? ' (from the object\'s well metadata or its key; pass "well" in the event)' : ''}`);
  }

  // Parse, validation and resize run on a worker thread; this one only writes (see threaded-parse.ts).
  const reader = new ThreadedWellParse(body, { source, imagesSize: deps.imagesSize });
  let replacement: WellReplacement | undefined;
  let write = 0;
  try {
    for await (const batch of reader) {
      const writeStarted = performance.now();
      replacement ??= await deps.store.beginReplace(well, deps.imagesSize, source);
      await replacement.write(batch.depthsTenths, batch.pixels);
      write += performance.now() - writeStarted;
    }
  } catch (err) {
    if (replacement) {
      logger.warn(`${source}: rejected after ${reader.rowsKept} rows; deleting what this ingest wrote (the previous data stays served)`);
      await replacement.abort();
    }
    throw err;
  }
  const resize = reader.resizeMs;
  const readAt = performance.now();
  logger.info(`${source}: ${reader.rowsKept} rows parsed and resized ${reader.width} → ${deps.imagesSize}`, { resizeMs: Math.round(resize) });
  const { metadata, rowsWritten } = await replacement!.commit();
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuAtStart);
  write += finished - readAt;
  return {
    well,
    source,
    rowsRead: reader.rowsRead,
    rowsDropped: reader.rowsDropped,
    rowsWritten,
    minDepth: metadata.minDepthTenths / 10,
    maxDepth: metadata.maxDepthTenths / 10,
    inputWidth: reader.width,
    width: deps.imagesSize,
    durationMs: Math.round(finished - started),
    phasesMs: { readParse: Math.round(finished - started - write), resize: Math.round(resize), write: Math.round(write) },
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}
