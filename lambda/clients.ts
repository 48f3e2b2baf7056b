/**
 * The handlers' AWS clients, built once per container and kept across warm invocations (one per
 * settings, read from the environment at each invocation): the connection pool, resolved credentials
 * and endpoint are reused instead of rebuilt, and no socket is torn down between events.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
