/**
 * Records each run on upload (SPEC §6.3): wraps an ETL handler so that every S3-event record of a
 * notification runs on its own and leaves a run record (core/etl-runs: running, then succeeded with the
 * result or failed with the error) in the object's bucket, for `make preprocess` to wait on. Any error of
 * the run (configuration, event, ETL) is recorded, then rethrown: the invocation fails as before, so
 * Lambda's own retries and failure destinations still apply. A direct event (`{bucket, key}`, what a
 * synchronous invoke sends) runs as it is, unrecorded: its caller gets the answer. Objects under the
 * records' prefix are never ETL input (a raw key suffix like `.json` would otherwise let a record notify
 * the ETL): they are skipped.
 */
import { isRunRecordKey, type EtlRunRecord, type NotifiedObject } from '../core/etl-runs/record';
import { writeRunRecord } from '../core/etl-runs/write';
import { createLogger } from '../core/log';
import { invocationS3Client } from './clients';
import { isNotification, sourceObjects } from './events';

const logger = createLogger('run-records');

/** The fields of Lambda's context object the records use (lambda-local provides them too). */
export interface InvocationContext {
  awsRequestId?: string;
  functionName?: string;
}

export type EtlHandler<R> = (event: unknown, context?: InvocationContext) => Promise<R>;

/**
 * `combine` makes one answer of several records' results (S3 sends one record per event; a hand-made
 * event may carry more, or only skipped ones).
 */
export function recordingRuns<R>(run: (event: unknown) => Promise<R>, combine: (results: R[]) => R): EtlHandler<R> {
  return async (event, context) => {
    if (!isNotification(event)) return run(event);
    const results: R[] = [];
    for (const record of (event as { Records: unknown[] }).Records) {
      const single = { ...(event as object), Records: [record] };
      const object = sourceObjects(single)[0]!;
      if (isRunRecordKey(object.key)) {
        logger.info('skipped: an ETL run record, not input', { bucket: object.bucket, key: object.key });
        continue;
      }
      results.push(object.notified ? await recorded(object.notified, context, () => run(single)) : await run(single));
    }
    return results.length === 1 ? results[0]! : combine(results);
  };
}

async function recorded<R>(object: NotifiedObject, context: InvocationContext | undefined, run: () => Promise<R>): Promise<R> {
  const s3 = invocationS3Client();
  const started = Date.now();
  const running: EtlRunRecord = {
    ...object,
    status: 'running',
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
    ...(context?.functionName ? { functionName: context.functionName } : {}),
    startedAt: new Date(started).toISOString(),
  };
  await writeRunRecord(s3, running, logger);
  const ended = (): Pick<EtlRunRecord, 'finishedAt' | 'durationMs'> => ({ finishedAt: new Date().toISOString(), durationMs: Date.now() - started });
  let result: R;
  try {
    result = await run();
  } catch (err) {
    const error = err instanceof Error ? { errorType: err.name, errorMessage: err.message } : { errorType: 'Error', errorMessage: String(err) };
    await writeRunRecord(s3, { ...running, status: 'failed', ...ended(), error }, logger);
    throw err;
  }
  await writeRunRecord(s3, { ...running, status: 'succeeded', ...ended(), result }, logger);
  return result;
}
