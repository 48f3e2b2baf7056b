/**
 * The raw bucket's notification of the ETL function (SPEC §6.3, aws), made idempotently for the
 * aws_notification role:
 *
 *   tsx bucket-notification.ts present --bucket B --id ID --function-arn ARN --suffix .csv
 *   tsx bucket-notification.ts absent  --bucket B --id ID
 *
 * Reads the bucket's notification configuration, replaces (or removes) only the Lambda configuration
 * with this id, keeps every other one, and writes it back only when it differs. Prints {"changed": bool}.
 * A bucket already deleted counts as absent. S3_ENDPOINT (tests only) points the client at a mock.
 * (community.aws.s3_bucket_notification does the same, but names its filter rules "Prefix"/"Suffix",
 * which moto's server, the mock the playbook tests run against, refuses; S3 takes either spelling.)
 */
import { parseArgs } from 'node:util';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  type NotificationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsSettingsFromEnv, s3Client } from '../../core/aws/clients';
import { errorMessage } from '../../core/log';
import { isCliEntry } from '../cli-entry';

export interface NotificationRequest {
  bucket: string;
  id: string;
  state: 'present' | 'absent';
  functionArn?: string;
  suffix?: string;
}

/** The comparable form of a Lambda configuration: rule names and events in one spelling and order. */
function normalized(c: LambdaFunctionConfiguration): string {
  const rules = (c.Filter?.Key?.FilterRules ?? [])
    .filter((r) => (r.Value ?? '') !== '')
    .map((r) => `${String(r.Name).toLowerCase()}=${r.Value}`)
    .sort();
  return JSON.stringify([c.Id, c.LambdaFunctionArn, [...(c.Events ?? [])].sort(), rules]);
}

export async function applyNotification(s3: S3Client, request: NotificationRequest): Promise<{ changed: boolean }> {
  let current: NotificationConfiguration;
  try {
    const out = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: request.bucket }));
    current = { TopicConfigurations: out.TopicConfigurations, QueueConfigurations: out.QueueConfigurations, LambdaFunctionConfigurations: out.LambdaFunctionConfigurations, EventBridgeConfiguration: out.EventBridgeConfiguration };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucket' && request.state === 'absent') return { changed: false };
    throw err;
  }
  const others = (current.LambdaFunctionConfigurations ?? []).filter((c) => c.Id !== request.id);
  const mine = (current.LambdaFunctionConfigurations ?? []).find((c) => c.Id === request.id);
  let wanted: LambdaFunctionConfiguration | undefined;
  if (request.state === 'present') {
    if (!request.functionArn || !request.suffix) throw new Error('present needs --function-arn and --suffix');
    wanted = {
      Id: request.id,
      LambdaFunctionArn: request.functionArn,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: request.suffix }] } },
    };
  }
  if ((mine === undefined && wanted === undefined) || (mine && wanted && normalized(mine) === normalized(wanted))) return { changed: false };
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: request.bucket,
      NotificationConfiguration: { ...current, LambdaFunctionConfigurations: wanted ? [...others, wanted] : others },
    }),
  );
  return { changed: true };
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { bucket: { type: 'string' }, id: { type: 'string' }, 'function-arn': { type: 'string' }, suffix: { type: 'string' } },
  });
  const state = positionals[0];
  if ((state !== 'present' && state !== 'absent') || !values.bucket || !values.id) throw new Error('usage: bucket-notification.ts present|absent --bucket B --id ID [--function-arn ARN --suffix S]');
  const s3 = s3Client(awsSettingsFromEnv());
  try {
    const result = await applyNotification(s3, { state, bucket: values.bucket, id: values.id, functionArn: values['function-arn'], suffix: values.suffix });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    s3.destroy();
  }
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bucket-notification: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
