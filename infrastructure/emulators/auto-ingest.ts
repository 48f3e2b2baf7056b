/**
 * ETL on upload for the local target (SPEC §6.3): the local S3's object-created notifications become runs
 * of the built Lambda through the local runner (invoke-local.ts), with the notification as the event.
 *
 * - What runs for which bucket is registered by `make infrastructure` (infrastructure/tools/auto-ingest.ts):
 *   one file per bucket, `<state>/auto-ingest/<bucket>.json` (suffix, artifacts, handler, environment).
 *   A bucket without one, or a key without its suffix, runs nothing.
 * - A bounded pool of workers (AUTO_INGEST_WORKERS, default 3) runs several objects at once, never two
 *   runs of one key at once (a later upload of a key waits for the run of the earlier one).
 * - Each run is recorded under `<state>/auto-ingest/runs/<bucket>/<versionId>.json` (status, result or
 *   error) beside its log (`.log`); `make preprocess` waits on the record of the version it uploaded, and
 *   `make logs` lists them. A repeated delivery of one version runs again (at-least-once delivery: the
 *   ETLs are safe to repeat) and appends to the same log.
 * It lives in the S3 emulator's process (daemon.ts), so stopping that process stops it; Lambda processes
 * still running are killed then.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { AwsSettings } from '../../core/aws/clients';
import { errorMessage } from '../../core/log';
import { invokeLocal, LambdaInvocationError } from '../tools/invoke-local';
import type { S3NotificationRecord } from './s3-notifications';

export interface AutoIngestRegistration {
  bucket: string;
  /** Keys ending with it run the ETL (`.csv`, `.xlsx`). */
  suffix: string;
  challenge: string;
  lambdaZip: string;
  layerZip: string;
  handler: string;
  functionName: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The function's variables (TABLE_NAME, DATAMARTS_BUCKET, ...). */
  environment: Record<string, string>;
  aws: AwsSettings;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface RunRecord {
  bucket: string;
  key: string;
  versionId: string;
  eTag: string;
  eventTime: string;
  status: RunStatus;
  /** Deliveries of this version so far (S3 delivers at least once). */
  deliveries: number;
  queuedAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
  log: string;
}

// ---------------------------------------------------------------------------------------------- layout

export const autoIngestDir = (stateDir: string): string => path.join(stateDir, 'auto-ingest');
export const registrationPath = (stateDir: string, bucket: string): string => path.join(autoIngestDir(stateDir), `${bucket}.json`);
export const runsDir = (stateDir: string, bucket: string): string => path.join(autoIngestDir(stateDir), 'runs', bucket);
const safeName = (versionId: string): string => versionId.replace(/[^A-Za-z0-9._-]/g, '_');
export const runRecordPath = (stateDir: string, bucket: string, versionId: string): string => path.join(runsDir(stateDir, bucket), `${safeName(versionId)}.json`);
export const runLogPath = (stateDir: string, bucket: string, versionId: string): string => path.join(runsDir(stateDir, bucket), `${safeName(versionId)}.log`);

/** Writes JSON so that a reader never sees half a file. */
export function writeJsonAtomically(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 2) + '\n');
  renameSync(temporary, file);
}

export function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined; // being replaced: read again later
  }
}

// ---------------------------------------------------------------------------------------------- worker

interface Job {
  record: S3NotificationRecord;
  registration: AutoIngestRegistration;
  bucket: string;
  key: string;
}

export interface AutoIngestOptions {
  stateDir: string;
  /** Runs at once (default AUTO_INGEST_WORKERS or 3). */
  workers?: number;
  /** Where the worker's own messages go (default: console.error). */
  log?: (message: string) => void;
}

const decodeKey = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

