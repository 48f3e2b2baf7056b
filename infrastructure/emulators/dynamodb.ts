/** Local DynamoDB: dynalite, persisted to a folder (LevelDB) or in memory when no folder is given. */
import type { AddressInfo } from 'node:net';
import type { Server, ServerResponse } from 'node:http';
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
  // dynalite closes its database once its sockets are gone, but a request it is still working on goes on
  // to its next LevelDB call, which then rejects unhandled ("Database is closed") and takes the process
  // down. So a close refuses new requests, lets the ones in flight answer, and only then closes.
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (request, response: ServerResponse) => {
    if (closing) {
      request.socket.destroy();
      return;
    }
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  const drained = async (maxMs: number): Promise<void> => {
    const deadline = Date.now() + maxMs;
    while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: async () => {
      closing = true;
      server.closeIdleConnections();
      await drained(5000);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
