/**
 * `make preprocess TARGET=aws` with auto_ingest (SPEC §6.3): the upload notified the ETL function; this
 * waits for the run of exactly the object version the upload created, from the run records the handler
 * writes in the raw bucket (core/etl-runs/record.ts), prints its result, and fails with the ETL's own
 * message when the run failed.
 *
 *   tsx etl-wait.ts CHALLENGE_DIR --upload-result FILE [--start-timeout S] [--poll S]
 *
 * FILE is the upload tool's --result-file (bucket, key, ETag, and the version id, or the object's
 * Last-Modified when the bucket keeps no versions). The run is found by key + version id; without a
 * version, by key + ETag and an event time no earlier than the upload's Last-Modified, so an earlier upload
 * of the same bytes is not taken for it. A repeated delivery of the event rewrites the same record.
 * Gives up, naming what it waited for and the function's CloudWatch log group, when no run was recorded
 * within --start-timeout (default 120 s), or when a run recorded no end within the function's timeout
 * (Lambda ended it: timeout, memory). Function name, timeout and region come from config.yml; S3_ENDPOINT
 * (tests only) points the client at an emulator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { awsSettingsFromEnv, s3Client } from '../../core/aws/clients';
import { loadChallengeConfig } from '../../core/config';
import { eventTimeOfRecordKey, isFinished, runRecordsFolder, type EtlRunRecord } from '../../core/etl-runs/record';
import { errorMessage } from '../../core/log';
import { isCliEntry } from '../cli-entry';
import { reportRunOutcome } from './run-outcome';

export class EtlWaitError extends Error {}

/** What the upload tool recorded (--result-file). */
export interface UploadedObject {
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
  lastModified?: string;
}

export interface EtlFunction {
  functionName: string;
  region: string;
  timeoutS: number;
}

export interface EtlWaitOptions {
  /** How long a run may take to be recorded as started (delivery, cold start). */
  startTimeoutMs: number;
  pollMs?: number;
  /** Beyond the function's timeout before a run still "running" is given up on. */
  endMarginMs?: number;
  /** Called when the run is first seen, and when its status changes. */
  onStatus?: (record: EtlRunRecord) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each S3 request of a poll is abandoned after this long and the poll repeated: the SDK sets no timeout of
 * its own, and a read racing a rewrite of the record (a repeated delivery; the local S3's writes are not
 * atomic) can otherwise wait forever for bytes that never come.
 */
const REQUEST_TIMEOUT_MS = 10_000;
const isAbandoned = (err: unknown): boolean => ['AbortError', 'TimeoutError'].includes((err as { name?: string }).name ?? '');

export const logGroupOf = (fn: EtlFunction): string => `CloudWatch Logs group /aws/lambda/${fn.functionName} (region ${fn.region})`;

/** `s3://b/k (version V)` or `s3://b/k (ETag E, uploaded at T)`. */
export function describeUpload(upload: UploadedObject): string {
  if (upload.versionId) return `s3://${upload.bucket}/${upload.key} (version ${upload.versionId})`;
  return `s3://${upload.bucket}/${upload.key} (ETag ${upload.etag}${upload.lastModified ? `, uploaded at ${upload.lastModified}` : ''})`;
}

/** Record keys of this upload's run, earliest first: every event of the version, or of the ETag since the upload. */
async function candidateKeys(s3: S3Client, upload: UploadedObject, folder: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: upload.bucket, Prefix: folder, ContinuationToken: token }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const since = !upload.versionId && upload.lastModified ? Date.parse(upload.lastModified) : undefined;
  return keys
    .filter((key) => {
      const eventTime = eventTimeOfRecordKey(key);
      return eventTime !== undefined && (since === undefined || Date.parse(eventTime) >= since);
    })
    .sort();
}

async function readRecord(s3: S3Client, bucket: string, key: string): Promise<EtlRunRecord | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return JSON.parse(await out.Body!.transformToString()) as EtlRunRecord;
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey' || err instanceof SyntaxError || isAbandoned(err)) return undefined; // being replaced: read again
    throw err;
  }
}

