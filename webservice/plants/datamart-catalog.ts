/** Which yearly datamarts the bucket holds, and which version (ETag) of each: one ListObjectsV2 walk. */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DATAMART_PREFIX, yearOfDatamartKey } from '../../core/egrid/datamart-layout';

export interface DatamartObject {
  key: string;
  etag: string;
}

export async function listDatamarts(s3: S3Client, bucket: string): Promise<Map<number, DatamartObject>> {
  const found = new Map<number, DatamartObject>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: DATAMART_PREFIX, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const year = object.Key === undefined ? undefined : yearOfDatamartKey(object.Key);
      if (year !== undefined && object.Key !== undefined) found.set(year, { key: object.Key, etag: object.ETag ?? '' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** The object's bytes and the ETag of exactly those bytes; undefined when the object is gone. */
export async function fetchDatamart(s3: S3Client, bucket: string, key: string): Promise<{ bytes: Uint8Array; etag: string | undefined } | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error(`GetObject s3://${bucket}/${key} returned no body`);
    return { bytes: await response.Body.transformToByteArray(), etag: response.ETag };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw err;
  }
}
