/**
 * challenge-1 ETL Lambda: `{bucket, key, year?}` (the original's event) or an S3 notification ->
 * the year's Parquet datamart in DATAMARTS_BUCKET. Returns the run's summary (one per source object
 * as `{results}` when a notification carries several); a rejected workbook fails the invocation with
 * the error naming what is missing.
 */
import { runEgridEtl, type EgridEtlSummary } from '../core/egrid/etl';
import { invocationS3Client } from './clients';
import { isNotification, sourceObjects } from './events';
import { recordingRuns } from './run-records';

export type EgridHandlerResult = EgridEtlSummary | { results: EgridEtlSummary[] };

/** Each run on upload is recorded for make (run-records.ts). */
export const handler = recordingRuns(async (event: unknown): Promise<EgridHandlerResult> => {
  const datamartsBucket = process.env.DATAMARTS_BUCKET;
  if (!datamartsBucket) throw new Error('environment variable DATAMARTS_BUCKET is not set');
  const objects = sourceObjects(event);
  const year = yearOfEvent(event);
  const s3 = invocationS3Client();
  const results: EgridEtlSummary[] = [];
  for (const object of objects) {
    // A notification may arrive late or twice: it never replaces a datamart made from a later upload.
    results.push(await runEgridEtl(s3, { sourceBucket: object.bucket, sourceKey: object.key, datamartsBucket, year, onlyIfNewer: isNotification(event) }));
  }
  return results.length === 1 ? results[0] : { results };
}, (results) => ({ results: results.flatMap((r) => ('results' in r ? r.results : [r])) }));

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
