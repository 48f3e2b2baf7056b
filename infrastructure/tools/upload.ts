/**
 * The raw-data upload tool `make raw-data` runs:
 *
 *   tsx infrastructure/tools/upload.ts --file F --bucket B --key K [--dryrun] [--result-file F] [--well ID]
 *
 * It validates the file with the same code the ETL uses (an eGRID workbook with the workbook reader and
 * the plant transform, a well CSV with the CSV parser), prints the original's --dryrun statistics (rows,
 * rows that will be ignored and why) on stderr, then uploads it (multipart above one part) with a
 * progress bar on stderr and prints one JSON result line on stdout. A rejected file is never uploaded:
 * exit 1 with the reason; usage errors exit 2. The file is judged by the key's extension (what the
 * ETL will take it for), its content named when it is something else (SPEC §4.5); --result-file also
 * writes the JSON result line there (make keeps the uploaded version's ETag and version id); --well
 * stores the well id in the object's metadata, for the ETL an upload notification runs. S3 settings come from the environment (AWS_REGION,
 * S3_ENDPOINT).
 */
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsSettingsFromEnv, s3Client } from '../../core/aws/clients';
import { errorMessage } from '../../core/log';
import { readPlantSheet } from '../../core/egrid/workbook';
import { transformPlants } from '../../core/egrid/transform';
import { parseWellCsv } from '../../core/well/csv';
import { WELL_METADATA } from '../../core/well/ingest';

export interface EgridWorkbookStats {
  kind: 'egrid-workbook';
  sheet: string;
  year: number;
  rows: number;
  ignored: number;
  ignoredMissing: number;
  ignoredNegative: number;
  /** Rows lacking each field (a row may lack several). */
  missing: { plant_id: number; plant_name: number; state: number; annual_netgen: number };
  kept: number;
  states: number;
}

export interface WellCsvStats {
  kind: 'well-csv';
  width: number;
  rows: number;
  /** Rows with an empty value (the original's dropna). */
  ignored: number;
  kept: number;
  depthMin: number;
  depthMax: number;
}

export type RawFileStats = EgridWorkbookStats | WellCsvStats;

/** A file that must not be uploaded; the message says why. */
export class RejectedFileError extends Error {
  override name = 'RejectedFileError';
}

/**
 * Validates a raw file as the ETL will read it; throws RejectedFileError naming the problem. What is
 * expected follows `asName`'s extension (the object key: what the bucket's ETL will take it for), so a
 * CSV uploaded under a .xlsx key is judged as a workbook and named as the text file it is.
 */
export async function validateRawFile(file: string, asName = file): Promise<RawFileStats> {
  const name = path.basename(file);
  const info = await stat(file).catch((err: unknown) => {
    throw new RejectedFileError(`cannot read ${file}: ${errorMessage(err)}`);
  });
  if (!info.isFile()) throw new RejectedFileError(`${file} is not a file`);
  const extension = path.extname(asName).toLowerCase();
  try {
    if (extension === '.xlsx') return await validateWorkbook(file, name);
    if (extension === '.csv') return await validateWellCsv(file, name);
  } catch (err) {
    throw err instanceof RejectedFileError ? err : new RejectedFileError(errorMessage(err));
  }
  throw new RejectedFileError(`${path.basename(asName)}: unsupported file type "${extension || '(none)'}": expected .xlsx (eGRID workbook) or .csv (well imager)`);
}

async function validateWorkbook(file: string, name: string): Promise<EgridWorkbookStats> {
  const sheet = await readPlantSheet(file, { source: name });
  const { counts } = transformPlants(sheet.rows);
  if (counts.keptRows === 0) throw new RejectedFileError(`${name}: sheet ${sheet.sheet} keeps no plant (${counts.sourceRows} rows, none with a name, state and generation >= 0)`);
  return {
    kind: 'egrid-workbook',
    sheet: sheet.sheet,
    year: sheet.year,
    rows: counts.sourceRows,
    ignored: counts.droppedMissing + counts.droppedNegative,
    ignoredMissing: counts.droppedMissing,
    ignoredNegative: counts.droppedNegative,
    missing: counts.missing,
    kept: counts.keptRows,
    states: counts.states,
  };
}

