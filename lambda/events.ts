/**
 * The ETL handlers' input: the original's direct event `{bucket, key, ...}` or an S3 event notification
 * (object keys there are URL-encoded, spaces as '+').
 */
import type { NotifiedObject } from '../core/etl-runs/record';

export interface SourceObject {
  bucket: string;
  key: string;
  /** From a notification record that names the object's ETag and event time: its run is recorded. */
  notified?: NotifiedObject;
}

interface S3NotificationRecord {
  eventTime?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; eTag?: unknown; versionId?: unknown; sequencer?: unknown } };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** What identifies the object version a record was sent for, when the record says (S3's always do). */
function notifiedObject(record: S3NotificationRecord, bucket: string, key: string): NotifiedObject | undefined {
  const eTag = text(record.s3?.object?.eTag);
  const eventTime = text(record.eventTime);
  if (!eTag || !eventTime || Number.isNaN(Date.parse(eventTime))) return undefined;
  const versionId = text(record.s3?.object?.versionId);
  const sequencer = text(record.s3?.object?.sequencer);
  return { bucket, key, eTag, eventTime, ...(versionId && versionId !== 'null' ? { versionId } : {}), ...(sequencer ? { sequencer } : {}) };
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
      const decoded = decodeURIComponent(key.replace(/\+/g, ' '));
      const notified = notifiedObject(record, bucket, decoded);
      return { bucket, key: decoded, ...(notified ? { notified } : {}) };
    });
  }
  if (typeof e.bucket !== 'string' || e.bucket === '') throw new Error('event.bucket must be a non-empty string');
  if (typeof e.key !== 'string' || e.key === '') throw new Error('event.key must be a non-empty string');
  return [{ bucket: e.bucket, key: e.key }];
}
