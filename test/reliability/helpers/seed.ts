/**
 * Puts real data where the service reads it, through the project's own ETL code: a well CSV through
 * core/well/ingest (S3 raw bucket → DynamoDB), a workbook through core/egrid/etl (→ Parquet datamart).
 */
import { readFile } from 'node:fs/promises';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client, type AwsSettings } from '../../../core/aws/clients';
import { datamartKey } from '../../../core/egrid/datamart-layout';
import { runEgridEtl, type EgridEtlSummary } from '../../../core/egrid/etl';
import { DEFAULT_IMAGES_SIZE, ingestWell, type IngestSummary } from '../../../core/well/ingest';
import { createWellTable, WellStore } from '../../../core/well/store';
import { createBuckets, putObject } from './datasets';

export const RAW_BUCKET = 'raw';
export const MARTS_BUCKET = 'marts';
export const TABLE = 'imagers';

/** Creates the raw and datamarts buckets and the imager table. */
export async function createStores(aws: AwsSettings): Promise<void> {
  const s3 = s3Client(aws);
  const dynamo = dynamoClient(aws);
  try {
    await createBuckets(s3, RAW_BUCKET, MARTS_BUCKET);
    await createWellTable(dynamo, TABLE);
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
}

export async function seedWell(aws: AwsSettings, well: string, csv: string): Promise<IngestSummary> {
  const s3 = s3Client(aws);
  const dynamo = dynamoClient(aws);
  try {
    const key = `seed/${well}.csv`;
    await putObject(s3, RAW_BUCKET, key, csv);
    const store = new WellStore({ client: dynamo, tableName: TABLE });
    return await ingestWell({ bucket: RAW_BUCKET, key, well }, { s3, store, imagesSize: DEFAULT_IMAGES_SIZE });
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
}

/** Runs the eGRID ETL on a workbook file; `alsoAsYears` get a copy of the datamart under their own keys. */
export async function seedDatamart(aws: AwsSettings, workbookFile: string, alsoAsYears: number[] = []): Promise<EgridEtlSummary> {
  const s3 = s3Client(aws);
  try {
    const key = 'seed/egrid.xlsx';
    await putObject(s3, RAW_BUCKET, key, await readFile(workbookFile));
    const summary = await runEgridEtl(s3, { sourceBucket: RAW_BUCKET, sourceKey: key, datamartsBucket: MARTS_BUCKET });
    for (const year of alsoAsYears) {
      await s3.send(new CopyObjectCommand({ Bucket: MARTS_BUCKET, Key: datamartKey(year), CopySource: `${MARTS_BUCKET}/${summary.datamartKey}` }));
    }
    return summary;
  } finally {
    s3.destroy();
  }
}
