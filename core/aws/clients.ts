/**
 * The one place AWS SDK clients are built. Local mode (an endpoint is set) always gets explicit
 * dummy credentials, path-style S3 addressing and no streaming checksums (SPEC §6.1: the SDK's
 * default checksum corrupts uploads to s3rver), so it can never touch a real AWS account.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface AwsSettings {
  region: string;
  /** e.g. http://127.0.0.1:4569 for s3rver; unset on AWS. */
  s3Endpoint?: string;
  /** e.g. http://127.0.0.1:4567 for dynalite; unset on AWS. */
  dynamodbEndpoint?: string;
  /** Only for tests against a mocked Lambda API. */
  lambdaEndpoint?: string;
  /** Retries the SDK makes on its own before an error reaches us. */
  maxAttempts?: number;
}

/** s3rver only accepts the access key it knows; dynalite accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export const DEFAULT_REGION = 'eu-central-1';

/** Settings from the environment: AWS_REGION, S3_ENDPOINT, DYNAMODB_ENDPOINT. */
export function awsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsSettings {
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    lambdaEndpoint: env.LAMBDA_ENDPOINT || undefined,
  };
}

/** The environment variables that carry these settings into a child process (the local Lambda). */
export function awsSettingsToEnv(settings: AwsSettings): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: settings.region };
  if (settings.s3Endpoint) env.S3_ENDPOINT = settings.s3Endpoint;
  if (settings.dynamodbEndpoint) env.DYNAMODB_ENDPOINT = settings.dynamodbEndpoint;
  return env;
}

/**
 * Our clients are built without an SDK `logger`, yet the SDK's loggerMiddleware still walks every
 * command's input and output through the operation schema (schemaLogFilter) to build a log entry for
 * its no-op logger: about 30% of the client CPU of a 500-row imager Query (measured with bench/).
 */
function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export function s3Client(settings: AwsSettings): S3Client {
  if (!settings.s3Endpoint) return withoutSdkLogging(new S3Client({ region: settings.region, maxAttempts: settings.maxAttempts }));
  return withoutSdkLogging(
    new S3Client({
      region: settings.region,
      endpoint: settings.s3Endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: settings.maxAttempts,
    }),
  );
}

export function dynamoClient(settings: AwsSettings): DynamoDBClient {
  if (!settings.dynamodbEndpoint) return withoutSdkLogging(new DynamoDBClient({ region: settings.region, maxAttempts: settings.maxAttempts }));
  return withoutSdkLogging(
    new DynamoDBClient({
      region: settings.region,
      endpoint: settings.dynamodbEndpoint,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: settings.maxAttempts,
    }),
  );
}
