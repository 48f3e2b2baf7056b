/**
 * The aws target's Lambda tool (SPEC §6.2; no AWS CLI needed):
 *
 *   tsx infrastructure/tools/lambda-deploy.ts deploy|invoke|run|clean [CHALLENGE_DIR] [options]
 *
 *   deploy  publish build/layer.zip as a layer version (only when changed), create the function or
 *           update its code/configuration in place, waiting for Lambda to settle between calls
 *   invoke  RequestResponse with the configured event (or --event JSON); prints the log tail on stderr
 *           and the result on stdout; a function error exits non-zero with Lambda's error message
 *   run     deploy, then invoke (`make preprocess TARGET=aws` without auto_ingest, or after a code change only)
 *   clean   delete the function and every version of its layer (already deleted is fine)
 *
 * Options: --role-arn ARN (else $LAMBDA_ROLE_ARN, else build/aws/iam.json written by the aws_iam role),
 * --layer-zip, --function-zip (default build/layer.zip, build/lambda.zip in CHALLENGE_DIR), --event JSON,
 * --env KEY=VALUE (repeatable; replaces the function environment derived from config.yml — make passes
 * the same LAMBDA_EVENT and LAMBDA_ENV it gives the local target).
 * Region and names come from CHALLENGE_DIR/infrastructure/config.yml; credentials from the SDK's default
 * chain. LAMBDA_ENDPOINT (tests only) points the client at a mock.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { s3Client } from '../../core/aws/clients';
import { lambdaClient } from '../../core/aws/lambda-client';
import { loadChallengeConfig, type ChallengeConfig } from '../../core/config';
import { createLogger, errorMessage } from '../../core/log';
import { readArtifact, type Staging } from './lambda/artifact';
import { lambdaDeployment, type LambdaDeployment } from './lambda/deployment';
import { deployFunction, type DeployedFunction } from './lambda/function';
import { invokeFunction, invokeTimeoutMs, LambdaFunctionError, type Invocation } from './lambda/invoke';
import { publishLayer, type PublishedLayer } from './lambda/layer';
import { removeLambda, type Removed } from './lambda/remove';
import { DEFAULT_WAIT, type WaitOptions } from './lambda/wait';
import { isCliEntry } from '../cli-entry';

export { lambdaDeployment, lambdaEnvironment, preprocessEvent } from './lambda/deployment';
export { deployFunction, configurationDrift } from './lambda/function';
export { invokeFunction, invokeTimeoutMs, LambdaFunctionError } from './lambda/invoke';
export { publishLayer, deleteLayerVersions, listLayerVersions } from './lambda/layer';
export { removeLambda } from './lambda/remove';
export { waitUntilReady } from './lambda/wait';

const log = createLogger('lambda-deploy');

/** Written by ansible/roles/aws_iam; read when no role ARN is given. */
export const IAM_OUTPUTS_FILE = path.join('build', 'aws', 'iam.json');

export interface DeployInputs {
  deployment: LambdaDeployment;
  layerZip: string;
  functionZip: string;
  staging?: Staging;
  wait?: WaitOptions;
  rolePropagation?: { attempts: number; delayMs: number; sleep?: (ms: number) => Promise<void> };
}

export interface DeployResult {
  layer: PublishedLayer;
  fn: DeployedFunction;
}

export async function deploy(client: LambdaClient, inputs: DeployInputs): Promise<DeployResult> {
  const layerArtifact = readArtifact(inputs.layerZip);
  const functionArtifact = readArtifact(inputs.functionZip);
  const wait = inputs.wait ?? DEFAULT_WAIT;
  const layer = await publishLayer(client, inputs.deployment.layer, layerArtifact, inputs.staging);
  log.info(layer.published ? 'layer version published' : 'layer unchanged', { arn: layer.arn });
  const fn = await deployFunction(client, inputs.deployment.fn, functionArtifact, layer.arn, { wait, staging: inputs.staging, rolePropagation: inputs.rolePropagation });
  log.info(`function ${fn.action}`, { arn: fn.arn, codeUpdated: fn.codeUpdated, configurationUpdated: fn.configurationUpdated });
  return { layer, fn };
}

export async function invoke(
  client: LambdaClient,
  deployment: LambdaDeployment,
  event: unknown = deployment.event,
  wait: WaitOptions = DEFAULT_WAIT,
  timeoutMs: number = invokeTimeoutMs(deployment.fn.timeoutS),
): Promise<Invocation> {
  return invokeFunction(client, deployment.fn.functionName, event, wait, timeoutMs);
}

