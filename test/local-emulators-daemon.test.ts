import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PROJECT_ROOT } from './helpers/shared';
import { startEmulators } from './helpers/emulators';

const DAEMON = path.join(PROJECT_ROOT, 'infrastructure', 'emulators', 'daemon.ts');

interface Run {
  code: number | null;
  out: string;
}

function daemon(stateDir: string, ports: [number, number], ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DAEMON, ...args, '--state-dir', stateDir, '--s3-port', String(ports[0]), '--dynamodb-port', String(ports[1])], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const pidOf = (stateDir: string, name: string): number => (JSON.parse(readFileSync(path.join(stateDir, 'emulators', `${name}.pid`), 'utf8')) as { pid: number }).pid;

/** Running: signalable and, where /proc tells, not a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

test('emulator daemon: starts detached and healthy, is reused, stops only when no challenge holds a lease, cleans its state', async (t) => {
  const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'daemon-test-')), 'state');
  const [s3Port, dynamoPort] = (await freePorts(2)) as [number, number];
  const ports: [number, number] = [s3Port, dynamoPort];
  const pids: number[] = [];
  t.teardown(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(path.dirname(stateDir), { recursive: true, force: true });
  });

  // Both challenges' make at once: one starts the emulators, the other reuses them.
  const [first, concurrent] = await Promise.all([daemon(stateDir, ports, 'start', '--user', 'challenge-1'), daemon(stateDir, ports, 'start', '--user', 'challenge-3')]);
  t.is(first.code, 0, first.out);
  t.is(concurrent.code, 0, concurrent.out);
  t.is([first.out, concurrent.out].join('\n').match(new RegExp(`s3 emulator started at http://127.0.0.1:${s3Port}`, 'g'))?.length, 1, 'started once');
  pids.push(pidOf(stateDir, 's3'), pidOf(stateDir, 'dynamodb'));
  t.is((await daemon(stateDir, ports, 'stop', '--user', 'challenge-3')).code, 0);
  const settings = { region: 'eu-central-1', s3Endpoint: `http://127.0.0.1:${s3Port}`, dynamodbEndpoint: `http://127.0.0.1:${dynamoPort}` };
  t.deepEqual((await s3Client(settings).send(new ListBucketsCommand({}))).Buckets ?? [], []);
  t.deepEqual((await dynamoClient(settings).send(new ListTablesCommand({}))).TableNames, []);

  const second = await daemon(stateDir, ports, 'start', '--user', 'challenge-2');
  t.is(second.code, 0, second.out);
  t.regex(second.out, /s3 emulator already running .* reused/);
  t.deepEqual([pidOf(stateDir, 's3'), pidOf(stateDir, 'dynamodb')], pids, 'the same processes');

  const otherState = path.join(path.dirname(stateDir), 'other');
  const conflict = await daemon(otherState, ports, 'start');
  t.is(conflict.code, 1);
  t.regex(conflict.out, new RegExp(`port ${s3Port} of 127.0.0.1 is already in use by another process: .*S3_PORT`));

  const stopOne = await daemon(stateDir, ports, 'stop', '--user', 'challenge-1');
  t.regex(stopOne.out, /still used by challenge-2/);
  t.true(pids.every(alive), 'kept for challenge-2');

  // Another challenge's record in the state folder keeps the folder (and its emulator data) after clean.
  mkdirSync(path.join(stateDir, 'challenge-1-local'));
  const clean = await daemon(stateDir, ports, 'clean', '--user', 'challenge-2');
  t.is(clean.code, 0, clean.out);
  t.regex(clean.out, /kept: it still holds challenge-1-local/);
  t.false(pids.some(alive), 'both emulators stopped');
  t.true(existsSync(path.join(stateDir, 'emulators', 's3')));

  rmSync(path.join(stateDir, 'challenge-1-local'), { recursive: true });
  const status = await daemon(stateDir, ports, 'status');
  t.is(status.code, 1, 'status fails when they are not running');
  const cleanAgain = await daemon(stateDir, ports, 'clean', '--user', 'challenge-1');
  t.is(cleanAgain.code, 0, cleanAgain.out);
  t.false(existsSync(stateDir), 'state folder removed');
});

test('s3 emulator lists an unversioned bucket for ListObjectVersions (what amazon.aws.s3_bucket force-deletes)', async (t) => {
  const emu = await startEmulators();
  t.teardown(() => emu.close());
  const s3 = s3Client(emu.settings);
  await s3.send(new CreateBucketCommand({ Bucket: 'versions' }));
  for (const key of ['a.csv', 'dir/b & c.xlsx']) await s3.send(new PutObjectCommand({ Bucket: 'versions', Key: key, Body: key }));
  const all = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions' }));
  t.deepEqual(
    (all.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size]),
    [
      ['a.csv', 'null', true, 5],
      ['dir/b & c.xlsx', 'null', true, 14],
    ],
  );
  t.false(all.IsTruncated);
  const prefixed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'versions', Prefix: 'dir/' }));
  t.deepEqual((prefixed.Versions ?? []).map((v) => v.Key), ['dir/b & c.xlsx']);
  const missing = await s3.send(new ListObjectVersionsCommand({ Bucket: 'no-such-bucket' })).catch((err: { name?: string }) => err);
  t.is((missing as { name?: string }).name, 'NoSuchBucket');
});
