/**
 * `make stop` and `make clean` of the local target when Ansible cannot run (issue 10), and each target's
 * clean keeping the other target's part of build/ (issue 11). Real make, real emulators on free ports and
 * a state folder of the test's own; `ansible-playbook` is a stand-in on the PATH that fails like Ansible
 * without boto3 (or succeeds, doing nothing), and the web service a detached process with its pid file where
 * the web-service role writes it. The challenge folder is a temporary one (in the repository's build/)
 * including the repository's Makefile.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './helpers/shared';
import { freePorts, isAlive as alive, portAnswers } from '../test-e2e/helpers';

interface Challenge {
  dir: string;
  services: number[];
  stateDir: string;
  ports: { s3: number; dynamodb: number; service: number };
  env: NodeJS.ProcessEnv;
}

/** A challenge folder of challenge-1's settings, with an ansible-playbook stand-in first on the PATH. */
async function challenge(t: { teardown: (fn: () => void) => void }): Promise<Challenge> {
  const base = mkdtempSync(path.join(tmpdir(), 'make-clean-'));
  // Inside the repository (its git-ignored build/), where `node --import tsx` finds the npm packages.
  mkdirSync(path.join(PROJECT_ROOT, 'build'), { recursive: true });
  const repoBase = mkdtempSync(path.join(PROJECT_ROOT, 'build', 'test-make-clean-'));
  const dir = path.join(repoBase, 'challenge-t');
  mkdirSync(path.join(dir, 'infrastructure'), { recursive: true });
  copyFileSync(path.join(PROJECT_ROOT, 'challenge-1', 'infrastructure', 'config.yml'), path.join(dir, 'infrastructure', 'config.yml'));
  const makefile = readFileSync(path.join(PROJECT_ROOT, 'challenge-1', 'Makefile'), 'utf8').replace('include ../Makefile', `include ${PROJECT_ROOT}/Makefile`);
  writeFileSync(path.join(dir, 'Makefile'), makefile);
  const bin = path.join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'ansible-playbook'),
    '#!/bin/sh\n[ "$ANSIBLE_STAND_IN" = ok ] && exit 0\necho "fatal: [localhost]: FAILED! => Failed to import the required Python library (botocore and boto3) (ansible-playbook stand-in)" >&2\nexit 2\n',
  );
  chmodSync(path.join(bin, 'ansible-playbook'), 0o755);
  const [s3, dynamodb, service] = (await freePorts(3)) as [number, number, number];
  const stateDir = path.join(base, 'state');
  const services: number[] = [];
  t.teardown(() => {
    for (const pid of [...emulatorPids(stateDir), ...services]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(base, { recursive: true, force: true });
    rmSync(repoBase, { recursive: true, force: true });
  });
  return {
    dir,
    services,
    stateDir,
    ports: { s3, dynamodb, service },
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, STATE_DIR: stateDir, S3_PORT: String(s3), DYNAMODB_PORT: String(dynamodb), SERVICE_PORT: String(service), MAKEFLAGS: '' },
  };
}

function make(c: Challenge, ansible: 'fails' | 'ok', ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('make', args, { cwd: c.dir, env: { ...c.env, ANSIBLE_STAND_IN: ansible }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.once('error', reject);
  });
}

function emulatorPids(stateDir: string): number[] {
  const dir = path.join(stateDir, 'emulators');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { pid: number }).pid);
}

/** A stand-in for the local web service: detached, running from the installation folder, with its pid file. */
function startService(c: Challenge): number {
  const install = path.join(c.dir, 'build', 'webservice');
  mkdirSync(path.join(install, 'app'), { recursive: true });
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', path.join(install, 'app', 'main.js')], { detached: true, stdio: 'ignore' });
  child.unref();
  writeFileSync(path.join(install, 'service.pid'), `${child.pid}\n`);
  c.services.push(child.pid!);
  return child.pid!;
}

