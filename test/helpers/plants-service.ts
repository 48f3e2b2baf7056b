/**
 * The plant routes over real HTTP with the S3 backend against the S3 emulator: datamarts are put in a
 * bucket with encodeDatamart, exactly where the ETL writes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../core/aws/clients';
import { encodeDatamart } from '../../core/egrid/datamart-codec';
import { datamartKey } from '../../core/egrid/datamart-layout';
import type { PlantRecord } from '../../core/egrid/types';
import { transformPlants } from '../../core/egrid/transform';
import type { PlantSheetRow } from '../../core/egrid/workbook';
import { createApp } from '../../webservice/app';
import { serviceConfigFromEnv, type ServiceConfig } from '../../webservice/config';
import { createS3PlantsBackend, type S3PlantsBackend, type S3PlantsOptions } from '../../webservice/plants/s3-backend';
import type { TestEmulators } from './emulators';
import { readGoldenDatamart } from './egrid-golden';
import { serve } from './http';

/**
 * The golden datamart as PlantRecords. The CSV has no fuel column (null here) and rounds the shares to
 * 10 digits, so the shares are recomputed from the generation by the ETL's own transform.
 */
export async function goldenPlantRecords(csvFile: string): Promise<PlantRecord[]> {
  const golden = await readGoldenDatamart(csvFile);
  const rows: PlantSheetRow[] = golden.map((g, i) => ({
    row: i + 2,
    plantId: g.plant_id,
    name: g.plant_name,
    state: g.state,
    generation: g.annual_netgen_abs,
    lat: g.lat,
    lon: g.lon,
    fuel: null,
  }));
  return transformPlants(rows).plants;
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putDatamart(s3: S3Client, bucket: string, year: number, plants: readonly PlantRecord[]): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: datamartKey(year), Body: encodeDatamart(plants), ContentType: 'application/vnd.apache.parquet' }));
}

export interface PlantsService {
  url: string;
  backend: S3PlantsBackend;
  config: ServiceConfig;
  close(): Promise<void>;
}

/** Serves the plant routes of `bucket`, with a cache folder of its own unless one is given. */
export interface ServePlantsOptions extends S3PlantsOptions {
  cacheDir?: string;
  /** The service's environment beyond the bucket and cache (CORS_ORIGINS, PAGES_DIR, ...). */
  env?: NodeJS.ProcessEnv;
}

export async function servePlants(emulators: TestEmulators, bucket: string, options: ServePlantsOptions = {}): Promise<PlantsService> {
  const cacheDir = options.cacheDir ?? (await mkdtemp(path.join(tmpdir(), 'plants-cache-')));
  const config: ServiceConfig = {
    ...serviceConfigFromEnv({ SERVICE_ROUTES: 'plants', DATAMARTS_BUCKET: bucket, CACHE_DIR: cacheDir, ...options.env }),
    aws: { ...emulators.settings, maxAttempts: 1 },
  };
  const backend = createS3PlantsBackend(config, { warm: false, ...options });
  const served = await serve(createApp({ config, plants: backend }));
  return {
    url: served.url,
    backend,
    config,
    async close() {
      backend.close();
      await served.close();
      if (!options.cacheDir) await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

export function emulatorS3(emulators: TestEmulators): S3Client {
  return s3Client(emulators.settings);
}
