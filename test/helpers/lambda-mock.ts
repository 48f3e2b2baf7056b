/**
 * A MOCK of the Lambda REST API (there is no Lambda emulator): an in-process HTTP server on 127.0.0.1
 * answering the paths @aws-sdk/client-lambda calls, with the behaviour the deploy tool must cope with:
 * a created function is Pending for a few polls, an updated one InProgress, and a change sent before
 * the previous one settled is refused with 409 ResourceConflictException, as Lambda does.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';

export interface MockInvocationResult {
  payload: unknown;
  functionError?: 'Unhandled' | 'Handled';
  log: string;
}

export interface MockFunction {
  config: Record<string, unknown>;
  tags: Record<string, string>;
  /** GetFunctionConfiguration polls left before the current change settles. */
  pollsUntilSettled: number;
  /** 'create' while Pending, 'update' while InProgress. */
  change?: 'create' | 'update';
  /** Set by a test: the function reports State Failed with this reason. */
  failure?: { code: string; reason: string };
}

export interface MockLayerVersion {
  Version: number;
  LayerVersionArn: string;
  CodeSha256: string;
  CompatibleRuntimes: string[];
  CompatibleArchitectures: string[];
  Description?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface LambdaMockOptions {
  /** Polls answering State Pending after CreateFunction. */
  pendingPolls?: number;
  /** Polls answering LastUpdateStatus InProgress after an update. */
  inProgressPolls?: number;
  /** CreateFunction fails this many times with "role cannot be assumed" (a role created seconds ago). */
  roleNotAssumableTimes?: number;
  /** ListLayerVersions page size, small to exercise pagination. */
  layerPageSize?: number;
  invoke?: (fn: MockFunction, event: unknown) => MockInvocationResult;
  /** Resolves Code/Content given as S3Bucket/S3Key (the mock reads the staged zip like Lambda would). */
  fetchS3Object?: (bucket: string, key: string) => Promise<Buffer>;
}

export interface LambdaMock {
  endpoint: string;
  requests: RecordedRequest[];
  functions: Map<string, MockFunction>;
  layers: Map<string, MockLayerVersion[]>;
  /** Requests matching METHOD and a path regex, e.g. calls('PUT', /\/code$/). */
  calls(method: string, path: RegExp): RecordedRequest[];
  close(): Promise<void>;
}

class MockError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('base64');

function functionArn(name: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

function nameOf(ref: string): string {
  const match = /^arn:aws:lambda:[^:]+:\d+:function:([^:]+)/.exec(ref);
  return match ? match[1] : ref;
}

export async function startLambdaMock(options: LambdaMockOptions = {}): Promise<LambdaMock> {
  const requests: RecordedRequest[] = [];
  const functions = new Map<string, MockFunction>();
  const layers = new Map<string, MockLayerVersion[]>();
  let roleRejectionsLeft = options.roleNotAssumableTimes ?? 0;

  async function zipBytes(code: Record<string, unknown>): Promise<Buffer> {
    if (typeof code.ZipFile === 'string') return Buffer.from(code.ZipFile, 'base64');
    if (typeof code.S3Bucket === 'string' && typeof code.S3Key === 'string') {
      if (!options.fetchS3Object) throw new MockError(400, 'InvalidParameterValueException', 'mock has no S3 access configured');
      try {
        return await options.fetchS3Object(code.S3Bucket, code.S3Key);
      } catch {
        throw new MockError(400, 'InvalidParameterValueException', `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: ${code.S3Key}`);
      }
    }
    throw new MockError(400, 'InvalidParameterValueException', 'Code must have ZipFile or S3Bucket/S3Key');
  }

  function settled(fn: MockFunction): boolean {
    return fn.pollsUntilSettled <= 0;
  }

  function view(fn: MockFunction): Record<string, unknown> {
    const state = fn.change === 'create' && !settled(fn) ? 'Pending' : 'Active';
    const update = fn.change === 'update' && !settled(fn) ? 'InProgress' : 'Successful';
    if (fn.failure) return { ...fn.config, State: 'Failed', StateReasonCode: fn.failure.code, StateReason: fn.failure.reason, LastUpdateStatus: 'Failed' };
    return { ...fn.config, State: state, LastUpdateStatus: update };
  }

  function existing(name: string): MockFunction {
    const fn = functions.get(nameOf(name));
    if (!fn) throw new MockError(404, 'ResourceNotFoundException', `Function not found: ${functionArn(nameOf(name))}`);
    return fn;
  }

  function requireSettled(fn: MockFunction): void {
    if (!settled(fn)) {
      const what = fn.change === 'create' ? 'The function is currently in the following state: Pending' : `An update is in progress for resource: ${String(fn.config.FunctionArn)}`;
      throw new MockError(409, 'ResourceConflictException', `The operation cannot be performed at this time. ${what}`);
    }
  }

  function startChange(fn: MockFunction, change: 'create' | 'update'): void {
    fn.change = change;
    fn.pollsUntilSettled = change === 'create' ? (options.pendingPolls ?? 0) : (options.inProgressPolls ?? 0);
  }

  async function route(method: string, url: URL, raw: Buffer, req: IncomingMessage): Promise<{ status: number; body?: unknown; headers?: Record<string, string>; rawBody?: Buffer }> {
    const p = decodeURIComponent(url.pathname);
    const json = (): Record<string, unknown> => (raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {});
    let m: RegExpExecArray | null;

    if (method === 'POST' && p === '/2015-03-31/functions') {
      const body = json();
      const name = String(body.FunctionName);
      if (functions.has(name)) throw new MockError(409, 'ResourceConflictException', `Function already exist: ${name}`);
      if (roleRejectionsLeft > 0) {
        roleRejectionsLeft--;
        throw new MockError(400, 'InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.');
      }
      const zip = await zipBytes(body.Code as Record<string, unknown>);
      const layersArns = (body.Layers as string[] | undefined) ?? [];
      const fn: MockFunction = {
        config: {
          FunctionName: name,
          FunctionArn: functionArn(name),
          Role: body.Role,
          Handler: body.Handler,
          Runtime: body.Runtime,
          Architectures: body.Architectures ?? ['x86_64'],
          MemorySize: body.MemorySize ?? 128,
          Timeout: body.Timeout ?? 3,
          Description: body.Description ?? '',
          Environment: body.Environment ?? { Variables: {} },
          Layers: layersArns.map((Arn) => ({ Arn, CodeSize: 1 })),
          CodeSha256: sha256(zip),
          CodeSize: zip.length,
          PackageType: 'Zip',
        },
        tags: (body.Tags as Record<string, string> | undefined) ?? {},
        pollsUntilSettled: 0,
      };
      startChange(fn, 'create');
      functions.set(name, fn);
      return { status: 201, body: view(fn) };
    }
    if ((m = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/.exec(p))) {
      const fn = existing(m[1]);
      if (method === 'GET') {
        const answer = view(fn);
        if (fn.pollsUntilSettled > 0) fn.pollsUntilSettled--;
        return { status: 200, body: answer };
      }
      if (method === 'PUT') {
        requireSettled(fn);
        const body = json();
        for (const key of ['Role', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Description', 'Environment'] as const) if (body[key] !== undefined) fn.config[key] = body[key];
        if (body.Layers) fn.config.Layers = (body.Layers as string[]).map((Arn) => ({ Arn, CodeSize: 1 }));
        startChange(fn, 'update');
        return { status: 200, body: view(fn) };
      }
    }
    if (method === 'PUT' && (m = /^\/2015-03-31\/functions\/([^/]+)\/code$/.exec(p))) {
      const fn = existing(m[1]);
      requireSettled(fn);
      const body = json();
      const zip = await zipBytes(body);
      fn.config.CodeSha256 = sha256(zip);
      fn.config.CodeSize = zip.length;
      if (body.Architectures) fn.config.Architectures = body.Architectures;
      startChange(fn, 'update');
      return { status: 200, body: view(fn) };
    }
    if (method === 'POST' && (m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(p))) {
      const fn = existing(m[1]);
      requireSettled(fn);
      if (req.headers['x-amz-invocation-type'] !== 'RequestResponse') throw new MockError(400, 'InvalidParameterValueException', 'mock only supports RequestResponse');
      const event = raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : null;
      const result: MockInvocationResult = options.invoke ? options.invoke(fn, event) : { payload: null, log: '' };
      const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
      if (req.headers['x-amz-log-type'] === 'Tail') headers['x-amz-log-result'] = Buffer.from(result.log).toString('base64');
      if (result.functionError) headers['x-amz-function-error'] = result.functionError;
      return { status: 200, headers, rawBody: Buffer.from(JSON.stringify(result.payload)) };
    }
    if ((m = /^\/2015-03-31\/functions\/([^/]+)$/.exec(p))) {
      const fn = existing(m[1]);
      if (method === 'GET') return { status: 200, body: { Configuration: view(fn), Code: { RepositoryType: 'S3', Location: 'https://example.invalid/code' }, Tags: fn.tags } };
      if (method === 'DELETE') {
        functions.delete(nameOf(m[1]));
        return { status: 204 };
      }
    }
    if (method === 'POST' && (m = /^\/2017-03-31\/tags\/(.+)$/.exec(p))) {
      const fn = existing(m[1]);
      Object.assign(fn.tags, (json().Tags as Record<string, string> | undefined) ?? {});
      return { status: 204 };
    }
    if ((m = /^\/2018-10-31\/layers\/([^/]+)\/versions$/.exec(p))) {
      const layerName = m[1];
      const versions = layers.get(layerName) ?? [];
      if (method === 'POST') {
        const body = json();
        const zip = await zipBytes(body.Content as Record<string, unknown>);
        const version = (versions.at(-1)?.Version ?? 0) + 1;
        const entry: MockLayerVersion = {
          Version: version,
          LayerVersionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:${layerName}:${version}`,
          CodeSha256: sha256(zip),
          CompatibleRuntimes: (body.CompatibleRuntimes as string[] | undefined) ?? [],
          CompatibleArchitectures: (body.CompatibleArchitectures as string[] | undefined) ?? [],
          Description: body.Description as string | undefined,
        };
        layers.set(layerName, [...versions, entry]);
        return {
          status: 201,
          body: { LayerArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:${layerName}`, LayerVersionArn: entry.LayerVersionArn, Version: version, Content: { CodeSha256: entry.CodeSha256, CodeSize: zip.length }, CompatibleRuntimes: entry.CompatibleRuntimes, CompatibleArchitectures: entry.CompatibleArchitectures },
        };
      }
      if (method === 'GET') {
        // Newest first, as Lambda lists them; paged by Marker (an index here).
        const newestFirst = [...versions].reverse();
        const start = Number(url.searchParams.get('Marker') ?? '0');
        const size = options.layerPageSize ?? 50;
        const page = newestFirst.slice(start, start + size);
        const next = start + size < newestFirst.length ? String(start + size) : undefined;
        return {
          status: 200,
          body: { LayerVersions: page.map((v) => ({ LayerVersionArn: v.LayerVersionArn, Version: v.Version, CompatibleRuntimes: v.CompatibleRuntimes, CompatibleArchitectures: v.CompatibleArchitectures, Description: v.Description })), NextMarker: next },
        };
      }
    }
    if ((m = /^\/2018-10-31\/layers\/([^/]+)\/versions\/(\d+)$/.exec(p))) {
      const versions = layers.get(m[1]) ?? [];
      const version = versions.find((v) => v.Version === Number(m![2]));
      if (method === 'GET') {
        if (!version) throw new MockError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
        return { status: 200, body: { LayerVersionArn: version.LayerVersionArn, Version: version.Version, Content: { CodeSha256: version.CodeSha256 }, CompatibleRuntimes: version.CompatibleRuntimes, CompatibleArchitectures: version.CompatibleArchitectures } };
      }
      if (method === 'DELETE') {
        // Lambda answers 204 for a version that is already gone.
        layers.set(m[1], versions.filter((v) => v.Version !== Number(m![2])));
        return { status: 204 };
      }
    }
    throw new MockError(404, 'UnknownOperationException', `mock: no route for ${method} ${p}`);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = req.method ?? 'GET';
      let body: unknown = raw.toString('utf8');
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        /* not JSON: keep text */
      }
      requests.push({ method, path: decodeURIComponent(url.pathname), body });
      route(method, url, raw, req).then(
        (out) => {
          res.writeHead(out.status, { 'content-type': 'application/json', ...(out.headers ?? {}) });
          res.end(out.rawBody ?? (out.body === undefined ? '' : JSON.stringify(out.body)));
        },
        (err: unknown) => {
          const e = err instanceof MockError ? err : new MockError(500, 'ServiceException', String(err));
          res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type });
          res.end(JSON.stringify({ Type: 'User', message: e.message }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    functions,
    layers,
    calls: (method, path) => requests.filter((r) => r.method === method && path.test(r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
