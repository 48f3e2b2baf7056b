import test from 'ava';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startEmulators } from './helpers/emulators';
import { dynamoClient, s3Client } from '../core/aws/clients';

test('s3rver round-trips an object through the shared S3 client (checksum quirk handled)', async (t) => {
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const s3 = s3Client(emu.settings);
  await s3.send(new CreateBucketCommand({ Bucket: 'roundtrip' }));
  const body = Buffer.from('depth,col1\n9000.1,1.0\n');
  await s3.send(new PutObjectCommand({ Bucket: 'roundtrip', Key: 'a/b.csv', Body: body }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'roundtrip', Key: 'a/b.csv' }));
  t.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
});

test('s3 emulator answers GetBucketPolicy as a store without policies (404 NoSuchBucketPolicy)', async (t) => {
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const res = await fetch(`${emu.settings.s3Endpoint}/any-bucket?policy`);
  t.is(res.status, 404);
  t.regex(await res.text(), /NoSuchBucketPolicy/);
});

test('dynalite answers the shared DynamoDB client', async (t) => {
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const db = dynamoClient(emu.settings);
  await db.send(
    new CreateTableCommand({
      TableName: 'probe',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'well', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'well', KeyType: 'HASH' }],
    }),
  );
  const tables = await db.send(new ListTablesCommand({}));
  t.deepEqual(tables.TableNames, ['probe']);
});
