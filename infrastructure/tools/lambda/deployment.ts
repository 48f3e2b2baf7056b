/**
 * What the aws target deploys for a challenge, derived from its config.yml: the layer, the function
 * (handler, runtime, architecture, memory, timeout, the environment the handlers in lambda/ read) and
 * the event `make preprocess` sends (the original's `{bucket, key}`, plus `well` for challenge-2).
 */
import type { ChallengeConfig } from '../../../core/config';
import { pipelineOf } from '../../iam/access';
import type { FunctionSpec } from './function';
import type { LayerSpec } from './layer';

export interface LambdaDeployment {
  layer: LayerSpec;
  fn: FunctionSpec;
  event: Record<string, string>;
}

const ARCHITECTURES = ['x86_64', 'arm64'];

/** The variables lambda/egrid.ts and lambda/well.ts read (AWS_REGION is Lambda's own and reserved). */
export function lambdaEnvironment(config: ChallengeConfig): Record<string, string> {
  const base = { LOG_LEVEL: 'info' };
  if (pipelineOf(config) === 'plants') return { ...base, DATAMARTS_BUCKET: config.datamarts_bucket ?? '' };
  return { ...base, TABLE_NAME: config.table_name ?? '', IMAGES_SIZE: String(config.images_size ?? 150) };
}

/** The event of the preprocess step: the configured raw object (and, challenge-2, the well it holds). */
export function preprocessEvent(config: ChallengeConfig): Record<string, string> {
  const event: Record<string, string> = { bucket: config.raw_bucket, key: config.raw_key };
  if (pipelineOf(config) === 'imagers' && config.well_id) event.well = config.well_id;
  return event;
}

export function lambdaDeployment(config: ChallengeConfig, roleArn?: string): LambdaDeployment {
  const architecture = config.lambda_architecture || 'x86_64';
  if (!ARCHITECTURES.includes(architecture)) throw new Error(`config.yml lambda_architecture "${architecture}" must be one of ${ARCHITECTURES.join(', ')}`);
  const runtime = config.lambda_runtime || 'nodejs22.x';
  if (!/^nodejs\d+\.x$/.test(runtime)) throw new Error(`config.yml lambda_runtime "${runtime}" is not a Node.js runtime (e.g. nodejs22.x)`);
  const memoryMb = Number(config.lambda_memory_mb ?? 1024);
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) throw new Error(`config.yml lambda_memory_mb ${config.lambda_memory_mb} must be an integer from 128 to 10240`);
  const timeoutS = Number(config.lambda_timeout_s ?? 300);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 900) throw new Error(`config.yml lambda_timeout_s ${config.lambda_timeout_s} must be an integer from 1 to 900`);
  const description = `${config.project} ${config.challenge} ETL, deployed by make`;
  return {
    layer: { layerName: `${config.lambda_function}-deps`, runtime, architecture, description: `${config.project} ${config.challenge} runtime dependencies` },
    fn: {
      functionName: config.lambda_function,
      handler: config.lambda_handler,
      runtime,
      architecture,
      memoryMb,
      timeoutS,
      roleArn,
      environment: lambdaEnvironment(config),
      tags: { project: config.project, challenge: config.challenge },
      description,
    },
    event: preprocessEvent(config),
  };
}