async function validateWellCsv(file: string, name: string): Promise<WellCsvStats> {
  const well = await parseWellCsv(createReadStream(file), { source: name });
  const kept = well.depthsTenths.length;
  if (kept === 0) throw new RejectedFileError(`${name}: no complete row (${well.rowsRead} rows, all with an empty value)`);
  return {
    kind: 'well-csv',
    width: well.width,
    rows: well.rowsRead,
    ignored: well.rowsDropped,
    kept,
    depthMin: well.depthsTenths.reduce((a, b) => Math.min(a, b)) / 10,
    depthMax: well.depthsTenths.reduce((a, b) => Math.max(a, b)) / 10,
  };
}

/** The original's --dryrun statistics, as lines of text. */
export function dryrunStatistics(file: string, stats: RawFileStats): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const name = path.basename(file);
  if (stats.kind === 'egrid-workbook') {
    const m = stats.missing;
    return [
      `${name}: eGRID workbook, sheet ${stats.sheet} (year ${stats.year})`,
      `  rows: ${n(stats.rows)}`,
      `  rows that will be ignored: ${n(stats.ignored)}`,
      `    missing plant id, name, state or generation: ${n(stats.ignoredMissing)} (no plant id ${n(m.plant_id)}, no name ${n(m.plant_name)}, no state ${n(m.state)}, no generation ${n(m.annual_netgen)})`,
      `    negative annual net generation: ${n(stats.ignoredNegative)}`,
      `  rows that will be loaded: ${n(stats.kept)} plants in ${n(stats.states)} states`,
    ];
  }
  return [
    `${name}: well imager CSV, ${n(stats.width)} pixels per row`,
    `  rows: ${n(stats.rows)}`,
    `  rows that will be ignored: ${n(stats.ignored)} (a value is empty)`,
    `  rows that will be loaded: ${n(stats.kept)}, depth ${stats.depthMin.toFixed(1)} to ${stats.depthMax.toFixed(1)}`,
  ];
}

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A progress bar: redrawn in place on a terminal; on a pipe or log file, one line per 25% so logs
 * stay readable.
 */
export class ProgressBar {
  private lastQuarter = -1;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly width = 30,
  ) {}

  update(loaded: number, total: number): void {
    const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
    const line = `${this.label} [${'#'.repeat(Math.round(fraction * this.width)).padEnd(this.width, '.')}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${mebibytes(loaded)}/${mebibytes(total)} MiB`;
    if (this.sink.isTTY) {
      this.sink.write(`\r${line}`);
      this.drawn = true;
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.sink.write(`${line}\n`);
    }
  }

  finish(): void {
    if (this.drawn) this.sink.write('\n');
    this.drawn = false;
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export interface UploadRequest {
  file: string;
  bucket: string;
  key: string;
  /** Bytes per part; files above one part go up as a multipart upload (S3's minimum part is 5 MiB). */
  partSize?: number;
  /** User metadata of the object (x-amz-meta-*), e.g. the well id an event-driven ingest uses. */
  metadata?: Record<string, string>;
  onProgress?: (loaded: number, total: number) => void;
}

export interface UploadResult {
  bucket: string;
  key: string;
  bytes: number;
  etag: string;
  /** The object version this upload created, when the store gives one. */
  versionId?: string;
  /**
   * Without a version id (a bucket that keeps no versions): the object's Last-Modified by S3's own clock,
   * which tells this upload's ETL run from an earlier upload of the same bytes (same ETag).
   */
  lastModified?: string;
  /** Parts sent (1: a single PutObject). */
  parts: number;
  multipart: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.csv': 'text/csv',
};

export async function uploadRawFile(s3: S3Client, request: UploadRequest): Promise<UploadResult> {
  const bytes = (await stat(request.file)).size;
  const partSize = request.partSize ?? DEFAULT_PART_SIZE;
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: request.bucket,
      Key: request.key,
      Body: createReadStream(request.file),
      ContentLength: bytes,
      ContentType: CONTENT_TYPES[path.extname(request.file).toLowerCase()] ?? 'application/octet-stream',
      ...(request.metadata ? { Metadata: request.metadata } : {}),
    },
    partSize,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const parts = new Set<number>();
  upload.on('httpUploadProgress', (progress) => {
    if (progress.part !== undefined) parts.add(progress.part);
    request.onProgress?.(progress.loaded ?? 0, progress.total ?? bytes);
  });
  try {
    const result = await upload.done();
    request.onProgress?.(bytes, bytes);
    const versionId = result.VersionId && result.VersionId !== 'null' ? result.VersionId : undefined;
    return {
      bucket: request.bucket,
      key: request.key,
      bytes,
      etag: (result.ETag ?? '').replace(/^"|"$/g, ''),
      // The version this upload created (a versioned bucket, or the local S3's notifications), if any.
      ...(versionId ? { versionId } : { lastModified: await lastModifiedOf(s3, request.bucket, request.key, result.ETag) }),
      parts: Math.max(1, parts.size),
      multipart: parts.size > 1,
    };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw new Error(`upload of ${request.file} to s3://${request.bucket}/${request.key} failed: ${name}: ${errorMessage(err)}`);
  }
}

