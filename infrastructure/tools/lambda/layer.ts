/**
 * The dependency layer (build/layer.zip, `nodejs/node_modules/...`). Published as a new version only when
 * its content changed (compared by CodeSha256 with the latest version), so `make` twice publishes once.
 * Every version lives under one layer name derived from the function name, which is how `clean` finds
 * all the versions this project published.
 */
import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  PublishLayerVersionCommand,
  paginateListLayerVersions,
  type Architecture,
  type LambdaClient,
  type LayerVersionsListItem,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { stageArtifact, type Artifact, type Staging } from './artifact';
import { isAwsError } from './errors';

export interface LayerSpec {
  layerName: string;
  runtime: string;
  architecture: string;
  description: string;
}

export interface PublishedLayer {
  arn: string;
  version: number;
  /** False when the latest version already had this content. */
  published: boolean;
}

export async function listLayerVersions(client: LambdaClient, layerName: string): Promise<LayerVersionsListItem[]> {
  const versions: LayerVersionsListItem[] = [];
  try {
    for await (const page of paginateListLayerVersions({ client }, { LayerName: layerName })) versions.push(...(page.LayerVersions ?? []));
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return [];
    throw err;
  }
  return versions;
}

async function latestMatching(client: LambdaClient, spec: LayerSpec, sha256: string): Promise<PublishedLayer | undefined> {
  const versions = await listLayerVersions(client, spec.layerName);
  const latest = versions.reduce<LayerVersionsListItem | undefined>((best, v) => ((v.Version ?? 0) > (best?.Version ?? 0) ? v : best), undefined);
  if (!latest?.Version || !latest.LayerVersionArn) return undefined;
  const fits = (latest.CompatibleRuntimes ?? []).includes(spec.runtime as Runtime) && (latest.CompatibleArchitectures ?? []).includes(spec.architecture as Architecture);
  if (!fits) return undefined;
  const detail = await client.send(new GetLayerVersionCommand({ LayerName: spec.layerName, VersionNumber: latest.Version }));
  if (detail.Content?.CodeSha256 !== sha256) return undefined;
  return { arn: latest.LayerVersionArn, version: latest.Version, published: false };
}

export async function publishLayer(client: LambdaClient, spec: LayerSpec, artifact: Artifact, staging?: Staging): Promise<PublishedLayer> {
  const existing = await latestMatching(client, spec, artifact.sha256);
  if (existing) return existing;
  const staged = await stageArtifact(artifact, spec.layerName, staging);
  try {
    const out = await client.send(
      new PublishLayerVersionCommand({
        LayerName: spec.layerName,
        Description: spec.description,
        Content: staged.source,
        CompatibleRuntimes: [spec.runtime as Runtime],
        CompatibleArchitectures: [spec.architecture as Architecture],
      }),
    );
    if (!out.LayerVersionArn || out.Version === undefined) throw new Error(`PublishLayerVersion for ${spec.layerName} returned no version ARN`);
    return { arn: out.LayerVersionArn, version: out.Version, published: true };
  } finally {
    await staged.release();
  }
}

/** Deletes every version of the layer; returns the version numbers deleted. Absent layer: nothing to do. */
export async function deleteLayerVersions(client: LambdaClient, layerName: string): Promise<number[]> {
  const deleted: number[] = [];
  for (const v of await listLayerVersions(client, layerName)) {
    if (v.Version === undefined) continue;
    try {
      await client.send(new DeleteLayerVersionCommand({ LayerName: layerName, VersionNumber: v.Version }));
    } catch (err) {
      if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    }
    deleted.push(v.Version);
  }
  return deleted;
}
