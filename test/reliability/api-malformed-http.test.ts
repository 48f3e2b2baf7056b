/**
 * Requests Node's HTTP parser rejects before the application sees them (a request head over its 16 KB
 * limit, a header line without a colon), sent on raw sockets to the service's real main
 * (webservice/server.ts in a child process). The contract is the same as for any bad input: a 4xx with a
 * JSON {"detail"} body, and the service stays up.
 */
import test from 'ava';
import net from 'node:net';
import { startServiceChild, type ServiceChild } from './helpers/children';
import { get } from './helpers/fetching';

let service: ServiceChild;

test.before(async () => {
  // Only the imager routes, over a DynamoDB endpoint nobody listens on: these requests never reach a store.
  service = await startServiceChild({
    aws: { region: 'eu-central-1', dynamodbEndpoint: 'http://127.0.0.1:9' },
    env: { SERVICE_ROUTES: 'imagers', TABLE_NAME: 'imagers' },
  });
});
test.after.always(async () => {
  await service?.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes, reads until the server closes or the answer is complete. */
async function rawRequest(url: string, head: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const received = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(head));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const text = received.toString('utf8');
  const [headText = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...headerLines] = headText.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function isJsonDetail(answer: RawAnswer): boolean {
  if (!(answer.headers['content-type'] ?? '').startsWith('application/json')) return false;
  try {
    return typeof (JSON.parse(answer.body) as { detail?: unknown }).detail === 'string';
  } catch {
    return false;
  }
}

test('a request under the head limit with odd bytes in its target reaches the application: 4xx {"detail"}', async (t) => {
  const answer = await rawRequest(service.url, `GET /imagers/%zz%00?min_depth=%&max_depth=1e999 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.true(answer.status >= 400 && answer.status < 500, `status ${answer.status}`);
  t.true(isJsonDetail(answer), JSON.stringify(answer));
  t.is((await get(`${service.url}/colormaps`)).status, 200, 'the service is still up');
});

/*
 * Requests Node's HTTP parser rejects before Express sees them (a request head over 16 KB, a header line
 * without a colon) get the API's error shape too: server.ts answers them from its 'clientError' handler.
 */
test('a request head over 16 KB gets 431 with a JSON {"detail"} body', async (t) => {
  const answer = await rawRequest(service.url, `GET /colormaps?foo=${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.log(`observed: ${answer.status}, content-type ${answer.headers['content-type'] ?? '(none)'}, body ${JSON.stringify(answer.body.slice(0, 100))}`);
  t.is(answer.status, 431);
  t.true(isJsonDetail(answer), 'the body is {"detail": ...}');
});

test('a malformed header line gets 400 with a JSON {"detail"} body', async (t) => {
  const answer = await rawRequest(service.url, `GET /colormaps HTTP/1.1\r\nHost: x\r\nthis is not a header\r\nConnection: close\r\n\r\n`);
  t.log(`observed: ${answer.status}, content-type ${answer.headers['content-type'] ?? '(none)'}, body ${JSON.stringify(answer.body.slice(0, 100))}`);
  t.is(answer.status, 400);
  t.true(isJsonDetail(answer), 'the body is {"detail": ...}');
});

test('after parser-level rejections the service is still up', async (t) => {
  await rawRequest(service.url, `GET /colormaps?foo=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await rawRequest(service.url, `BREW /coffee HTCPCP/1.0\r\n\r\n`);
  await rawRequest(service.url, `GET /colormaps HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`);
  const answer = await get(`${service.url}/colormaps`);
  t.is(answer.status, 200);
});
