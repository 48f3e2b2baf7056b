import test from 'ava';
import { invocationDynamoClient, invocationS3Client, warmUpClients } from '../lambda/clients';

const LOCAL = { AWS_REGION: 'eu-central-1', S3_ENDPOINT: 'http://127.0.0.1:4569', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567' };

test('warm invocations with the same environment reuse the same clients', (t) => {
  t.is(invocationS3Client({ ...LOCAL }), invocationS3Client({ ...LOCAL }));
  t.is(invocationDynamoClient({ ...LOCAL }), invocationDynamoClient({ ...LOCAL }));
});

test('a changed endpoint or region gets its own client', async (t) => {
  const first = invocationDynamoClient({ ...LOCAL });
  const otherEndpoint = invocationDynamoClient({ ...LOCAL, DYNAMODB_ENDPOINT: 'http://127.0.0.1:4999' });
  const otherRegion = invocationDynamoClient({ ...LOCAL, AWS_REGION: 'us-east-1' });
  t.not(first, otherEndpoint);
  t.not(first, otherRegion);
  t.is(await otherRegion.config.region(), 'us-east-1');
  t.is(invocationS3Client({ ...LOCAL, S3_ENDPOINT: 'http://127.0.0.1:4998' }) === invocationS3Client({ ...LOCAL }), false);
});

test('the init warm-up is best effort: an unreachable DynamoDB or a missing table does not reject it (the ingest reports those)', async (t) => {
  await t.notThrowsAsync(warmUpClients({ ...LOCAL, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', TABLE_NAME: 'missing' }));
  await t.notThrowsAsync(warmUpClients({ ...LOCAL }), 'no table name: nothing to warm');
});
