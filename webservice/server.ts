/**
 * The web service's main (bundled to build/webservice/server.cjs): configuration from the
 * environment, the backends of the enabled route groups, the HTTP server, and a graceful stop on
 * SIGTERM/SIGINT (no new connections, in-flight requests finish, backends closed). CommonJS bundle:
 * no import.meta here.
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { serviceConfigFromEnv, type ServiceConfig } from './config';
import type { Services } from './services';
import { createDynamoImagerBackend } from './imagers/dynamo-backend';
import { createS3PlantsBackend } from './plants/s3-backend';
import { createLogger, errorMessage } from '../core/log';

const log = createLogger('webservice');

/** In-flight requests get this long after a stop signal before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

interface MaybeClosable {
  close?: () => unknown;
}

async function createServices(config: ServiceConfig): Promise<Services> {
  const services: Services = { config };
  if (config.routes.includes('imagers')) services.imagers = await createDynamoImagerBackend(config);
  if (config.routes.includes('plants')) services.plants = await createS3PlantsBackend(config);
  return services;
}

async function closeServices(services: Services): Promise<void> {
  for (const backend of [services.imagers, services.plants] as (MaybeClosable | undefined)[]) {
    if (typeof backend?.close !== 'function') continue;
    try {
      await backend.close();
    } catch (err) {
      log.warn('closing a backend failed', { error: errorMessage(err) });
    }
  }
}

function listen(server: Server, config: ServiceConfig): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${config.host}:${config.port}`;
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${where} is already in use (set PORT)` : `cannot listen on ${where}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function stopOnSignals(server: Server, services: Services): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    const force = setTimeout(() => {
      log.warn('requests still running after the grace period, closing their connections', { graceMs: SHUTDOWN_GRACE_MS });
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      void closeServices(services).then(() => {
        log.info('stopped', { signal });
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Requests Node's HTTP parser rejects before Express sees them (oversized headers, malformed request
 * lines) still get the API's error shape: a status and a {"detail"} body.
 */
function answerParserErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, reason, detail] =
      err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'Request headers are too large'] : [400, 'Bad Request', 'Malformed HTTP request'];
    const body = JSON.stringify({ detail });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

async function main(): Promise<void> {
  // The build puts the pages beside this bundle (infrastructure/build/pages.ts). Run from source as an ES
  // module (tsx, the reliability tests) there is no __dirname and no built pages beside it: PAGES_DIR or none.
  const besideBundle = typeof __dirname === 'string' ? path.join(__dirname, 'pages') : undefined;
  const config = { pagesDir: besideBundle, ...dropUndefined(serviceConfigFromEnv()) };
  const services = await createServices(config);
  const server = createServer(createApp(services));
  answerParserErrors(server);
  const address = await listen(server, config);
  stopOnSignals(server, services);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info('listening', { url, docs: `${url}/docs`, routes: config.routes, pid: process.pid });
}

main().catch((err: unknown) => {
  log.error('the web service could not start', { error: errorMessage(err) });
  process.exit(1);
});
