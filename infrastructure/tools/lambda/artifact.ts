/**
 * A zip to hand to Lambda (function code or layer content). Lambda takes a zip inline up to 50 MB;
 * larger ones must come from S3 in the function's region, so they are staged in the challenge's raw
 * bucket under STAGING_PREFIX for the one call and deleted afterwards.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createLogger, errorMessage } from '../../../core/log';

const log = createLogger('lambda-deploy');

/** Lambda's documented limit for a zip uploaded directly in the API call (decimal MB, to stay clear of it). */
export const INLINE_ZIP_LIMIT = 50_000_000;
/** Lambda's limit for function code plus all layers, unzipped; a zip can never be larger than that either. */
export const UNZIPPED_LIMIT = 250 * 1024 * 1024;
export const STAGING_PREFIX = '_lambda-staging/';

export interface Artifact {
  file: string;
  bytes: Buffer;
  /** Base64 SHA-256, as Lambda reports CodeSha256, to detect unchanged code without uploading it. */
  sha256: string;
}

export function readArtifact(file: string): Artifact {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new Error(`${file} not found: run \`make build\` first`);
  }
  if (size > UNZIPPED_LIMIT) throw new Error(`${file} is ${(size / 1e6).toFixed(1)} MB; Lambda code and layers must stay under 250 MB unzipped`);
  const bytes = readFileSync(file);
  return { file, bytes, sha256: createHash('sha256').update(bytes).digest('base64') };
}

/** Where Lambda reads the zip from: inline, or an S3 object that `release` deletes after the call. */
export type CodeSource = { ZipFile: Uint8Array } | { S3Bucket: string; S3Key: string };

export interface StagedCode {
  source: CodeSource;
  release(): Promise<void>;
}

export interface Staging {
  s3: S3Client;
  bucket: string;
  /** Zips above this size go through S3 (default INLINE_ZIP_LIMIT; tests lower it). */
  inlineLimit?: number;
}

export async function stageArtifact(artifact: Artifact, name: string, staging: Staging | undefined): Promise<StagedCode> {
  if (artifact.bytes.length <= (staging?.inlineLimit ?? INLINE_ZIP_LIMIT)) return { source: { ZipFile: artifact.bytes }, release: async () => {} };
  if (!staging) throw new Error(`${artifact.file} is ${(artifact.bytes.length / 1e6).toFixed(1)} MB, over Lambda's 50 MB inline limit, and no staging bucket is configured`);
  const key = `${STAGING_PREFIX}${name}-${artifact.sha256.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}.zip`;
  await staging.s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: key, Body: artifact.bytes }));
  return {
    source: { S3Bucket: staging.bucket, S3Key: key },
    // A leftover staging object is harmless (cleanup empties the bucket); it must not mask the real outcome.
    release: async () => {
      await staging.s3.send(new DeleteObjectCommand({ Bucket: staging.bucket, Key: key })).catch((err: unknown) => {
        log.warn('could not delete staged zip', { bucket: staging.bucket, key, error: errorMessage(err) });
      });
    },
  };
}
