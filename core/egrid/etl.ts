/**
 * The challenge-1 ETL (SPEC §4.1, §4.2): raw workbook in S3 -> the year's Parquet datamart and its
 * JSON metadata in the datamarts bucket.
 *
 * Replacement is atomic per object: the datamart is one PutObject of the whole file at a fixed key, so
 * a reader gets the old file or the new one, never a mix. The Parquet is written first and the
 * metadata after, so metadata never describes a datamart that is not there yet. Nothing is written
 * when the workbook is rejected or keeps no plant.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../log';
import { readPlantSheet } from './workbook';
import { transformPlants } from './transform';
import { DATAMART_SCHEMA_VERSION, encodeDatamart } from './datamart-codec';
import { datamartKey, metadataKey } from './datamart-layout';
import type { DatamartMetadata } from './types';

const log = createLogger('egrid-etl');

export interface EgridEtlRequest {
  sourceBucket: string;
  sourceKey: string;
  datamartsBucket: string;
  /** Overrides the year of the sheet name; the sheet must then be PLNT<yy>. */
  year?: number;
  /**
   * For event-driven runs (S3 notifications arrive late, twice, out of order): leave the year's datamart
   * as it is when it was made from a source uploaded later than this one (compared by LastModified).
   */
  onlyIfNewer?: boolean;
}

export interface EgridEtlSummary {
  year: number;
  sheet: string;
  source: string;
  sourceEtag: string;
  rowsRead: number;
  droppedMissing: number;
  droppedNegative: number;
  keptRows: number;
  states: number;
  datamartsBucket: string;
  datamartKey: string;
  metadataKey: string;
  datamartBytes: number;
  durationMs: number;
  /** Set when nothing was written: why (an event-driven run older than the datamart's source). */
  skipped?: string;
}

export async function runEgridEtl(s3: S3Client, request: EgridEtlRequest): Promise<EgridEtlSummary> {
  const started = Date.now();
  const source = `s3://${request.sourceBucket}/${request.sourceKey}`;
  log.info('reading workbook', { source, year: request.year });

  const object = await s3.send(new GetObjectCommand({ Bucket: request.sourceBucket, Key: request.sourceKey })).catch((err: unknown) => {
    throw new Error(`cannot read ${source}: ${describeS3Error(err)}`);
  });
  if (!object.Body) throw new Error(`cannot read ${source}: empty response body`);
  const sourceEtag = unquote(object.ETag ?? '');
  const sourceModified = object.LastModified?.toISOString() ?? '';

  const body = object.Body as Readable;
  const sheet = await readPlantSheet(body, { year: request.year, source }).finally(() => body.destroy());
  const { plants, counts } = transformPlants(sheet.rows);
  if (plants.length === 0) {
    throw new Error(`${source}: sheet ${sheet.sheet} keeps no plant (${counts.sourceRows} rows, ${counts.droppedMissing} missing fields, ${counts.droppedNegative} negative generation); the datamart of ${sheet.year} is left as it was`);
  }
  const keys = { datamart: datamartKey(sheet.year), metadata: metadataKey(sheet.year) };
  const newer = request.onlyIfNewer ? await laterSourceOf(s3, request.datamartsBucket, keys.datamart, sourceModified) : undefined;
  const parquet = encodeDatamart(plants);
  const createdAt = new Date().toISOString();
  const summaryOf = (skipped?: string): EgridEtlSummary => ({
    year: sheet.year,
    sheet: sheet.sheet,
    source,
    sourceEtag,
    rowsRead: counts.sourceRows,
    droppedMissing: counts.droppedMissing,
    droppedNegative: counts.droppedNegative,
    keptRows: counts.keptRows,
    states: counts.states,
    datamartsBucket: request.datamartsBucket,
    datamartKey: keys.datamart,
    metadataKey: keys.metadata,
    datamartBytes: parquet.byteLength,
    durationMs: Date.now() - started,
    ...(skipped ? { skipped } : {}),
  });
  if (newer) {
    const summary = summaryOf(`the ${sheet.year} datamart was made from a source uploaded later (${newer}) than this one (${sourceModified}): left as it is`);
    log.warn('datamart left as it is', { ...summary });
    return summary;
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: request.datamartsBucket,
      Key: keys.datamart,
      Body: parquet,
      ContentType: 'application/vnd.apache.parquet',
      // Lets a reader tie the file to its run without the metadata object.
      Metadata: { 'schema-version': String(DATAMART_SCHEMA_VERSION), 'source-etag': sourceEtag, 'source-last-modified': sourceModified, 'created-at': createdAt },
    }),
  );
  const metadata: DatamartMetadata = {
    schemaVersion: DATAMART_SCHEMA_VERSION,
    year: sheet.year,
    sourceBucket: request.sourceBucket,
    sourceKey: request.sourceKey,
    sourceEtag,
    sheet: sheet.sheet,
    sourceRows: counts.sourceRows,
    droppedMissing: counts.droppedMissing,
    droppedNegative: counts.droppedNegative,
    keptRows: counts.keptRows,
    states: counts.states,
    createdAt,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: request.datamartsBucket,
      Key: keys.metadata,
      Body: JSON.stringify(metadata, null, 2) + '\n',
      ContentType: 'application/json',
    }),
  );

  const summary = summaryOf();
  log.info('datamart written', { ...summary });
  return summary;
}

/** The LastModified of the source the datamart at `key` was made from, when it is later than `ours`. */
async function laterSourceOf(s3: S3Client, bucket: string, key: string, ours: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const theirs = head.Metadata?.['source-last-modified'] ?? '';
    return ours !== '' && theirs > ours ? theirs : undefined;
  } catch (err) {
    // No datamart yet. Without s3:ListBucket (the ETL role has none) S3 answers a missing key with 403.
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return undefined;
    throw new Error(`cannot read s3://${bucket}/${key}: ${describeS3Error(err)}`, { cause: err });
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function describeS3Error(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status ? `${err.name} (HTTP ${status}): ${err.message}` : `${err.name}: ${err.message}`;
  }
  return String(err);
}
