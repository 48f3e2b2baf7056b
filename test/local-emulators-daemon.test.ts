import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient, s3Client } from '../core/aws/clients';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PROJECT_ROOT } from './helpers/shared';
import { startEmulators } from './helpers/emulators';
import { freePorts, isAlive as alive } from '../test-e2e/helpers';

const DAEMON = path.join(PROJECT_ROOT, 'infrastructure', 'emulators', 'daemon.ts');
const STOP_SERVICE = path.join(PROJECT_ROOT, 'infrastructure', 'tools', 'stop-service.ts');

interface Run {
  code: number | null;
  out: string;
}

function daemon(stateDir: string, ports: [number, number], ...args: string[]): Promise<Run> {
  return tool(DAEMON, ...args, '--state-dir', stateDir, '--s3-port', String(ports[0]), '--dynamodb-port', String(ports[1]));
}

function tool(script: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
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

const pidOf = (stateDir: string, name: string): number => (JSON.parse(readFileSync(path.join(stateDir, 'emulators', `${name}.pid`), 'utf8')) as { pid: number }).pid;

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

  // Another state folder on the same ports: this project's emulators of a state folder still there are named, not touched.
  const otherState = path.join(path.dirname(stateDir), 'other');
  const conflict = await daemon(otherState, ports, 'start');
  t.is(conflict.code, 1);
  t.regex(conflict.out, new RegExp(`port ${s3Port} of 127.0.0.1 is used by this project's s3 emulator of the state folder ${stateDir} \\(pid ${pids[0]}\\): stop it there .*S3_PORT`));
  t.true(pids.every(alive));

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

/** A detached process (its own group, as the project starts them) whose command line carries marker; returns its pid. */
function detached(marker: string, code = 'setInterval(() => {}, 1000)'): number {
  const child = spawn(process.execPath, ['-e', code, marker], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
}

test('emulator daemon: an emulator left by an interrupted run is adopted (pid file lost) or replaced (its state folder gone); a foreign listener is named', async (t) => {
  const base = mkdtempSync(path.join(tmpdir(), 'daemon-leftover-'));
  const [first, second] = [path.join(base, 'first'), path.join(base, 'second')];
  const ports = (await freePorts(2)) as [number, number];
  const pids: number[] = [];
  t.teardown(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(base, { recursive: true, force: true });
  });

  t.is((await daemon(first, ports, 'start', '--user', 'challenge-1')).code, 0);
  const leftover = [pidOf(first, 's3'), pidOf(first, 'dynamodb')];
  pids.push(...leftover);
  for (const name of ['s3', 'dynamodb']) rmSync(path.join(first, 'emulators', `${name}.pid`));
  const adopted = await daemon(first, ports, 'start', '--user', 'challenge-1');
  t.is(adopted.code, 0, adopted.out);
  t.regex(adopted.out, new RegExp(`s3 emulator already running at http://127.0.0.1:${ports[0]} \\(pid ${leftover[0]}\\), reused`));
  t.deepEqual([pidOf(first, 's3'), pidOf(first, 'dynamodb')], leftover, 'pid files written again for the same processes');

  rmSync(first, { recursive: true });
  const replaced = await daemon(second, ports, 'start', '--user', 'challenge-1');
  t.is(replaced.code, 0, replaced.out);
  t.regex(replaced.out, new RegExp(`s3 emulator left running by an earlier run \\(pid ${leftover[0]}, state folder ${first} gone\\): stopping it`));
  t.regex(replaced.out, new RegExp(`s3 emulator started at http://127.0.0.1:${ports[0]}`));
  pids.push(pidOf(second, 's3'), pidOf(second, 'dynamodb'));
  t.false(leftover.some(alive), 'the leftovers are gone');
  t.is((await daemon(second, ports, 'clean', '--user', 'challenge-1')).code, 0);
  t.false(pids.some(alive));

  // Not this project's: named with its pid and command, left alone.
  const foreign = net.createServer();
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  t.teardown(() => foreign.close());
  const foreignPort = (foreign.address() as net.AddressInfo).port;
  const refused = await daemon(second, [foreignPort, ports[1]], 'start');
  t.is(refused.code, 1);
  t.regex(refused.out, new RegExp(`port ${foreignPort} of 127.0.0.1 is already in use by another process \\(pid ${process.pid}: .*node.*\\): choose another port for the s3 emulator with S3_PORT`));
});

test('emulator daemon: stop ends every process with a pid file in the emulators folder (a later feature\'s worker) with what it started, and leaves a pid that is not the project\'s alone', async (t) => {
  const stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'daemon-workers-')), 'state');
  const ports = (await freePorts(2)) as [number, number];
  const pids: number[] = [];
  t.teardown(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(path.dirname(stateDir), { recursive: true, force: true });
  });
  t.is((await daemon(stateDir, ports, 'start', '--user', 'challenge-1')).code, 0);
  pids.push(pidOf(stateDir, 's3'), pidOf(stateDir, 'dynamodb'));

  // A worker started with the daemon's script (its command line names it) that started a child of its own
  // (same process group), and a pid file naming the test itself.
  const childPidFile = path.join(stateDir, 'worker-child');
  const worker = detached(
    DAEMON,
    `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
     require('node:fs').writeFileSync(${JSON.stringify(childPidFile)}, String(c.pid)); setInterval(() => {}, 1000);`,
  );
  pids.push(worker);
  await until(() => existsSync(childPidFile) && readFileSync(childPidFile, 'utf8').length > 0);
  const workerChild = Number(readFileSync(childPidFile, 'utf8'));
  pids.push(workerChild);
  writeFileSync(path.join(stateDir, 'emulators', 'worker.pid'), JSON.stringify({ pid: worker }) + '\n');
  writeFileSync(path.join(stateDir, 'emulators', 'stale.pid'), JSON.stringify({ pid: process.pid }) + '\n');

  const stopped = await daemon(stateDir, ports, 'stop', '--user', 'challenge-1');
  t.is(stopped.code, 0, stopped.out);
  t.regex(stopped.out, new RegExp(`worker stopped \\(pid ${worker}\\)`));
  t.regex(stopped.out, /stale not running/);
  await until(() => !alive(workerChild));
  t.false(pids.some(alive), 'emulators, worker and the worker\'s child stopped');
  t.false(existsSync(path.join(stateDir, 'emulators', 'worker.pid')));
});

test('stop-service: stops the local web service by its pid file only while that pid runs the installation (what make stop/clean do without Ansible)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stop-service-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const service = detached(path.join(dir, 'app', 'main.js'));
  t.teardown(() => {
    if (alive(service)) process.kill(service, 'SIGKILL');
  });
  writeFileSync(path.join(dir, 'service.pid'), `${service}\n`);
  const stopped = await tool(STOP_SERVICE, dir);
  t.is(stopped.code, 0, stopped.out);
  t.regex(stopped.out, new RegExp(`web service stopped \\(pid ${service}\\)`));
  await until(() => !alive(service));
  t.false(alive(service));
  t.false(existsSync(path.join(dir, 'service.pid')));

  // A pid file that outlived its process, its pid now someone else's (here: this test).
  writeFileSync(path.join(dir, 'service.pid'), `${process.pid}\n`);
  const stale = await tool(STOP_SERVICE, dir);
  t.is(stale.code, 0, stale.out);
  t.is(stale.out, '');
  t.false(existsSync(path.join(dir, 'service.pid')));
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
