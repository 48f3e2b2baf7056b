/**
 * The service as a deployment enabling both route groups, in this process, over the real backends
 * (S3 datamarts, DynamoDB imager table) pointed at emulators, served on a free port of 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AwsSettings } from '../../../core/aws/clients';
import { createApp } from '../../../webservice/app';
import { serviceConfigFromEnv, type ServiceConfig } from '../../../webservice/config';
import { createDynamoImagerBackend } from '../../../webservice/imagers/dynamo-backend';
import { createS3PlantsBackend, type S3PlantsBackend } from '../../../webservice/plants/s3-backend';
import { serve } from '../../helpers/http';

export interface ServiceOptions {
  bucket: string;
  table: string;
  /** Default: a fresh temporary folder, removed on close. */
  cacheDir?: string;
  /** Datamart listing revalidation period (the service's default is 30 s). */
  revalidateSeconds?: number;
}

export interface RunningService {
  url: string;
  config: ServiceConfig;
  plants: S3PlantsBackend;
  close(): Promise<void>;
}

export async function serveBothGroups(aws: AwsSettings, options: ServiceOptions): Promise<RunningService> {
  const cacheDir = options.cacheDir ?? (await mkdtemp(path.join(tmpdir(), 'reliability-cache-')));
  const config: ServiceConfig = {
    // Strict freshness (no 1 s window): these tests re-ingest from other processes and read at once.
    ...serviceConfigFromEnv({ SERVICE_ROUTES: 'plants,imagers', DATAMARTS_BUCKET: options.bucket, TABLE_NAME: options.table, CACHE_DIR: cacheDir, IMAGERS_MAX_STALENESS_MS: '0' }),
    aws,
  };
  const plants = createS3PlantsBackend(config, { revalidateSeconds: options.revalidateSeconds, warm: true });
  const imagers = createDynamoImagerBackend(config);
  const served = await serve(createApp({ config, plants, imagers }));
  return {
    url: served.url,
    config,
    plants,
    async close() {
      plants.close();
      await served.close();
      if (!options.cacheDir) await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