/**
 * The uploaded object's Last-Modified (ISO 8601), checked to be the object with this ETag; undefined when
 * another writer replaced it already (412) or it cannot be read: the upload itself succeeded.
 */
async function lastModifiedOf(s3: S3Client, bucket: string, key: string, eTag: string | undefined): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(eTag ? { IfMatch: eTag } : {}) }));
    return head.LastModified?.toISOString();
  } catch {
    return undefined;
  }
}

export interface CliIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
  env: NodeJS.ProcessEnv;
}

const USAGE = 'usage: tsx infrastructure/tools/upload.ts --file FILE --bucket BUCKET [--key KEY] [--dryrun] [--part-size-mib N] [--result-file F] [--well ID]';

/** The command line; returns the exit code (0 done, 1 rejected file or failed upload, 2 usage). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        file: { type: 'string' },
        bucket: { type: 'string' },
        key: { type: 'string' },
        dryrun: { type: 'boolean', default: false },
        'part-size-mib': { type: 'string' },
        'result-file': { type: 'string' },
        well: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    io.stderr.write(`upload: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const usageError = (message: string): number => {
    io.stderr.write(`upload: ${message}\n${USAGE}\n`);
    return 2;
  };
  if (!args.file) return usageError('--file is required');
  if (!args.dryrun && !args.bucket) return usageError('--bucket is required (or --dryrun)');
  const partSizeMib = args['part-size-mib'] === undefined ? undefined : Number(args['part-size-mib']);
  if (partSizeMib !== undefined && !(Number.isInteger(partSizeMib) && partSizeMib >= 5)) return usageError('--part-size-mib must be an integer >= 5');

  const file = args.file;
  const started = Date.now();
  let stats: RawFileStats;
  try {
    stats = await validateRawFile(file, args.key || file);
  } catch (err) {
    io.stderr.write(`upload: rejected, nothing uploaded: ${errorMessage(err)}\n`);
    return 1;
  }
  for (const line of dryrunStatistics(file, stats)) io.stderr.write(`${line}\n`);
  const bytes = (await stat(file)).size;
  if (args.dryrun) {
    io.stdout.write(`${JSON.stringify({ dryrun: true, file, bytes, stats })}\n`);
    return 0;
  }

  const key = args.key || path.basename(file);
  const bucket = args.bucket as string;
  const s3 = s3Client(awsSettingsFromEnv(io.env));
  const bar = new ProgressBar(io.stderr, `s3://${bucket}/${key}`);
  try {
    const result = await uploadRawFile(s3, {
      file,
      bucket,
      key,
      partSize: partSizeMib === undefined ? undefined : partSizeMib * 1024 * 1024,
      metadata: args.well ? { [WELL_METADATA]: args.well } : undefined,
      onProgress: (loaded, total) => bar.update(loaded, total),
    });
    bar.finish();
    const line = `${JSON.stringify({ dryrun: false, file, ...result, durationMs: Date.now() - started, stats })}\n`;
    io.stdout.write(line);
    if (args['result-file']) await writeFile(args['result-file'], line);
    return 0;
  } catch (err) {
    bar.finish();
    io.stderr.write(`upload: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    s3.destroy();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`upload: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
