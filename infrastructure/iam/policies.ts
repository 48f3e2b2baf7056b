/**
 * IAM policy documents generated from a challenge's configuration (SPEC §6.2): one role for the Lambda,
 * one for the EC2 instance, each with only the actions of infrastructure/iam/access.ts on the challenge's
 * own bucket, object and table ARNs. Wildcards: the Lambda's own log streams, the objects of an own bucket,
 * and the Lambda's run records (the raw bucket's `_etl-runs/` prefix only).
 */
import type { ChallengeConfig } from '../../core/config';
import { ACCESS, LOG_ACTIONS, pipelineOf, type ComponentAccess } from './access';
import { RUN_RECORDS_PREFIX } from '../../core/etl-runs/record';
import { bucketArn, bucketObjectsArn, bucketPrefixArn, lambdaLogGroupArn, lambdaLogStreamsArn, partitionOf, tableArn, type ArnContext } from './arns';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface TrustStatement {
  Effect: 'Allow';
  Principal: { Service: string };
  Action: 'sts:AssumeRole';
  Condition?: Record<string, Record<string, string>>;
}

export interface TrustDocument {
  Version: '2012-10-17';
  Statement: TrustStatement[];
}

export type PolicyConfig = Pick<ChallengeConfig, 'challenge' | 'raw_bucket' | 'datamarts_bucket' | 'table_name' | 'lambda_function'>;

const ACCOUNT_ID = /^\d{12}$/;

function context(region: string, accountId: string): ArnContext {
  if (!ACCOUNT_ID.test(accountId)) throw new Error(`account id "${accountId}" is not 12 digits`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`region "${region}" is not an AWS region name (e.g. eu-central-1)`);
  return { region, accountId };
}

function required(value: string | undefined, key: string, config: PolicyConfig): string {
  if (!value) throw new Error(`${config.challenge}: config.yml has no ${key}`);
  return value;
}

/** Statements for one component's resource access, one statement per resource. */
function accessStatements(prefix: string, access: ComponentAccess, config: PolicyConfig, ctx: ArnContext): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const add = (sid: string, actions: string[] | undefined, resource: () => string): void => {
    if (actions && actions.length > 0) statements.push({ Sid: `${prefix}${sid}`, Effect: 'Allow', Action: [...actions].sort(), Resource: [resource()] });
  };
  add('RawBucket', access.rawBucket, () => bucketArn(ctx, config.raw_bucket));
  add('RawObjects', access.rawObjects, () => bucketObjectsArn(ctx, config.raw_bucket));
  add('RunRecords', access.runRecords, () => bucketPrefixArn(ctx, config.raw_bucket, RUN_RECORDS_PREFIX));
  add('DatamartsBucket', access.datamartsBucket, () => bucketArn(ctx, required(config.datamarts_bucket, 'datamarts_bucket', config)));
  add('DatamartsObjects', access.datamartsObjects, () => bucketObjectsArn(ctx, required(config.datamarts_bucket, 'datamarts_bucket', config)));
  add('Table', access.table, () => tableArn(ctx, required(config.table_name, 'table_name', config)));
  return statements;
}

export function lambdaPolicy(config: PolicyConfig, region: string, accountId: string): PolicyDocument {
  const ctx = context(region, accountId);
  const access = ACCESS[pipelineOf(config)].lambda;
  return {
    Version: '2012-10-17',
    Statement: [
      ...accessStatements('Etl', access, config, ctx),
      { Sid: 'LogGroup', Effect: 'Allow', Action: [...LOG_ACTIONS.group], Resource: [lambdaLogGroupArn(ctx, config.lambda_function)] },
      { Sid: 'LogStreams', Effect: 'Allow', Action: [...LOG_ACTIONS.streams], Resource: [lambdaLogStreamsArn(ctx, config.lambda_function)] },
    ],
  };
}

export function instancePolicy(config: PolicyConfig, region: string, accountId: string): PolicyDocument {
  const ctx = context(region, accountId);
  return { Version: '2012-10-17', Statement: accessStatements('Service', ACCESS[pipelineOf(config)].instance, config, ctx) };
}

/** Lambda may assume the role only on behalf of this account (confused-deputy guard). */
export function lambdaTrustPolicy(accountId: string): TrustDocument {
  if (!ACCOUNT_ID.test(accountId)) throw new Error(`account id "${accountId}" is not 12 digits`);
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': accountId } } }],
  };
}

export function instanceTrustPolicy(region: string): TrustDocument {
  const service = partitionOf(region) === 'aws-cn' ? 'ec2.amazonaws.com.cn' : 'ec2.amazonaws.com';
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] };
}
