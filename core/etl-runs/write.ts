/**
 * Writes run records (record.ts) for the ETL handler: one PutObject each, into the object's own bucket.
 * A record that cannot be written (no permission, S3 unreachable) is logged and never changes the run's
 * outcome: the ETL's result or error is what the invocation returns either way.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, type Logger } from '../log';
import { runRecordKey, type EtlRunRecord } from './record';

export async function writeRunRecord(s3: S3Client, record: EtlRunRecord, logger: Logger): Promise<void> {
  const key = runRecordKey(record);
  try {
    await s3.send(new PutObjectCommand({ Bucket: record.bucket, Key: key, Body: JSON.stringify(record), ContentType: 'application/json' }));
  } catch (err) {
    logger.warn('could not write the run record (make preprocess will not see this run)', { bucket: record.bucket, key, status: record.status, error: errorMessage(err) });
  }
}
