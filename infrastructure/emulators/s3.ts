/**
 * Local S3: s3rver behind a thin HTTP front that answers the few bucket sub-resources s3rver lacks
 * the way S3-compatible stores without that feature do (so Ansible's S3 modules work against it):
 * `?policy` (no policy) and `?versions` (an unversioned bucket's listing). It also makes object PUTs
 * atomic, as S3's are (see forwardWhenComplete), and notifies object creations (s3-notifications.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { DEFAULT_REGION, s3Client } from '../../core/aws/clients';
import { errorMessage } from '../../core/log';
import { answeredETag, creationOf, newVersionId, notificationRecord, type ObjectCreatedListener } from './s3-notifications';

export interface LocalS3Options {
  /** 0 picks a free port. */
  port: number;
  /** Where s3rver keeps buckets and objects. */
  directory: string;
  host?: string;
  /**
   * Called for each object created (SPEC §6.3: S3 event notifications); with it, every created object
   * gets a version id (see s3-notifications.ts).
   */
  onObjectCreated?: ObjectCreatedListener;
  /** The region notification records name (default: the project's default region). */
  region?: string;
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

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `GET /bucket?versions`: the bucket's objects. */
function isListVersions(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.has('versions') && /^\/[^/]+\/?$/.test(url.pathname);
}

/**
 * ListObjectVersions as an unversioned S3 bucket answers it: every object once, VersionId "null"
 * (what `amazon.aws.s3_bucket` lists before deleting a bucket with `force`). Read through s3rver's own
 * ListObjectsV2, all pages, so the answer is never truncated.
 */
async function answerListVersions(req: http.IncomingMessage, res: http.ServerResponse, endpoint: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const bucket = decodeURIComponent(url.pathname.replace(/^\/|\/$/g, ''));
  const prefix = url.searchParams.get('prefix') ?? '';
  const client = s3Client({ region: DEFAULT_REGION, s3Endpoint: endpoint, maxAttempts: 1 });
  const objects: _Object[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
      objects.push(...(page.Contents ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500;
    xmlError(res, status, (err as { name?: string }).name ?? 'InternalError', escapeXml(errorMessage(err)));
    return;
  } finally {
    client.destroy();
  }
  const versions = objects.map(
    (o) =>
      `<Version><Key>${escapeXml(o.Key ?? '')}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>` +
      `<LastModified>${(o.LastModified ?? new Date()).toISOString()}</LastModified><ETag>${escapeXml(o.ETag ?? '')}</ETag>` +
      `<Size>${o.Size ?? 0}</Size><StorageClass>STANDARD</StorageClass></Version>`,
  );
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>` +
      `<MaxKeys>${Math.max(1000, objects.length)}</MaxKeys><IsTruncated>false</IsTruncated>${versions.join('')}</ListVersionsResult>`,
  );
}

/** `PUT /bucket/key`: an object (or part) write, whose body must reach s3rver whole or not at all. */
function isObjectWrite(req: http.IncomingMessage): boolean {
  return req.method === 'PUT' && /^\/[^/?]+\/[^?]/.test(req.url ?? '');
}

/**
 * Forwards a request to s3rver unchanged (same headers, so signatures still verify). A body given here
 * was read whole first; otherwise the request streams through.
 */
interface Upstream {
  port: number;
  agent: http.Agent;
  onObjectCreated?: ObjectCreatedListener;
  region: string;
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream, body?: Buffer): void {
  const creation = upstream.onObjectCreated ? creationOf(req) : undefined;
  const outgoing = http.request({ host: '127.0.0.1', port: upstream.port, agent: upstream.agent, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    if (!creation || answer.statusCode !== 200) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    // A created object: its version id goes back to the writer and into the notification.
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      const answered = Buffer.concat(chunks);
      const versionId = newVersionId();
      res.writeHead(200, { ...answer.headers, 'x-amz-version-id': versionId });
      res.end(answered);
      const size = creation === 'ObjectCreated:Put' ? body?.length : undefined;
      const record = notificationRecord(req, creation, { eTag: answeredETag(answer.headers, answered), versionId, size }, upstream.region);
      try {
        upstream.onObjectCreated!(record);
      } catch (err) {
        console.error(`local S3: object-created listener failed: ${errorMessage(err)}`);
      }
    });
  });
  outgoing.on('error', (err) => {
    if (res.headersSent) res.destroy();
    else xmlError(res, 502, 'InternalError', escapeXml(errorMessage(err)));
  });
  if (body) outgoing.end(body);
  else req.pipe(outgoing);
}

/**
 * s3rver writes an object's file in place as the bytes arrive, so a PUT cut off halfway would leave a
 * truncated object under the previous ETag. Real S3 PUTs are atomic: read the body whole, and forward
 * it only when it arrived complete.
 */
function forwardWhenComplete(req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) !== body.length) {
      xmlError(res, 400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
      return;
    }
    forward(req, res, upstream, body);
  });
}

export async function startLocalS3(options: LocalS3Options): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const s3rver = new S3rver({ directory: options.directory, silent: true });
  const inner = http.createServer(s3rver.callback());
  await listenOn(inner, 0, '127.0.0.1');
  const upstream: Upstream = {
    port: (inner.address() as AddressInfo).port,
    agent: new http.Agent({ keepAlive: true }),
    onObjectCreated: options.onObjectCreated,
    region: options.region ?? DEFAULT_REGION,
  };
  let endpoint = '';
  const server = http.createServer((req, res) => {
    if (isListVersions(req)) void answerListVersions(req, res, endpoint);
    else if (answerUnsupported(req, res)) return;
    else if (isObjectWrite(req)) forwardWhenComplete(req, res, upstream);
    else forward(req, res, upstream);
  });
  await listenOn(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    port,
    close: async () => {
      await Promise.all([closeServer(server), closeServer(inner)]);
      upstream.agent.destroy();
    },
  };
}

function listenOn(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