test.serial('make clean after a failed make infrastructure (Ansible without boto3): emulators and service stopped, ports free, clean fails; once Ansible works, clean removes the rest', async (t) => {
  const c = await challenge(t);
  const failed = await make(c, 'fails', 'infrastructure');
  t.not(failed.code, 0, failed.out);
  t.regex(failed.out, /Failed to import the required Python library/);
  const emulators = emulatorPids(c.stateDir);
  t.is(emulators.length, 2, failed.out);
  t.true(emulators.every(alive), 'the emulators were left running by the failed make');
  const service = startService(c);

  const clean = await make(c, 'fails', 'clean');
  t.not(clean.code, 0, 'make clean fails: the stores are still there');
  t.regex(clean.out, /make clean: the cleanup failed \(above\): stopping this challenge's processes/);
  t.regex(clean.out, new RegExp(`web service stopped \\(pid ${service}\\)`));
  t.false([...emulators, service].some(alive), clean.out);
  for (const port of Object.values(c.ports)) t.false(await portAnswers(port), `port ${port} free`);

  const again = await make(c, 'ok', 'clean');
  t.is(again.code, 0, again.out);
  t.false(existsSync(c.stateDir), 'state folder removed');
  t.false(existsSync(path.join(c.dir, 'build')), 'build folder removed');
  t.deepEqual(emulatorPids(c.stateDir), []);
  for (const port of Object.values(c.ports)) t.false(await portAnswers(port), `port ${port} free`);
});

test.serial('make stop when Ansible fails: the service stops by its pid file and the emulators stop; make succeeds', async (t) => {
  const c = await challenge(t);
  t.not((await make(c, 'fails', 'infrastructure')).code, 0);
  const emulators = emulatorPids(c.stateDir);
  const service = startService(c);
  const stop = await make(c, 'fails', 'stop');
  t.is(stop.code, 0, stop.out);
  t.regex(stop.out, /make stop: the play failed \(above\): stopping the service by its pid file/);
  t.false([...emulators, service].some(alive), stop.out);
  for (const port of Object.values(c.ports)) t.false(await portAnswers(port), `port ${port} free`);
});

test.serial('make clean of one target keeps the other target\'s part of build/: aws keeps the running local service, local keeps build/aws', async (t) => {
  const c = await challenge(t);
  const service = startService(c);
  const awsOutputs = (): string => path.join(c.dir, 'build', 'aws', 'instance.json');
  mkdirSync(path.dirname(awsOutputs()), { recursive: true });
  writeFileSync(awsOutputs(), '{}\n');

  const awsClean = await make(c, 'ok', 'clean', 'TARGET=aws');
  t.is(awsClean.code, 0, awsClean.out);
  t.false(existsSync(awsOutputs()), 'build/aws removed');
  t.true(existsSync(path.join(c.dir, 'build', 'webservice', 'service.pid')), 'the local service\'s pid file kept');
  t.true(alive(service), 'the local service still runs');

  mkdirSync(path.dirname(awsOutputs()), { recursive: true });
  writeFileSync(awsOutputs(), '{}\n');
  const localClean = await make(c, 'ok', 'clean');
  t.is(localClean.code, 0, localClean.out);
  t.false(alive(service), 'the local service stopped');
  t.false(existsSync(path.join(c.dir, 'build', 'webservice')), 'build/webservice removed');
  t.true(existsSync(awsOutputs()), 'build/aws kept');
  t.true(existsSync(path.join(c.dir, 'build', 'config.mk')), 'what both targets share stays while the other target has its part');
});

test('GNU make older than 4.2 (macOS\'s make 3.81) stops at once, naming gmake', async (t) => {
  const c = await challenge(t);
  for (const version of ['3.81', '4.1']) {
    const old = await make(c, 'ok', `MAKE_VERSION=${version}`, 'stop');
    t.not(old.code, 0);
    t.regex(old.out, new RegExp(`GNU make 4\\.2 or later is needed, this is make ${version.replace('.', '\\.')} .*brew install make.*run gmake instead of make`));
  }
  t.false(existsSync(path.join(c.dir, 'build')), 'nothing ran');
});
