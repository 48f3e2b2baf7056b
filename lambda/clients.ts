/**
 * The handlers' AWS clients, built once per container and kept across warm invocations (one per
 * settings, read from the environment at each invocation): the connection pool, resolved credentials
 * and endpoint are reused instead of rebuilt, and no socket is torn down between events.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsSettingsFromEnv, dynamoClient, s3Client, type AwsSettings } from '../core/aws/clients';

const s3Clients = new Map<string, S3Client>();
const dynamoClients = new Map<string, DynamoDBClient>();

function reused<T>(cache: Map<string, T>, settings: AwsSettings, create: (settings: AwsSettings) => T): T {
  const key = JSON.stringify(settings);
  let client = cache.get(key);
  if (!client) {
    client = create(settings);
    cache.set(key, client);
  }
  return client;
}

export function invocationS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return reused(s3Clients, awsSettingsFromEnv(env), s3Client);
}

export function invocationDynamoClient(env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  return reused(dynamoClients, awsSettingsFromEnv(env), dynamoClient);
}

/** How long the init's warm-up may take before the handler goes on without it. */
const WARM_UP_TIMEOUT_MS = 3000;

/**
 * Work a container does once, in Lambda's init phase (module scope): builds the clients for this
 * environment and sends the table a DescribeTable, so that resolving credentials, region and endpoint,
 * opening the connection and the SDK's first-request set-up are not paid by the first ingest. S3 has no
 * request to send before an event names a bucket: its client resolves its credentials and region.
 * Without a table name (a test importing the handler before configuring it) it does nothing. Best effort:
 * it never rejects, and gives up after a few seconds; a missing table is reported by the ingest itself.
 */
export async function warmUpClients(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const tableName = env.TABLE_NAME;
  if (!tableName) return;
  const s3 = invocationS3Client(env);
  const dynamo = invocationDynamoClient(env);
  const signal = AbortSignal.timeout(WARM_UP_TIMEOUT_MS);
  await Promise.allSettled([s3.config.credentials(), s3.config.region(), dynamo.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal })]);
}
