/**
 * The ETL handlers' input: the original's direct event `{bucket, key, ...}` or an S3 event notification
 * (object keys there are URL-encoded, spaces as '+').
 */
export interface SourceObject {
  bucket: string;
  key: string;
}

interface S3NotificationRecord {
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
}

/** An S3 event notification (Records), as opposed to the original's direct event. */
export function isNotification(event: unknown): boolean {
  return typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

export function sourceObjects(event: unknown): SourceObject[] {
  if (typeof event !== 'object' || event === null) throw new Error('event must be an object: {"bucket": ..., "key": ...} or an S3 notification');
  const e = event as { bucket?: unknown; key?: unknown; Records?: unknown };
  if (Array.isArray(e.Records)) {
    return (e.Records as S3NotificationRecord[]).map((record, i) => {
      const bucket = record.s3?.bucket?.name;
      const key = record.s3?.object?.key;
      if (typeof bucket !== 'string' || typeof key !== 'string') throw new Error(`event Records[${i}] is not an S3 notification record (no s3.bucket.name / s3.object.key)`);
      return { bucket, key: decodeURIComponent(key.replace(/\+/g, ' ')) };
    });
  }
  if (typeof e.bucket !== 'string' || e.bucket === '') throw new Error('event.bucket must be a non-empty string');
  if (typeof e.key !== 'string' || e.key === '') throw new Error('event.key must be a non-empty string');
  return [{ bucket: e.bucket, key: e.key }];
}
