/**
 * The project's two ETLs, end to end through the emulators: the sample file is uploaded to the raw
 * bucket (not timed), then the built Lambda turns it into the datamart / the table's rows (timed).
 */
import { createReadStream } from 'node:fs';
import { Upload } from '@aws-sdk/lib-storage';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client, type AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import type { EgridEtlSummary } from '../core/egrid/etl';
import type { IngestSummary } from '../core/well/ingest';
import { createWellTable } from '../core/well/store';
import { runLambda } from './lambda-run';
import { WELL_CSV, WORKBOOK } from './paths';

export interface EtlFigures {
  rows: number;
  /** The handler's own duration (read from S3, transform, write): the work itself. */
  workMs: number;
  /** Lambda process start to result. */
  wallMs: number;
  peakRssMb: number | undefined;
}

/** Creates the buckets unless they exist and uploads the sample (not timed). */
async function upload(aws: AwsSettings, buckets: string[], bucket: string, key: string, file: string): Promise<void> {
  const s3 = s3Client(aws);
  try {
    for (const b of buckets) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: b }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      }
    }
    // Streamed: the larger samples are hundreds of MB.
    await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
  } finally {
    s3.destroy();
  }
}

export async function runOurEgridEtl(config: ChallengeConfig, aws: AwsSettings, logDir: string): Promise<EtlFigures & { summary: EgridEtlSummary }> {
  const datamarts = config.datamarts_bucket;
  if (!datamarts) throw new Error('challenge-1 config.yml has no datamarts_bucket');
  await upload(aws, [config.raw_bucket, datamarts], config.raw_bucket, config.raw_key, WORKBOOK);
  const run = await runLambda(config, aws, { bucket: config.raw_bucket, key: config.raw_key }, { DATAMARTS_BUCKET: datamarts }, path.join(logDir, 'lambda-egrid.log'));
  const summary = run.result as EgridEtlSummary;
  return { rows: summary.keptRows, workMs: summary.durationMs, wallMs: run.wallMs, peakRssMb: run.peakRssMb, summary };
}

/** `well` defaults to the configured well id (the one the service's frames read). */
export async function runOurWellEtl(
  config: ChallengeConfig,
  aws: AwsSettings,
  logDir: string,
  well = config.well_id,
  input: { file: string; key: string } = { file: WELL_CSV, key: config.raw_key },
): Promise<EtlFigures & { summary: IngestSummary }> {
  const table = config.table_name;
  if (!table) throw new Error('challenge-2 config.yml has no table_name');
  await upload(aws, [config.raw_bucket], config.raw_bucket, input.key, input.file);
  const dynamo = dynamoClient(aws);
  try {
    await createWellTable(dynamo, table);
  } finally {
    dynamo.destroy();
  }
  const event = { bucket: config.raw_bucket, key: input.key, well };
  const run = await runLambda(config, aws, event, { TABLE_NAME: table, IMAGES_SIZE: String(config.images_size ?? 150) }, path.join(logDir, 'lambda-well.log'));
  const summary = run.result as IngestSummary;
  return { rows: summary.rowsWritten, workMs: summary.durationMs, wallMs: run.wallMs, peakRssMb: run.peakRssMb, summary };
}
