/**
 * The real data the reliability tests stand on, read in place from ../shared (never copied): slices of
 * the well-imager sample with their golden resized rows, and the eGRID sample workbook.
 */
import { readFile } from 'node:fs/promises';
import type { ExecutionContext } from 'ava';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { requireShared } from '../../helpers/shared';

export interface WellSample {
  /** `depth,col1,...,col200`. */
  header: string;
  /** Data lines of the sample CSV, the trailing empty row excluded. */
  lines: string[];
  /** Golden resized rows, one per data line: [depthTenths, ...150 pixels]. */
  golden: number[][];
}

let wellSample: Promise<WellSample> | undefined;

async function readWellSample(csv: string, goldenCsv: string): Promise<WellSample> {
  const [all, golden] = await Promise.all([readFile(csv, 'utf8'), readFile(goldenCsv, 'utf8')]);
  const [header, ...rest] = all.split(/\r?\n/);
  const lines = rest.filter((line) => line !== '' && !/^,*$/.test(line) && !line.split(',').includes(''));
  const goldenRows = golden
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map(Number));
  if (lines.length !== goldenRows.length) throw new Error(`well sample has ${lines.length} complete rows, golden ${goldenRows.length}`);
  return { header: header!, lines, golden: goldenRows };
}

/** The well sample, or undefined (test already passed/failed by requireShared) when ../shared is missing. */
export async function loadWellSample(t: ExecutionContext): Promise<WellSample | undefined> {
  const csv = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  const golden = requireShared(t, 'golden', 'well_imager_150_pillow_bicubic.csv');
  if (!csv || !golden) return undefined;
  wellSample ??= readWellSample(csv, golden);
  return wellSample;
}

/** Rows [from, to) of the sample as a CSV with its header. */
export function wellSlice(sample: WellSample, from: number, to: number): string {
  return [sample.header, ...sample.lines.slice(from, to)].join('\n') + '\n';
}

/** Golden rows [from, to) as the service's JSON frame fields (no colour map). */
export function goldenFrame(sample: WellSample, from: number, to: number): { depths: number[]; data: number[][] } {
  const rows = sample.golden.slice(from, to);
  return { depths: rows.map((r) => r[0]! / 10), data: rows.map((r) => r.slice(1)) };
}

export function egridWorkbookPath(t: ExecutionContext): string | undefined {
  return requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
}

export async function createBuckets(s3: S3Client, ...buckets: string[]): Promise<void> {
  for (const bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(s3: S3Client, bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}
