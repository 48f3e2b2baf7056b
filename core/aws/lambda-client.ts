/**
 * The Lambda API client, for the deploy tool. Apart from core/aws/clients.ts so the ETL bundles, which
 * import that module, do not pull @aws-sdk/client-lambda into the Lambda layer.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS, type AwsSettings } from './clients';

export function lambdaClient(settings: AwsSettings): LambdaClient {
  if (!settings.lambdaEndpoint) return new LambdaClient({ region: settings.region, maxAttempts: settings.maxAttempts });
  return new LambdaClient({
    region: settings.region,
    endpoint: settings.lambdaEndpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: settings.maxAttempts,
  });
}
