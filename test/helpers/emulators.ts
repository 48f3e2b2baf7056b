/** Real S3 and DynamoDB protocol for tests: s3rver and dynalite on free ports of 127.0.0.1. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalS3 } from '../../infrastructure/emulators/s3';
import { startLocalDynamo } from '../../infrastructure/emulators/dynamodb';
import type { AwsSettings } from '../../core/aws/clients';

export interface TestEmulators {
  settings: AwsSettings;
  close(): Promise<void>;
}

export async function startEmulators(): Promise<TestEmulators> {
  const dir = await mkdtemp(path.join(tmpdir(), 'datalake-emulators-'));
  const s3 = await startLocalS3({ port: 0, directory: path.join(dir, 's3') });
  const dynamo = await startLocalDynamo({ port: 0 });
  return {
    settings: { region: 'eu-central-1', s3Endpoint: s3.endpoint, dynamodbEndpoint: dynamo.endpoint },
    async close() {
      await Promise.all([s3.close(), dynamo.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
