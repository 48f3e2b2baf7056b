import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../core/aws/clients';
import { dryrunStatistics, main, ProgressBar, uploadRawFile, validateRawFile, type CliIo } from '../infrastructure/tools/upload';
import { startEmulators, type TestEmulators } from './helpers/emulators';
import { PROJECT_ROOT, requireShared } from './helpers/shared';

const BUCKET = 'upload-raw';

let emulators: TestEmulators;
let s3: S3Client;
let scratch: string;

test.before(async () => {
  emulators = await startEmulators();
  s3 = s3Client(emulators.settings);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  scratch = await mkdtemp(path.join(tmpdir(), 'upload-test-'));
});

test.after.always(async () => {
  s3?.destroy();
  await emulators?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function cli(): CliIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture(), env: { AWS_REGION: emulators.settings.region, S3_ENDPOINT: emulators.settings.s3Endpoint } };
}

async function keysIn(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

async function objectSha256(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex');
}

async function fileSha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

const SAMPLE_STATS = {
  kind: 'egrid-workbook',
  sheet: 'PLNT18',
  year: 2018,
  rows: 10965,
  ignored: 2010,
  ignoredMissing: 1832,
  ignoredNegative: 178,
  missing: { plant_id: 1, plant_name: 1, state: 1, annual_netgen: 1832 },
  kept: 8955,
  states: 51,
};

test('dryrun statistics of the sample workbook: rows, rows ignored and why', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!file) return;
  const stats = await validateRawFile(file);
  t.deepEqual(stats, SAMPLE_STATS);
  t.deepEqual(dryrunStatistics(file, stats), [
    'egrid2018_data_v2.xlsx: eGRID workbook, sheet PLNT18 (year 2018)',
    '  rows: 10,965',
    '  rows that will be ignored: 2,010',
    '    missing plant id, name, state or generation: 1,832 (no plant id 1, no name 1, no state 1, no generation 1,832)',
    '    negative annual net generation: 178',
    '  rows that will be loaded: 8,955 plants in 51 states',
  ]);
});

test('--dryrun validates and prints, uploads nothing', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!file) return;
  const io = cli();
  t.is(await main(['--file', file, '--bucket', BUCKET, '--key', 'dry/egrid.xlsx', '--dryrun'], io), 0);
  t.deepEqual(JSON.parse(io.stdout.text), { dryrun: true, file, bytes: statSync(file).size, stats: SAMPLE_STATS });
  t.true(io.stderr.text.includes('rows that will be ignored: 2,010'));
  t.deepEqual(await keysIn('dry/'), []);
});

