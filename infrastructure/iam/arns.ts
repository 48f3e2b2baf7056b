/**
 * ARNs of the resources a challenge owns. Every IAM statement the project writes is scoped to these,
 * so the partition comes from the region (China and GovCloud regions live in their own partitions).
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface ArnContext {
  region: string;
  accountId: string;
}

export function bucketArn(ctx: ArnContext, bucket: string): string {
  return `arn:${partitionOf(ctx.region)}:s3:::${bucket}`;
}

/** Every object of a bucket: object-level actions (GetObject, PutObject) are authorised on these. */
export function bucketObjectsArn(ctx: ArnContext, bucket: string): string {
  return `${bucketArn(ctx, bucket)}/*`;
}

export function tableArn(ctx: ArnContext, table: string): string {
  return `arn:${partitionOf(ctx.region)}:dynamodb:${ctx.region}:${ctx.accountId}:table/${table}`;
}

/** The log group Lambda writes a function's logs to (created on first invocation). */
export function lambdaLogGroupArn(ctx: ArnContext, functionName: string): string {
  return `arn:${partitionOf(ctx.region)}:logs:${ctx.region}:${ctx.accountId}:log-group:/aws/lambda/${functionName}`;
}

/** The log streams of that group: PutLogEvents and CreateLogStream are authorised on these. */
export function lambdaLogStreamsArn(ctx: ArnContext, functionName: string): string {
  return `${lambdaLogGroupArn(ctx, functionName)}:*`;
}

/** The objects under one prefix of a bucket (`raw/_etl-runs/*`). */
export function bucketPrefixArn(ctx: ArnContext, bucket: string, prefix: string): string {
  return `${bucketArn(ctx, bucket)}/${prefix}*`;
}
