/**
 * The record of one ETL run on upload (SPEC §6.3): what `make preprocess` waits for on the aws target.
 * The handler writes one per S3-event record it processes, into the raw bucket the object came from,
 * under RUN_RECORDS_PREFIX, at a key derived from the object's key and version (or ETag, when the bucket
 * keeps no versions) and the event's time:
 *
 *   _etl-runs/<object key>/version-<versionId>/<eventTime>.json
 *   _etl-runs/<object key>/etag-<ETag>/<eventTime>.json
 *
 * A repeated delivery of one event (S3 delivers at least once) carries the same version and event time,
 * so it rewrites the same record; two uploads of the same bytes to an unversioned bucket share an ETag but
 * not an event time. The keys end in `.json`, never the raw key's suffix, so a record never notifies the
 * ETL; and the handler ignores keys under the prefix whatever the suffix (isRunRecordKey).
 */

export const RUN_RECORDS_PREFIX = '_etl-runs/';

export type EtlRunStatus = 'running' | 'succeeded' | 'failed';

/** The object an event names, as the notification identifies it. */
export interface NotifiedObject {
  bucket: string;
  /** Decoded (the notification's is URL-encoded). */
  key: string;
  /** Absent (or "null") when the bucket keeps no versions. */
  versionId?: string;
  eTag: string;
  /** When S3 finished creating the object (ISO 8601, milliseconds). */
  eventTime: string;
  sequencer?: string;
}

export interface EtlRunRecord extends NotifiedObject {
  status: EtlRunStatus;
  /** The Lambda request id of the invocation (AWS) or of the local runner. */
  requestId?: string;
  functionName?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
}

const realVersion = (versionId: string | undefined): string | undefined => (versionId && versionId !== 'null' ? versionId : undefined);

/** The folder of one object version's runs: `_etl-runs/<key>/version-<id>/` or `.../etag-<ETag>/`. */
export function runRecordsFolder(object: { key: string; versionId?: string; eTag: string }): string {
  const version = realVersion(object.versionId);
  const id = version ? `version-${version}` : `etag-${object.eTag.replace(/"/g, '')}`;
  return `${RUN_RECORDS_PREFIX}${object.key}/${id}/`;
}

/** `2026-12-02T04:43:17.123Z` → `20261202T044317123Z`: sorts as the time does. */
export function compactTime(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) throw new Error(`event time "${iso}" is not an ISO 8601 time`);
  return time.toISOString().replace(/[-:.]/g, '');
}

export function runRecordKey(object: NotifiedObject): string {
  return `${runRecordsFolder(object)}${compactTime(object.eventTime)}.json`;
}

/** The event time a record key was written for (undefined for a key that is not a record's). */
export function eventTimeOfRecordKey(key: string): string | undefined {
  const match = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z\.json$/.exec(key);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}.${match[7]}Z` : undefined;
}

export const isRunRecordKey = (key: string): boolean => key.startsWith(RUN_RECORDS_PREFIX);

export const isFinished = (record: Pick<EtlRunRecord, 'status'>): boolean => record.status === 'succeeded' || record.status === 'failed';
