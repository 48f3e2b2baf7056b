/**
 * Local S3: s3rver behind a thin HTTP front that answers the few bucket sub-resources s3rver lacks
 * the way S3-compatible stores without that feature do (so Ansible's S3 modules work against it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

export interface LocalS3Options {
  /** 0 picks a free port. */
  port: number;
  /** Where s3rver keeps buckets and objects. */
  directory: string;
  host?: string;
}

export interface RunningEmulator {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

function xmlError(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Bucket sub-resources s3rver answers with 405; a store without them answers "not configured". */
const UNCONFIGURED_SUBRESOURCES: Record<string, [number, string, string]> = {
  policy: [404, 'NoSuchBucketPolicy', 'The bucket policy does not exist'],
};

export function answerUnsupported(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  for (const [param, [status, code, message]] of Object.entries(UNCONFIGURED_SUBRESOURCES)) {
    if (url.searchParams.has(param)) {
      xmlError(res, status, code, message);
      return true;
    }
  }
  return false;
}

export async function startLocalS3(options: LocalS3Options): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const s3rver = new S3rver({ directory: options.directory, silent: true, address: host, port: options.port });
  const handle = s3rver.callback();
  const server = http.createServer((req, res) => {
    if (!answerUnsupported(req, res)) handle(req, res);
  });
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