/** Waits for the recorded run of the uploaded object version; resolves with its record once it has ended. */
export async function waitForRecordedRun(s3: S3Client, upload: UploadedObject, fn: EtlFunction, options: EtlWaitOptions): Promise<EtlRunRecord> {
  const folder = runRecordsFolder({ key: upload.key, versionId: upload.versionId, eTag: upload.etag });
  const object = describeUpload(upload);
  const started = Date.now();
  const endLimitMs = fn.timeoutS * 1000 + (options.endMarginMs ?? 60_000);
  let lastStatus: string | undefined;
  for (;;) {
    const [key] = await candidateKeys(s3, upload, folder).catch((err: unknown) => {
      if (isAbandoned(err)) return [];
      throw err;
    });
    const record = key ? await readRecord(s3, upload.bucket, key) : undefined;
    if (record) {
      if (record.status !== lastStatus) options.onStatus?.(record);
      lastStatus = record.status;
      if (isFinished(record)) return record;
      const runningMs = Date.now() - Date.parse(record.startedAt);
      if (runningMs > endLimitMs) {
        throw new EtlWaitError(
          `the ETL run of ${object} started at ${record.startedAt}${record.requestId ? ` (request id ${record.requestId})` : ''} recorded no end within the function's timeout (${fn.timeoutS} s) and ${(endLimitMs / 1000 - fn.timeoutS).toFixed(0)} s more: Lambda probably ended it (timeout, out of memory). Its log: ${logGroupOf(fn)}; its record: s3://${upload.bucket}/${key}`,
        );
      }
    } else if (Date.now() - started > options.startTimeoutMs) {
      throw new EtlWaitError(
        `no ETL run of ${object} was recorded under s3://${upload.bucket}/${folder} within ${Math.round(options.startTimeoutMs / 1000)} s of waiting: ` +
          `is the raw bucket notifying ${fn.functionName} on upload (auto_ingest: true, then make infrastructure TARGET=aws)? Look at the function's ${logGroupOf(fn)}`,
      );
    }
    await sleep(options.pollMs ?? 2000);
  }
}

function readUpload(file: string): UploadedObject {
  let upload: Partial<UploadedObject>;
  try {
    upload = JSON.parse(readFileSync(file, 'utf8')) as Partial<UploadedObject>;
  } catch (err) {
    throw new EtlWaitError(`${file}: no upload recorded to wait for (run make raw-data): ${errorMessage(err)}`);
  }
  if (typeof upload.bucket !== 'string' || typeof upload.key !== 'string' || typeof upload.etag !== 'string' || upload.etag === '') {
    throw new EtlWaitError(`${file}: not an upload result (bucket, key, etag expected)`);
  }
  return upload as UploadedObject;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'upload-result': { type: 'string' }, 'start-timeout': { type: 'string' }, poll: { type: 'string' } },
  });
  if (!values['upload-result']) throw new EtlWaitError('usage: etl-wait.ts CHALLENGE_DIR --upload-result FILE [--start-timeout S] [--poll S]');
  const config = loadChallengeConfig(path.resolve(positionals[0] ?? '.'));
  const fn: EtlFunction = { functionName: config.lambda_function, region: config.aws_region, timeoutS: config.lambda_timeout_s };
  const upload = readUpload(values['upload-result']);
  const s3 = s3Client({ ...awsSettingsFromEnv(env), region: config.aws_region });
  try {
    process.stderr.write(`preprocess: waiting for the ETL run of ${describeUpload(upload)}, notified on upload\n`);
    const record = await waitForRecordedRun(s3, upload, fn, {
      startTimeoutMs: Number(values['start-timeout'] ?? 120) * 1000,
      pollMs: Number(values.poll ?? 2) * 1000,
      onStatus: (r) => {
        if (r.status === 'running') process.stderr.write(`preprocess: running since ${r.startedAt}${r.requestId ? ` (request id ${r.requestId})` : ''}\n`);
      },
    });
    return reportRunOutcome({
      object: describeUpload(upload),
      failed: record.status === 'failed',
      result: record.result,
      errorMessage: record.error?.errorMessage,
      where: `request id ${record.requestId ?? '-'}; its log: ${logGroupOf(fn)}`,
    });
  } finally {
    s3.destroy();
  }
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`etl-wait: ${errorMessage(err)}\n`);
      process.exitCode = 1;
    },
  );
}
