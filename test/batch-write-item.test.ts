/**
 * BatchWriteItem as signed JSON requests (core/aws/batch-write-item.ts) and the retrying writer over it
 * (core/well/batch-write.ts), against the DynamoDB emulator; DynamoDB's throttling and server errors,
 * which the emulator never gives, are answered at the client's HTTP handler (interceptDynamo) and named
 * so in the titles.
 */
import test from 'ava';
import { Readable } from 'node:stream';
import { GetItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../core/aws/clients';
import { BatchWriteItemSender, toWire } from '../core/aws/batch-write-item';
import { batchWrite } from '../core/well/batch-write';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { interceptDynamo, validationError } from './helpers/dynamo-intercept';
import { freshWellTable, range, tableRows } from './helpers/well-tables';

let emu: TestEmulators;
test.before(async () => {
  emu = await startEmulators();
});
test.after.always(async () => {
  await emu?.close();
});

const put = (well: string, depth: number, image: Uint8Array): WriteRequest => ({ PutRequest: { Item: { well: { S: well }, depth: { N: String(depth) }, image: { B: image } } } });
const del = (well: string, depth: number): WriteRequest => ({ DeleteRequest: { Key: { well: { S: well }, depth: { N: String(depth) } } } });

test('a put through the sender is stored as the SDK would store it: binary bytes, number and string keys', async (t) => {
  const { client, tableName } = await freshWellTable(emu.settings, 'sender');
  const image = Uint8Array.from([0, 1, 127, 128, 255, 10]);
  // A view into a larger buffer: only its own bytes are sent.
  const view = new Uint8Array(16).fill(9).subarray(4, 10);
  view.set(image);
  t.deepEqual(await new BatchWriteItemSender(client).send(tableName, [toWire(put('w', 90001, view))]), []);
  const got = await client.send(new GetItemCommand({ TableName: tableName, Key: { well: { S: 'w' }, depth: { N: '90001' } } }));
  t.deepEqual(got.Item?.image?.B, image);
  t.is(got.Item?.depth?.N, '90001');
});

test('the encoding covers every AttributeValue type the SDK has', (t) => {
  const wire = toWire({
    PutRequest: {
      Item: {
        s: { S: 'x' },
        n: { N: '1.5' },
        b: { B: Uint8Array.from([255]) },
        bool: { BOOL: false },
        nul: { NULL: true },
        ss: { SS: ['a'] },
        ns: { NS: ['2'] },
        bs: { BS: [Uint8Array.from([1, 2])] },
        l: { L: [{ S: 'y' }, { B: Uint8Array.from([0]) }] },
        m: { M: { k: { N: '3' } } },
      },
    },
  });
  t.deepEqual(wire, {
    PutRequest: {
      Item: {
        s: { S: 'x' },
        n: { N: '1.5' },
        b: { B: '/w==' },
        bool: { BOOL: false },
        nul: { NULL: true },
        ss: { SS: ['a'] },
        ns: { NS: ['2'] },
        bs: { BS: ['AQI='] },
        l: { L: [{ S: 'y' }, { B: 'AA==' }] },
        m: { M: { k: { N: '3' } } },
      },
    },
  });
  t.throws(() => toWire({}), { message: 'a WriteRequest needs a PutRequest.Item or a DeleteRequest.Key' });
});

test('DynamoDB errors keep their exception name and say which table: a table that does not exist', async (t) => {
  const client = dynamoClient(emu.settings);
  const err = await t.throwsAsync(new BatchWriteItemSender(client).send('no-such-table', [toWire(put('w', 1, Uint8Array.of(1)))]));
  t.is(err?.name, 'ResourceNotFoundException');
  t.regex(err?.message ?? '', /^BatchWriteItem on table no-such-table: .+ \(ResourceNotFoundException\)$/);
  t.false((err as { retryable?: boolean }).retryable);
});

test('on AWS (no endpoint configured) the request goes to the region endpoint, signed for dynamodb with the session token (answered at the HTTP handler, nothing sent)', async (t) => {
  const client = dynamoClient({ region: 'eu-west-3' });
  Object.assign(client.config, { credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token-1' }) });
  let seen: { hostname?: string; protocol?: string; authorization?: string; token?: string; target?: string } = {};
  interceptDynamo(client, (_operation, request) => {
    seen = { hostname: request.hostname, protocol: request.protocol, authorization: request.headers.authorization, token: request.headers['x-amz-security-token'], target: request.headers['x-amz-target'] };
    return { status: 200, body: {} };
  });
  t.deepEqual(await new BatchWriteItemSender(client).send('t', [toWire(del('w', 1))]), []);
  t.is(seen.hostname, 'dynamodb.eu-west-3.amazonaws.com');
  t.is(seen.protocol, 'https:');
  t.regex(seen.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/dynamodb\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
  t.is(seen.token, 'token-1');
  t.is(seen.target, 'DynamoDB_20120810.BatchWriteItem');
});

test('an answer that is not JSON fails the request, naming the table (answered at the HTTP handler)', async (t) => {
  const client = dynamoClient(emu.settings);
  const handler = client.config.requestHandler;
  handler.handle = async () => ({ response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from('<html>proxy</html>')]) } });
  await t.throwsAsync(new BatchWriteItemSender(client).send('t', [toWire(del('w', 1))]), {
    name: 'InvalidResponse',
    message: 'BatchWriteItem on table t: the answer is not JSON (<html>proxy</html>)',
  });
});

test('the writer sends UnprocessedItems again until DynamoDB takes them (partial answers injected at the HTTP handler)', async (t) => {
  const { client, tableName } = await freshWellTable(emu.settings, 'unprocessed');
  let attempts = 0;
  interceptDynamo(client, (operation) => {
    if (operation !== 'BatchWriteItem' || ++attempts > 1) return undefined;
    // The first attempt: nothing written, everything handed back.
    return { status: 200, body: { UnprocessedItems: { [tableName]: range(0, 25).map((d) => toWire(put('w', d, Uint8Array.of(d)))) } } };
  });
  await batchWrite(
    range(0, 25).map((d) => put('w', d, Uint8Array.of(d))),
    { client, tableName, concurrency: 1, baseDelayMs: 1, label: 'write w' },
  );
  t.is(attempts, 2);
  t.deepEqual((await tableRows(client, tableName)).get('w'), range(0, 25));
});

test('throttling, server errors and lost connections are retried with backoff; a validation error is not (answered at the HTTP handler)', async (t) => {
  const { client, tableName } = await freshWellTable(emu.settings, 'retry');
  const answers = [
    { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
    { status: 500, body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' } },
    'drop',
  ] as const;
  let attempts = 0;
  interceptDynamo(client, (operation) => {
    if (operation !== 'BatchWriteItem') return undefined;
    const answer = answers[attempts++];
    if (answer === 'drop') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return answer;
  });
  await batchWrite([put('w', 1, Uint8Array.of(1)), del('w', 2)], { client, tableName, concurrency: 1, baseDelayMs: 1, label: 'write w' });
  t.is(attempts, 4, 'three failed attempts, then the one that was sent');
  t.deepEqual((await tableRows(client, tableName)).get('w'), [1]);

  const refusing = dynamoClient(emu.settings);
  let refused = 0;
  interceptDynamo(refusing, (operation) => (operation === 'BatchWriteItem' ? (refused++, validationError('Item size has exceeded the maximum allowed size')) : undefined));
  await t.throwsAsync(batchWrite([put('w', 1, Uint8Array.of(1))], { client: refusing, tableName, concurrency: 1, baseDelayMs: 1, label: 'write w' }), {
    name: 'ValidationException',
    message: `BatchWriteItem on table ${tableName}: Item size has exceeded the maximum allowed size (ValidationException)`,
  });
  t.is(refused, 1, 'not retried');
});

test('a server error that lasts fails the write after the last attempt, naming the operation and the error (answered at the HTTP handler)', async (t) => {
  const { client, tableName } = await freshWellTable(emu.settings, 'lasting');
  let attempts = 0;
  interceptDynamo(client, (operation) => (operation === 'BatchWriteItem' ? (attempts++, { status: 503, body: { __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'try later' } }) : undefined));
  await t.throwsAsync(batchWrite([put('w', 1, Uint8Array.of(1))], { client, tableName, concurrency: 1, maxAttempts: 3, baseDelayMs: 1, label: 'write w' }), {
    message: `write w: BatchWriteItem on table ${tableName}: try later (ServiceUnavailable), still after 3 attempts`,
  });
  t.is(attempts, 3);
});
