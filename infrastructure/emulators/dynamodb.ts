/** Local DynamoDB: dynalite, persisted to a folder (LevelDB) or in memory when no folder is given. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import type { RunningEmulator } from './s3';

export interface LocalDynamoOptions {
  port: number;
  /** LevelDB folder; omit for an in-memory store. */
  directory?: string;
  host?: string;
}

export async function startLocalDynamo(options: LocalDynamoOptions): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = dynalite({ path: options.directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
