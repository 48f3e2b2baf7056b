/**
 * The challenge-2 ETL, used by the Lambda and the tools: S3 object (streamed) → validated rows →
 * bicubic resize to images_size → the well's rows in DynamoDB, replacing the previous ones.
 * The file is parsed and validated whole before the first write, so a rejected file writes nothing.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseWellCsv } from './csv';
import { resizeRows } from './resize';
import type { WellStore } from './store';
import { wellIdProblem } from './table';
import { createLogger, type Logger } from '../log';

export const DEFAULT_IMAGES_SIZE = 150;

export interface IngestRequest {
  bucket: string;
  key: string;
  /** Defaults to the key's base name without extension. */
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
  /** Where durationMs went: download + parse + validation (streamed together), resize, DynamoDB writes. */
  phasesMs: { readParse: number; resize: number; write: number };
}

/** `raw/well_imager_200.csv` → `well_imager_200`. */
export function defaultWellId(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export async function ingestWell(request: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const started = performance.now();
  const logger = deps.logger ?? createLogger('well-ingest');
  const source = `s3://${request.bucket}/${request.key}`;
  const well = request.well ?? defaultWellId(request.key);
  const problem = wellIdProblem(well);
  if (problem) throw new Error(`${source}: ${problem}${request.well === undefined ? ' (derived from the key; pass "well" in the event)' : ''}`);
  if (!Number.isInteger(deps.imagesSize) || deps.imagesSize < 1) throw new Error(`images size must be a positive integer, got ${deps.imagesSize}`);

  let body: unknown;
  try {
    body = (await deps.s3.send(new GetObjectCommand({ Bucket: request.bucket, Key: request.key }))).Body;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound') throw new Error(`${source}: object not found (${name})`, { cause: err });
    throw new Error(`${source}: cannot read the object: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!(body instanceof Readable)) throw new Error(`${source}: S3 returned no readable body`);

  const parsed = await parseWellCsv(body, { source });
  const parsedAt = performance.now();
  const pixels = resizeRows(parsed.pixels, parsed.width, deps.imagesSize);
  const resizedAt = performance.now();
  const readParse = Math.round(parsedAt - started);
  const resize = Math.round(resizedAt - parsedAt);
  logger.info(`${source}: ${parsed.depthsTenths.length} rows parsed and resized ${parsed.width} → ${deps.imagesSize}`, { readParseMs: readParse, resizeMs: resize });

  const { metadata, rowsWritten } = await deps.store.replaceWell(well, { depthsTenths: parsed.depthsTenths, width: deps.imagesSize, pixels }, source);
  const finished = performance.now();
  return {
    well,
    source,
    rowsRead: parsed.rowsRead,
    rowsDropped: parsed.rowsDropped,
    rowsWritten,
    minDepth: metadata.minDepthTenths / 10,
    maxDepth: metadata.maxDepthTenths / 10,
    inputWidth: parsed.width,
    width: deps.imagesSize,
    durationMs: Math.round(finished - started),
    phasesMs: { readParse, resize, write: Math.round(finished - resizedAt) },
  };
}