test('the sample workbook is uploaded whole, with progress and a JSON result line', async (t) => {
  const file = requireShared(t, 'data', 'egrid', 'egrid2018_data_v2.xlsx');
  if (!file) return;
  const io = cli();
  t.is(await main(['--file', file, '--bucket', BUCKET, '--key', 'egrid/egrid2018_data_v2.xlsx'], io), 0, io.stderr.text);
  const result = JSON.parse(io.stdout.text) as Record<string, unknown>;
  t.like(result, { dryrun: false, file, bucket: BUCKET, key: 'egrid/egrid2018_data_v2.xlsx', bytes: statSync(file).size, parts: 1, multipart: false, stats: SAMPLE_STATS });
  t.is(io.stdout.text.trim().split('\n').length, 1);
  t.regex(io.stderr.text, /s3:\/\/upload-raw\/egrid\/egrid2018_data_v2\.xlsx \[#{30}\] 100% 3\.8\/3\.8 MiB\n/);
  t.is(await objectSha256('egrid/egrid2018_data_v2.xlsx'), await fileSha256(file));
});

test('a well CSV above one part goes up as a multipart upload, byte for byte', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  if (!file) return;
  const io = cli();
  t.is(await main(['--file', file, '--bucket', BUCKET, '--key', 'well/well_imager_200.csv', '--part-size-mib', '5'], io), 0, io.stderr.text);
  const result = JSON.parse(io.stdout.text) as { multipart: boolean; parts: number; stats: unknown };
  t.true(result.multipart);
  t.is(result.parts, 2);
  t.like(result.stats, { kind: 'well-csv', width: 200, rows: 5461, ignored: 1, kept: 5460, depthMin: 9000.1, depthMax: 9546 });
  t.true(io.stderr.text.includes('rows that will be ignored: 1 (a value is empty)'));
  t.is(await objectSha256('well/well_imager_200.csv'), await fileSha256(file));
});

for (const variant of ['egrid2018_trimmed_headers_a.xlsx', 'egrid2018_renamed_headers_b.xlsx']) {
  test(`variant ${variant} is rejected with the reason and not uploaded`, async (t) => {
    const file = requireShared(t, 'data', 'egrid', 'variants', variant);
    if (!file) return;
    const io = cli();
    t.is(await main(['--file', file, '--bucket', BUCKET, '--key', `bad/${variant}`], io), 1);
    t.is(io.stdout.text, '');
    t.regex(io.stderr.text, new RegExp(`^upload: rejected, nothing uploaded: ${variant.replace(/\./g, '\\.')}: sheet PLNT18 lacks the eGRID field codes ORISPL`));
    t.deepEqual(await keysIn('bad/'), []);
  });
}

test('a bad well CSV is rejected naming the line; an unknown file type and a missing file too', async (t) => {
  const csv = path.join(scratch, 'bad-well.csv');
  await writeFile(csv, 'depth,col1,col2\n9000.1,1.0,2.0\n9000.2,300.0,2.0\n');
  const io = cli();
  t.is(await main(['--file', csv, '--bucket', BUCKET, '--key', 'bad/bad-well.csv'], io), 1);
  t.regex(io.stderr.text, /^upload: rejected, nothing uploaded: .*bad-well\.csv.*line 3/);

  const txt = path.join(scratch, 'notes.txt');
  await writeFile(txt, 'hello');
  const io2 = cli();
  t.is(await main(['--file', txt, '--bucket', BUCKET, '--key', 'bad/notes.txt'], io2), 1);
  t.is(io2.stderr.text, 'upload: rejected, nothing uploaded: notes.txt: unsupported file type ".txt": expected .xlsx (eGRID workbook) or .csv (well imager)\n');

  const io3 = cli();
  t.is(await main(['--file', path.join(scratch, 'absent.xlsx'), '--bucket', BUCKET], io3), 1);
  t.regex(io3.stderr.text, /^upload: rejected, nothing uploaded: cannot read .*absent\.xlsx: ENOENT/);
  t.deepEqual(await keysIn('bad/'), []);
});

test('files uploaded by mistake (SPEC 4.5) are named for what they are, judged by the key they would go to; nothing is uploaded', async (t) => {
  const write = async (name: string, body: string | Buffer): Promise<string> => {
    const file = path.join(scratch, name);
    await writeFile(file, body);
    return file;
  };
  const ole2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(2048)]);
  const cases: [string, string, RegExp][] = [
    [await write('empty.csv', ''), 'mistake/empty.csv', /empty\.csv: empty file \(expected a header depth,col1,\.\.\.,colN\)/],
    [await write('empty.xlsx', ''), 'mistake/empty.xlsx', /empty\.xlsx is not a readable \.xlsx workbook: the file is empty/],
    [await write('old.xls', ole2), 'mistake/egrid.xlsx', /old\.xls is not a readable \.xlsx workbook: it is an old binary Excel file \(\.xls.*save it as \.xlsx/],
    [await write('plants.csv', 'ORISPL,PNAME\n1,A\n'), 'mistake/egrid.xlsx', /plants\.csv is not a readable \.xlsx workbook: it is a text file \(a CSV\?\) starting "ORISPL,PNAME"/],
    [await write('egrid.xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2048, 3)])), 'mistake/well.csv', /egrid\.xlsx is a zip archive \(an Excel \.xlsx workbook is one\), not a well-imager CSV/],
    [await write('other.csv', 'time,value\n1,2\n'), 'mistake/other.csv', /other\.csv: line 1: header must start with "depth", got "time" \(this CSV's header is "time,value"/],
  ];
  for (const [file, key, message] of cases) {
    const io = cli();
    t.is(await main(['--file', file, '--bucket', BUCKET, '--key', key], io), 1, key);
    t.regex(io.stderr.text, new RegExp(`^upload: rejected, nothing uploaded: ${message.source}`), key);
  }
  t.deepEqual(await keysIn('mistake/'), []);
});

test('uploadRawFile sends a large file as CreateMultipartUpload, parts, CompleteMultipartUpload', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_200.csv');
  if (!file) return;
  const client = s3Client(emulators.settings);
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  try {
    const progress: number[] = [];
    const result = await uploadRawFile(client, { file, bucket: BUCKET, key: 'well/direct.csv', partSize: 5 * 1024 * 1024, onProgress: (loaded) => progress.push(loaded) });
    t.like(result, { bucket: BUCKET, key: 'well/direct.csv', bytes: 6553509, parts: 2, multipart: true });
    // This bucket keeps no versions (as the aws raw bucket): the object's Last-Modified is read back, which
    // tells its ETL run on upload from that of an earlier upload of the same bytes (etl-wait.ts).
    t.deepEqual(commands.sort(), ['CompleteMultipartUploadCommand', 'CreateMultipartUploadCommand', 'HeadObjectCommand', 'UploadPartCommand', 'UploadPartCommand']);
    t.is(result.versionId, undefined);
    t.true(Math.abs(Date.parse(result.lastModified!) - Date.now()) < 120_000, `Last-Modified ${result.lastModified} is the upload's`);
    t.is(progress.at(-1), 6553509);
    t.is(await objectSha256('well/direct.csv'), await fileSha256(file));
  } finally {
    client.destroy();
  }
});

test('a good file to a bucket that does not exist fails with S3 reason', async (t) => {
  const csv = path.join(scratch, 'good-well.csv');
  await writeFile(csv, 'depth,col1,col2\n9000.1,1.0,2.0\n');
  const io = cli();
  t.is(await main(['--file', csv, '--bucket', 'no-such-bucket', '--key', 'w.csv'], io), 1);
  t.regex(io.stderr.text, /upload: upload of .*good-well\.csv to s3:\/\/no-such-bucket\/w\.csv failed: NoSuchBucket/);
});

test('usage errors exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /--file is required/],
    [['--file', 'x.xlsx'], /--bucket is required \(or --dryrun\)/],
    [['--file', 'x.xlsx', '--bucket', 'b', '--part-size-mib', '1'], /--part-size-mib must be an integer >= 5/],
    [['--file', 'x.xlsx', '--nope'], /Unknown option '--nope'/],
  ];
  for (const [argv, message] of cases) {
    const io = cli();
    t.is(await main(argv, io), 2, argv.join(' '));
    t.regex(io.stderr.text, message);
    t.regex(io.stderr.text, /usage: tsx infrastructure\/tools\/upload\.ts/);
  }
});

test('progress bar: redrawn in place on a terminal, one line per quarter elsewhere', (t) => {
  const tty = new Capture(true);
  const onTty = new ProgressBar(tty, 'up', 4);
  onTty.update(0, 4 * 1048576);
  onTty.update(2 * 1048576, 4 * 1048576);
  onTty.finish();
  t.is(tty.text, '\rup [....]   0% 0.0/4.0 MiB\rup [##..]  50% 2.0/4.0 MiB\n');

  const pipe = new Capture(false);
  const onPipe = new ProgressBar(pipe, 'up', 4);
  for (const loaded of [0, 1, 2, 3, 4, 5, 6, 7, 8]) onPipe.update(loaded * 1048576, 8 * 1048576);
  onPipe.finish();
  t.deepEqual(pipe.text.trimEnd().split('\n'), [
    'up [....]   0% 0.0/8.0 MiB',
    'up [#...]  25% 2.0/8.0 MiB',
    'up [##..]  50% 4.0/8.0 MiB',
    'up [###.]  75% 6.0/8.0 MiB',
    'up [####] 100% 8.0/8.0 MiB',
  ]);
});

test('the command line itself: exit status and stdout of a child process', async (t) => {
  const file = requireShared(t, 'data', 'well', 'well_imager_150_real.csv');
  if (!file) return;
  const run = promisify(execFile);
  const tool = path.join(PROJECT_ROOT, 'infrastructure', 'tools', 'upload.ts');
  const env = { ...process.env, AWS_REGION: emulators.settings.region, S3_ENDPOINT: emulators.settings.s3Endpoint };
  const ok = await run(process.execPath, ['--import=tsx', tool, '--file', file, '--bucket', BUCKET, '--key', 'cli/well.csv'], { cwd: PROJECT_ROOT, env });
  t.like(JSON.parse(ok.stdout), { key: 'cli/well.csv', bytes: 3287717 });
  t.is(await objectSha256('cli/well.csv'), await fileSha256(file));

  const failed = await run(process.execPath, ['--import=tsx', tool, '--file', path.join(scratch, 'absent.csv'), '--bucket', BUCKET], { cwd: PROJECT_ROOT, env }).catch((err: { code: number; stderr: string }) => err);
  t.is('code' in failed ? failed.code : 0, 1);
  t.regex('stderr' in failed ? failed.stderr : '', /rejected, nothing uploaded: cannot read/);
});
