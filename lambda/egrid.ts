/**
 * challenge-1 ETL Lambda: `{bucket, key, year?}` (the original's event) or an S3 notification ->
 * the year's Parquet datamart in DATAMARTS_BUCKET. Returns the run's summary (one per source object
 * as `{results}` when a notification carries several); a rejected workbook fails the invocation with
 * the error naming what is missing.
 */
import { runEgridEtl, type EgridEtlSummary } from '../core/egrid/etl';
import { invocationS3Client } from './clients';
import { createLogger } from '../core/log';
import { isNotification, sourceObjects } from './events';
import { runEachObject, type InvocationContext } from './run-records';

const logger = createLogger('lambda-egrid');

export type EgridHandlerResult = EgridEtlSummary | { results: EgridEtlSummary[] };

export const handler = async (event: unknown, context?: InvocationContext): Promise<EgridHandlerResult> => {
  const datamartsBucket = process.env.DATAMARTS_BUCKET;
  if (!datamartsBucket) throw new Error('environment variable DATAMARTS_BUCKET is not set');
  const objects = sourceObjects(event);
  const year = yearOfEvent(event);
  const s3 = invocationS3Client();
  // A notification may arrive late or twice: it never replaces a datamart made from a later upload.
  const onlyIfNewer = isNotification(event);
  const results = await runEachObject(objects, context, { s3, logger }, (object) =>
    runEgridEtl(s3, { sourceBucket: object.bucket, sourceKey: object.key, datamartsBucket, year, onlyIfNewer }),
  );
  return results.length === 1 ? results[0] : { results };
};

/** The event's optional `year` (a number or a numeric string, as the original accepted). */
export function yearOfEvent(event: unknown): number | undefined {
  if (typeof event !== 'object' || event === null || !('year' in event)) return undefined;
  const raw = (event as { year: unknown }).year;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const year = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1990 || year > 2089) {
    throw new Error(`event.year must be a four-digit year (1990-2089), got ${JSON.stringify(raw)}`);
  }
  return year;
}
