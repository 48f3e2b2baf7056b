/**
 * What each component of a pipeline does to each of the challenge's resources, as IAM actions. This is
 * the one list the policies are generated from; test/iam-policies.test.ts checks it against the AWS SDK
 * commands the Lambda and the web service bundles actually send, so a new call fails a test instead of
 * failing in production with AccessDenied.
 */
import type { ChallengeConfig } from '../../core/config';

export type Pipeline = 'plants' | 'imagers';

/** Resources a component may touch; each maps to one ARN (see policies.ts). */
export interface ComponentAccess {
  /** The raw bucket itself. */
  rawBucket?: string[];
  /** Objects of the raw bucket. */
  rawObjects?: string[];
  /** The raw bucket's ETL run records (core/etl-runs: objects under RUN_RECORDS_PREFIX only). */
  runRecords?: string[];
  /** The datamarts bucket itself (ListBucket is authorised on the bucket, not its objects). */
  datamartsBucket?: string[];
  /** Objects of the datamarts bucket. */
  datamartsObjects?: string[];
  /** The challenge's DynamoDB table. */
  table?: string[];
}

export interface PipelineAccess {
  lambda: ComponentAccess;
  instance: ComponentAccess;
}

/**
 * Granted though no command sends it: with s3:ListBucket on the raw bucket, a GetObject of a key that is
 * not there answers 404 NoSuchKey (the error says the key is wrong) instead of 403 AccessDenied.
 */
export const RAW_BUCKET_LISTING = 's3:ListBucket';

/** The handler records each run on upload in the raw bucket, under its own prefix (lambda/run-records.ts). */
export const RUN_RECORD_WRITE = 's3:PutObject';

export const ACCESS: Record<Pipeline, PipelineAccess> = {
  plants: {
    lambda: {
      rawBucket: [RAW_BUCKET_LISTING],
      rawObjects: ['s3:GetObject'],
      runRecords: [RUN_RECORD_WRITE],
      // An event-driven run reads the datamart's metadata first (HeadObject → s3:GetObject).
      datamartsObjects: ['s3:GetObject', 's3:PutObject'],
    },
    instance: {
      // HeadObject is authorised by s3:GetObject; listing the years is ListObjectsV2 → s3:ListBucket.
      datamartsBucket: ['s3:ListBucket'],
      datamartsObjects: ['s3:GetObject'],
    },
  },
  imagers: {
    lambda: {
      rawBucket: [RAW_BUCKET_LISTING],
      rawObjects: ['s3:GetObject'],
      runRecords: [RUN_RECORD_WRITE],
      // Re-ingest deletes old rows with BatchWriteItem DeleteRequests, so no DeleteItem.
      table: ['dynamodb:BatchWriteItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    },
    instance: {
      table: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'],
    },
  },
};

/** The Lambda's own log group; the only resource that takes a wildcard (its log streams). */
export const LOG_ACTIONS = {
  group: ['logs:CreateLogGroup'],
  streams: ['logs:CreateLogStream', 'logs:PutLogEvents'],
} as const;

/** Which pipeline a configuration describes: a datamarts bucket (challenge-1) or a table (challenge-2). */
export function pipelineOf(config: Pick<ChallengeConfig, 'challenge' | 'datamarts_bucket' | 'table_name'>): Pipeline {
  if (config.datamarts_bucket && config.table_name) throw new Error(`${config.challenge}: config.yml sets both datamarts_bucket and table_name; a challenge has one store`);
  if (config.datamarts_bucket) return 'plants';
  if (config.table_name) return 'imagers';
  throw new Error(`${config.challenge}: config.yml sets neither datamarts_bucket (challenge-1) nor table_name (challenge-2)`);
}
