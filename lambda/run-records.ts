/**
 * Runs the ETL on each object of an event and, for the objects a notification names, records each run
 * (core/etl-runs: running, then succeeded with the result or failed with the error) in the object's
 * bucket, for `make preprocess` to wait on (SPEC §6.3). A failed run is recorded, then its error is
 * rethrown: the invocation fails as before, so Lambda's own retries and failure destinations still apply.
 * Objects under the records' prefix are never ETL input (a raw key suffix like `.json` would otherwise let
 * a record notify the ETL): they are skipped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { isRunRecordKey, type EtlRunRecord } from '../core/etl-runs/record';
import { writeRunRecord } from '../core/etl-runs/write';
import type { Logger } from '../core/log';
import type { SourceObject } from './events';

/** The fields of Lambda's context object the records use (lambda-local provides them too). */
export interface InvocationContext {
  awsRequestId?: string;
  functionName?: string;
}

export async function runEachObject<T>(
  objects: SourceObject[],
  context: InvocationContext | undefined,
  io: { s3: S3Client; logger: Logger },
  run: (object: SourceObject) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const object of objects) {
    if (isRunRecordKey(object.key)) {
      io.logger.info('skipped: an ETL run record, not input', { bucket: object.bucket, key: object.key });
      continue;
    }
    if (!object.notified) {
      results.push(await run(object));
      continue;
    }
    const started = Date.now();
    const running: EtlRunRecord = {
      ...object.notified,
      status: 'running',
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      ...(context?.functionName ? { functionName: context.functionName } : {}),
      startedAt: new Date(started).toISOString(),
    };
    await writeRunRecord(io.s3, running, io.logger);
    const ended = (): Pick<EtlRunRecord, 'finishedAt' | 'durationMs'> => ({ finishedAt: new Date().toISOString(), durationMs: Date.now() - started });
    let result: T;
    try {
      result = await run(object);
    } catch (err) {
      const error = err instanceof Error ? { errorType: err.name, errorMessage: err.message } : { errorType: 'Error', errorMessage: String(err) };
      await writeRunRecord(io.s3, { ...running, status: 'failed', ...ended(), error }, io.logger);
      throw err;
    }
    await writeRunRecord(io.s3, { ...running, status: 'succeeded', ...ended(), result }, io.logger);
    results.push(result);
  }
  return results;
}
