/**
 * The ETL function: created when missing, otherwise updated in place — code only when its CodeSha256
 * differs, configuration only when a setting differs — with a wait for Lambda to settle before and after
 * every change (it rejects a change while the previous one is in progress). A second deploy of the
 * same build makes no change.
 */
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type Architecture,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { stageArtifact, type Artifact, type Staging } from './artifact';
import { isAwsError } from './errors';
import { realSleep, waitUntilReady, type WaitOptions } from './wait';

export interface FunctionSpec {
  functionName: string;
  handler: string;
  runtime: string;
  architecture: string;
  memoryMb: number;
  timeoutS: number;
  /** Needed to create the function; on update, changes the role only when given. */
  roleArn?: string;
  environment: Record<string, string>;
  tags: Record<string, string>;
  description: string;
}

export type DeployAction = 'created' | 'updated' | 'unchanged';

export interface DeployedFunction {
  arn: string;
  action: DeployAction;
  codeUpdated: boolean;
  configurationUpdated: boolean;
}

export interface DeployOptions {
  wait: WaitOptions;
  staging?: Staging;
  /** A role created seconds ago is not yet assumable by Lambda; such calls are retried this often. */
  rolePropagation?: { attempts: number; delayMs: number; sleep?: (ms: number) => Promise<void> };
}

const ROLE_PROPAGATION = { attempts: 10, delayMs: 3_000 };

async function getFunction(client: LambdaClient, name: string): Promise<GetFunctionResponse | undefined> {
  try {
    return await client.send(new GetFunctionCommand({ FunctionName: name }));
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
    throw err;
  }
}

function isRoleNotYetAssumable(err: unknown): boolean {
  return isAwsError(err, 'InvalidParameterValueException') && /cannot be assumed/i.test(err instanceof Error ? err.message : '');
}

async function retryingRolePropagation<T>(options: DeployOptions, call: () => Promise<T>): Promise<T> {
  const { attempts, delayMs } = options.rolePropagation ?? ROLE_PROPAGATION;
  const sleep = options.rolePropagation?.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRoleNotYetAssumable(err) || attempt >= attempts) throw err;
      await sleep(delayMs);
    }
  }
}

function sameEnvironment(current: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
  const a = current ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(wanted)]);
  return [...keys].every((k) => a[k] === wanted[k]);
}

/** The configuration fields that differ from the spec (empty: nothing to update). */
export function configurationDrift(current: FunctionConfiguration, spec: FunctionSpec, layerArn: string): string[] {
  const drift: string[] = [];
  if (current.Handler !== spec.handler) drift.push('Handler');
  if (current.Runtime !== spec.runtime) drift.push('Runtime');
  if (current.MemorySize !== spec.memoryMb) drift.push('MemorySize');
  if (current.Timeout !== spec.timeoutS) drift.push('Timeout');
  if (spec.roleArn && current.Role !== spec.roleArn) drift.push('Role');
  const layers = (current.Layers ?? []).map((l) => l.Arn);
  if (layers.length !== 1 || layers[0] !== layerArn) drift.push('Layers');
  if (!sameEnvironment(current.Environment?.Variables, spec.environment)) drift.push('Environment');
  if (current.Description !== spec.description) drift.push('Description');
  return drift;
}

function codeDrift(current: FunctionConfiguration, spec: FunctionSpec, artifact: Artifact): boolean {
  const architecture = current.Architectures?.[0] ?? 'x86_64';
  return current.CodeSha256 !== artifact.sha256 || architecture !== spec.architecture;
}

async function create(client: LambdaClient, spec: FunctionSpec, artifact: Artifact, layerArn: string, options: DeployOptions): Promise<DeployedFunction> {
  if (!spec.roleArn) throw new Error(`Lambda ${spec.functionName} does not exist and no role ARN was given: run the infrastructure step (it creates the role) or pass --role-arn`);
  const roleArn = spec.roleArn;
  const staged = await stageArtifact(artifact, spec.functionName, options.staging);
  let created: FunctionConfiguration;
  try {
    created = await retryingRolePropagation(options, () =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: spec.functionName,
          Description: spec.description,
          Role: roleArn,
          Handler: spec.handler,
          Runtime: spec.runtime as Runtime,
          Architectures: [spec.architecture as Architecture],
          MemorySize: spec.memoryMb,
          Timeout: spec.timeoutS,
          Layers: [layerArn],
          Environment: { Variables: spec.environment },
          Code: staged.source,
          PackageType: 'Zip',
          Tags: spec.tags,
        }),
      ),
    );
  } finally {
    await staged.release();
  }
  const ready = await waitUntilReady(client, spec.functionName, options.wait);
  return { arn: ready.FunctionArn ?? created.FunctionArn ?? spec.functionName, action: 'created', codeUpdated: true, configurationUpdated: true };
}

async function update(client: LambdaClient, current: GetFunctionResponse, spec: FunctionSpec, artifact: Artifact, layerArn: string, options: DeployOptions): Promise<DeployedFunction> {
  let config = await waitUntilReady(client, spec.functionName, options.wait);
  const arn = config.FunctionArn ?? current.Configuration?.FunctionArn ?? spec.functionName;
  const codeUpdated = codeDrift(config, spec, artifact);
  if (codeUpdated) {
    const staged = await stageArtifact(artifact, spec.functionName, options.staging);
    try {
      await client.send(new UpdateFunctionCodeCommand({ FunctionName: spec.functionName, ...staged.source, Architectures: [spec.architecture as Architecture] }));
    } finally {
      await staged.release();
    }
    config = await waitUntilReady(client, spec.functionName, options.wait);
  }
  const drift = configurationDrift(config, spec, layerArn);
  if (drift.length > 0) {
    await retryingRolePropagation(options, () =>
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: spec.functionName,
          Description: spec.description,
          Role: spec.roleArn ?? config.Role,
          Handler: spec.handler,
          Runtime: spec.runtime as Runtime,
          MemorySize: spec.memoryMb,
          Timeout: spec.timeoutS,
          Layers: [layerArn],
          Environment: { Variables: spec.environment },
        }),
      ),
    );
    await waitUntilReady(client, spec.functionName, options.wait);
  }
  const tags = current.Tags ?? {};
  if (Object.entries(spec.tags).some(([k, v]) => tags[k] !== v)) await client.send(new TagResourceCommand({ Resource: arn, Tags: spec.tags }));
  const changed = codeUpdated || drift.length > 0;
  return { arn, action: changed ? 'updated' : 'unchanged', codeUpdated, configurationUpdated: drift.length > 0 };
}

export async function deployFunction(client: LambdaClient, spec: FunctionSpec, artifact: Artifact, layerArn: string, options: DeployOptions): Promise<DeployedFunction> {
  const current = await getFunction(client, spec.functionName);
  return current ? update(client, current, spec, artifact, layerArn, options) : create(client, spec, artifact, layerArn, options);
}