export async function clean(client: LambdaClient, deployment: LambdaDeployment): Promise<Removed> {
  return removeLambda(client, deployment.fn.functionName, deployment.layer.layerName);
}

/** --role-arn, then $LAMBDA_ROLE_ARN, then the aws_iam role's output file; undefined if none (fine for an update). */
export function resolveRoleArn(challengeDir: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return flag;
  if (env.LAMBDA_ROLE_ARN) return env.LAMBDA_ROLE_ARN;
  const file = path.join(challengeDir, IAM_OUTPUTS_FILE);
  if (!existsSync(file)) return undefined;
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as { lambda_role_arn?: unknown };
  if (typeof outputs.lambda_role_arn !== 'string' || !outputs.lambda_role_arn.startsWith('arn:')) throw new Error(`${file}: lambda_role_arn is missing or not an ARN`);
  return outputs.lambda_role_arn;
}

function parseEvent(text: string | undefined, fallback: Record<string, string>): unknown {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`--event is not valid JSON: ${errorMessage(err)}`);
  }
}

/** KEY=VALUE pairs (--env), as the local target's invoke tool takes them. */
export function parseEnvironment(pairs: string[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--env "${pair}" is not KEY=VALUE`);
    const key = pair.slice(0, eq);
    if (!/^[a-zA-Z]\w*$/.test(key)) throw new Error(`--env "${pair}": ${key} is not a valid Lambda environment variable name`);
    if (key.startsWith('AWS_')) throw new Error(`--env "${pair}": AWS_* variables are reserved by Lambda`);
    environment[key] = pair.slice(eq + 1);
  }
  return environment;
}

function printInvocation(invocation: Invocation): void {
  if (invocation.logTail) process.stderr.write(`--- Lambda log tail ---\n${invocation.logTail.trimEnd()}\n--- end of log tail ---\n`);
  process.stdout.write(JSON.stringify(invocation.result, null, 2) + '\n');
}

const COMMANDS = ['deploy', 'invoke', 'run', 'clean'] as const;
type Command = (typeof COMMANDS)[number];

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'role-arn': { type: 'string' },
      'layer-zip': { type: 'string' },
      'function-zip': { type: 'string' },
      event: { type: 'string' },
      env: { type: 'string', multiple: true },
    },
  });
  const command = positionals[0] as Command | undefined;
  if (!command || !COMMANDS.includes(command)) throw new Error(`usage: lambda-deploy ${COMMANDS.join('|')} [CHALLENGE_DIR] [--role-arn ARN] [--event JSON]`);
  const challengeDir = path.resolve(positionals[1] ?? '.');
  const config: ChallengeConfig = loadChallengeConfig(challengeDir);
  const deployment = lambdaDeployment(config, resolveRoleArn(challengeDir, values['role-arn']));
  if (values.env) deployment.fn.environment = parseEnvironment(values.env);
  const settings = { region: config.aws_region, lambdaEndpoint: process.env.LAMBDA_ENDPOINT || undefined };
  const client = lambdaClient(settings);
  const s3 = s3Client({ region: config.aws_region });
  try {
    if (command === 'clean') {
      const removed = await clean(client, deployment);
      process.stdout.write(JSON.stringify({ function: deployment.fn.functionName, ...removed }) + '\n');
      return;
    }
    if (command === 'deploy' || command === 'run') {
      const result = await deploy(client, {
        deployment,
        layerZip: path.resolve(challengeDir, values['layer-zip'] ?? 'build/layer.zip'),
        functionZip: path.resolve(challengeDir, values['function-zip'] ?? 'build/lambda.zip'),
        staging: { s3, bucket: config.raw_bucket },
      });
      if (command === 'deploy') process.stdout.write(JSON.stringify({ layer: result.layer, function: result.fn }) + '\n');
    }
    if (command === 'invoke' || command === 'run') {
      log.info('invoking', { function: deployment.fn.functionName });
      printInvocation(await invoke(client, deployment, parseEvent(values.event, deployment.event)));
    }
  } finally {
    client.destroy();
    s3.destroy();
  }
}

if (isCliEntry(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof LambdaFunctionError && err.logTail) process.stderr.write(`--- Lambda log tail ---\n${err.logTail.trimEnd()}\n--- end of log tail ---\n`);
    process.stderr.write(`lambda-deploy: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
