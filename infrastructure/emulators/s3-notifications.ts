/**
 * S3 event notifications of the local S3 (SPEC §6.3), made by its front (s3.ts) rather than taken from
 * s3rver's own `event`s: those carry no version id, and an upload must be able to name the run of the
 * object it created, even when the same bytes were uploaded before (same ETag). So every object the
 * front sees created (a PutObject, a CopyObject, a CompleteMultipartUpload answered 200) gets a fresh
 * version id, returned to the writer as `x-amz-version-id` (as a versioned S3 bucket does) and carried
 * in the notification record as `s3.object.versionId`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';

/** One record of an S3 event notification (the fields the ETL handlers and the local worker read). */
export interface S3NotificationRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: 'ObjectCreated:Put' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload';
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; arn: string };
    /** key URL-encoded as S3 sends it (spaces as '+'). */
    object: { key: string; size?: number; eTag: string; versionId: string; sequencer: string };
  };
}

export type ObjectCreatedListener = (record: S3NotificationRecord) => void;

/** The bucket and key of a path-style object request, or undefined. */
function objectOf(req: http.IncomingMessage): { bucket: string; key: string; query: URLSearchParams } | undefined {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = /^\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (!match) return undefined;
  return { bucket: decodeURIComponent(match[1]!), key: decodeURIComponent(match[2]!), query: url.searchParams };
}

/** Which creation this request is, if it creates an object when answered 200. */
export function creationOf(req: http.IncomingMessage): S3NotificationRecord['eventName'] | undefined {
  const target = objectOf(req);
  if (!target) return undefined;
  if (req.method === 'PUT' && !target.query.has('partNumber') && !target.query.has('uploadId') && !target.query.has('tagging') && !target.query.has('acl')) {
    return req.headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put';
  }
  if (req.method === 'POST' && target.query.has('uploadId')) return 'ObjectCreated:CompleteMultipartUpload';
  return undefined;
}

/** S3's key encoding in notifications: URL-encoded, spaces as '+'. */
const encodeKey = (key: string): string => encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');

let sequence = 0;

/** The notification record of a creation answered with this ETag. */
export function notificationRecord(
  req: http.IncomingMessage,
  eventName: S3NotificationRecord['eventName'],
  created: { eTag: string; versionId: string; size?: number },
  region: string,
): S3NotificationRecord {
  const target = objectOf(req)!;
  // Increasing per key as S3's sequencer is (hex, compared as strings of equal length).
  const sequencer = `${Date.now().toString(16).toUpperCase().padStart(12, '0')}${(++sequence % 0x10000).toString(16).toUpperCase().padStart(4, '0')}`;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: new Date().toISOString(),
    eventName,
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'local-auto-ingest',
      bucket: { name: target.bucket, arn: `arn:aws:s3:::${target.bucket}` },
      object: { key: encodeKey(target.key), ...(created.size === undefined ? {} : { size: created.size }), eTag: created.eTag, versionId: created.versionId, sequencer },
    },
  };
}

export const newVersionId = (): string => randomUUID().replace(/-/g, '');

/** The ETag of an answer: its header (PutObject), or the <ETag> of its XML body (copy, multipart completion). */
export function answeredETag(headers: http.IncomingHttpHeaders, body: Buffer | undefined): string {
  const header = headers.etag;
  const raw = typeof header === 'string' ? header : /<ETag>([^<]*)<\/ETag>/.exec(body?.toString('utf8') ?? '')?.[1] ?? '';
  return raw.replace(/&quot;|&#34;/g, '"').replace(/^"|"$/g, '');
}
