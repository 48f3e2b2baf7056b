/** Load runs with autocannon, single timed requests, and the check that an answer is the right one. */
import autocannon from 'autocannon';
import type { ApiCase } from './cases';
import { totalCpuMs } from './cpu-time';

export interface LoadFigures {
  connections: number;
  durationS: number;
  /** 2xx answers. */
  requests: number;
  /** 2xx answers per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU milliseconds per 2xx answer of the processes serving it (the service, and its store when it has one). */
  serverCpuMsPerRequest?: number;
}

/** `serverPids`: the processes whose CPU time is charged to the answers. */
export async function runLoad(url: string, connections: number, durationSeconds: number, timeoutSeconds: number, serverPids: number[] = []): Promise<LoadFigures> {
  const cpuBefore = totalCpuMs(serverPids);
  const result = await autocannon({ url, connections, duration: durationSeconds, timeout: timeoutSeconds });
  const cpuUsed = totalCpuMs(serverPids) - cpuBefore;
  const ok = result['2xx'];
  return {
    serverCpuMsPerRequest: serverPids.length > 0 && ok > 0 ? cpuUsed / ok : undefined,
    connections,
    durationS: result.duration,
    requests: ok,
    rps: result.duration > 0 ? ok / result.duration : 0,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

export interface Answer {
  ms: number;
  status: number;
  body: Buffer;
}

/** One request, timed from sending it to the last byte of the answer. */
export async function fetchAnswer(url: string, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = Buffer.from(await res.arrayBuffer());
  return { ms: performance.now() - started, status: res.status, body };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What is wrong with an answer to the case, or undefined when it is the right one. */
export function answerProblem(answer: Answer, apiCase: ApiCase): string | undefined {
  const { status, body } = answer;
  if (status !== 200) return `HTTP ${status}: ${body.toString('utf8').slice(0, 200)}`;
  const expect = apiCase.expect;
  if (expect.type === 'png') {
    if (!body.subarray(0, 8).equals(PNG_SIGNATURE)) return 'the answer is not a PNG';
    const height = body.readUInt32BE(20);
    return height === expect.rows ? undefined : `the PNG has ${height} rows, expected ${expect.rows}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the answer is not JSON';
  }
  if (expect.type === 'json-array') {
    if (!Array.isArray(json)) return 'the answer is not a JSON array';
    if (expect.length !== undefined && json.length !== expect.length) return `the answer has ${json.length} items, expected ${expect.length}`;
    if (json.length === 0) return 'the answer is an empty array';
    return undefined;
  }
  const data = (json as { data?: unknown }).data;
  if (!Array.isArray(data)) return 'the answer has no data array';
  if (data.length !== expect.rows) return `the frame has ${data.length} rows, expected ${expect.rows}`;
  const pixel = (data[0] as unknown[][] | undefined)?.[0];
  return Array.isArray(pixel) && pixel.length === 4 ? undefined : 'the frame is not colour-mapped (no RGBA pixels)';
}
