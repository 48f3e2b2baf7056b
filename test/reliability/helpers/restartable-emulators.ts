/**
 * Emulators that a fault test can stop and start again, one at a time, on the same port and the same
 * state folder (s3rver's object folder, dynalite's LevelDB folder), so a service that keeps its
 * endpoints sees its store disappear and come back with the same data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AwsSettings } from '../../../core/aws/clients';
import { startLocalDynamo } from '../../../infrastructure/emulators/dynamodb';
import { startLocalS3, type RunningEmulator } from '../../../infrastructure/emulators/s3';

export interface RestartableEmulator {
  readonly name: string;
  readonly endpoint: string;
  readonly running: boolean;
  stop(): Promise<void>;
  /** Starts again on the same port and state folder. */
  start(): Promise<void>;
}

type Starter = (port: number) => Promise<RunningEmulator>;

async function restartable(name: string, starter: Starter): Promise<RestartableEmulator> {
  let current: RunningEmulator | undefined = await starter(0);
  const port = current.port;
  const endpoint = current.endpoint;
  return {
    name,
    endpoint,
    get running() {
      return current !== undefined;
    },
    async stop() {
      const running = current;
      current = undefined;
      await running?.close();
    },
    async start() {
      if (current) return;
      try {
        current = await starter(port);
      } catch (err) {
        throw new Error(`${name} emulator could not start again on port ${port} (taken meanwhile by another process?)`, { cause: err });
      }
    },
  };
}

export interface RestartableEmulators {
  settings: AwsSettings;
  s3: RestartableEmulator;
  dynamo: RestartableEmulator;
  close(): Promise<void>;
}

export async function startRestartableEmulators(): Promise<RestartableEmulators> {
  const dir = await mkdtemp(path.join(tmpdir(), 'reliability-emulators-'));
  const s3 = await restartable('S3', (port) => startLocalS3({ port, directory: path.join(dir, 's3') }));
  const dynamo = await restartable('DynamoDB', (port) => startLocalDynamo({ port, directory: path.join(dir, 'dynamodb') }));
  return {
    settings: { region: 'eu-central-1', s3Endpoint: s3.endpoint, dynamodbEndpoint: dynamo.endpoint },
    s3,
    dynamo,
    async close() {
      await Promise.all([s3.stop(), dynamo.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