export class AutoIngest {
  private readonly queue: Job[] = [];
  private readonly runningKeys = new Set<string>();
  private readonly runs = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly workers: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: AutoIngestOptions) {
    const configured = options.workers ?? Number(process.env.AUTO_INGEST_WORKERS ?? 3);
    this.workers = Number.isInteger(configured) && configured > 0 ? configured : 3;
    this.log = options.log ?? ((message) => console.error(`${new Date().toISOString()} auto-ingest: ${message}`));
  }

  /** Takes one notification record: queues a run when its bucket is registered and its key has the suffix. */
  deliver(record: S3NotificationRecord): void {
    if (this.stopping.signal.aborted) return;
    const bucket = record.s3.bucket.name;
    const key = decodeKey(record.s3.object.key);
    const registration = readJson<AutoIngestRegistration>(registrationPath(this.options.stateDir, bucket));
    if (!registration || !key.endsWith(registration.suffix)) return;
    const { versionId } = record.s3.object;
    const file = runRecordPath(this.options.stateDir, bucket, versionId);
    const previous = readJson<RunRecord>(file);
    writeJsonAtomically(file, {
      bucket,
      key,
      versionId,
      eTag: record.s3.object.eTag,
      eventTime: record.eventTime,
      status: 'queued',
      deliveries: (previous?.deliveries ?? 0) + 1,
      queuedAt: new Date().toISOString(),
      log: runLogPath(this.options.stateDir, bucket, versionId),
    } satisfies RunRecord);
    this.queue.push({ record, registration, bucket, key });
    this.log(`queued s3://${bucket}/${key} (version ${versionId}) for ${registration.functionName}`);
    this.pump();
  }

  /** Resolves when nothing is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.runs.size > 0 || this.queue.length > 0) await Promise.allSettled([...this.runs]);
  }

  /** Drops what is queued and kills the Lambda processes running. */
  async close(): Promise<void> {
    this.queue.length = 0;
    this.stopping.abort();
    await Promise.allSettled([...this.runs]);
  }

  private pump(): void {
    while (this.runs.size < this.workers) {
      const index = this.queue.findIndex((job) => !this.runningKeys.has(`${job.bucket}/${job.key}`));
      if (index < 0) return;
      const [job] = this.queue.splice(index, 1);
      const slot = `${job!.bucket}/${job!.key}`;
      this.runningKeys.add(slot);
      const run: Promise<void> = this.run(job!).finally(() => {
        this.runningKeys.delete(slot);
        this.runs.delete(run);
        this.pump();
      });
      this.runs.add(run);
    }
  }

  private async run(job: Job): Promise<void> {
    const { registration: r, bucket, key } = job;
    const { versionId } = job.record.s3.object;
    const file = runRecordPath(this.options.stateDir, bucket, versionId);
    const update = (change: Partial<RunRecord>): RunRecord => {
      const record = { ...readJson<RunRecord>(file)!, ...change };
      writeJsonAtomically(file, record);
      return record;
    };
    const started = Date.now();
    const record = update({ status: 'running', startedAt: new Date(started).toISOString() });
    const logs = createWriteStream(record.log, { flags: 'a' });
    logs.write(`${new Date(started).toISOString()} run of ${r.handler} for s3://${bucket}/${key} (version ${versionId}, ETag ${record.eTag}, delivery ${record.deliveries})\n`);
    try {
      const { result, durationMs } = await invokeLocal({
        lambdaZip: r.lambdaZip,
        layerZip: r.layerZip,
        handler: r.handler,
        event: { Records: [job.record] },
        functionName: r.functionName,
        memoryMb: r.memoryMb,
        timeoutSeconds: r.timeoutSeconds,
        environment: { LOG_LEVEL: 'info', ...r.environment },
        aws: r.aws,
        logs,
        signal: this.stopping.signal,
      });
      logs.write(`${new Date().toISOString()} succeeded in ${durationMs} ms: ${JSON.stringify(result)}\n`);
      update({ status: 'succeeded', finishedAt: new Date().toISOString(), durationMs: Date.now() - started, result, error: undefined });
      this.log(`s3://${bucket}/${key} (version ${versionId}): succeeded`);
    } catch (err) {
      const error = err instanceof LambdaInvocationError ? { errorType: err.errorType, errorMessage: err.message } : { errorType: 'Error', errorMessage: errorMessage(err) };
      logs.write(`${new Date().toISOString()} failed: ${error.errorType}: ${error.errorMessage}\n`);
      update({ status: 'failed', finishedAt: new Date().toISOString(), durationMs: Date.now() - started, error, result: undefined });
      this.log(`s3://${bucket}/${key} (version ${versionId}): failed: ${error.errorMessage}`);
    } finally {
      logs.end();
      await once(logs, 'close').catch(() => undefined);
    }
  }
}
