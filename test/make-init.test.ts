/**
 * `make init`'s system step (infrastructure/tools/install-system-packages.sh) on the machine of issue 10:
 * the first `python3` on the PATH imports boto3 while the Python Ansible runs its modules with does not.
 *
 * That Ansible is Debian's own ansible-core run by a virtualenv made from /usr/bin/python3 which sees every
 * package of Debian's dist-packages except boto3 and botocore (symlinks): what a pip or pipx install of
 * Ansible looks like. The `python3` first on the PATH is /usr/bin/python3, which has boto3. Needs Debian's
 * ansible and python3-boto3 packages (what `make init` installs on CI); skipped without them, failed under CI.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './helpers/shared';

const DIST = '/usr/lib/python3/dist-packages';
const SCRIPT = path.join(PROJECT_ROOT, 'infrastructure', 'tools', 'install-system-packages.sh');
const ANSIBLE_TOOLS = ['ansible', 'ansible-playbook', 'ansible-galaxy', 'ansible-config', 'ansible-doc'];
const BOTO = /^(boto3|botocore)([-_.].*)?$/;
// Left out of the venv besides boto3: pip (the venv is made --without-pip, as some are).
const LEFT_OUT = /^(boto3|botocore|pip)([-_.].*)?$/;
const run = promisify(execFile);

const missing = ['/usr/bin/python3', '/usr/bin/ansible', path.join(DIST, 'ansible'), path.join(DIST, 'boto3'), path.join(DIST, 'botocore')].filter((p) => !existsSync(p));
const ready = missing.length === 0;
if (!ready && process.env.CI === 'true') {
  test('Debian\'s ansible and python3-boto3 are installed (CI)', (t) => t.fail(`missing ${missing.join(', ')}: infrastructure/tools/install-system-packages.sh installs them`));
}
// One at a time: each runs Ansible several times.
const initTest = ready ? test.serial : test.skip;

/** A virtualenv from /usr/bin/python3 with Debian's Ansible and without boto3; returns its site-packages. */
async function makeAnsibleVenv(venv: string): Promise<string> {
  await run('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]);
  // No installer may run in it: pip would write through the symlinks into the system's packages.
  if (await run(path.join(venv, 'bin', 'python3'), ['-c', 'import pip']).then(() => true, () => false)) throw new Error(`${venv} can import pip`);
  const { stdout } = await run(path.join(venv, 'bin', 'python3'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']);
  const sitePackages = stdout.trim();
  for (const entry of readdirSync(DIST)) if (!LEFT_OUT.test(entry)) symlinkSync(path.join(DIST, entry), path.join(sitePackages, entry));
  for (const tool of ANSIBLE_TOOLS) {
    const source = readFileSync(path.join('/usr/bin', tool), 'utf8').split('\n');
    writeFileSync(path.join(venv, 'bin', tool), [`#!${path.join(venv, 'bin', 'python3')}`, ...source.slice(1)].join('\n'));
    chmodSync(path.join(venv, 'bin', tool), 0o755);
  }
  return sitePackages;
}

interface Init {
  code: number;
  out: string;
}

/** The init step with PATH = (python3 with boto3, stand-ins) : the venv's Ansible : the rest. */
async function init(binDir: string, venv: string): Promise<Init> {
  const env = {
    ...process.env,
    PATH: [binDir, path.join(venv, 'bin'), process.env.PATH].join(':'),
    ANSIBLE_CONFIG: path.join(PROJECT_ROOT, 'challenge-1', 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
  };
  return run(SCRIPT, [], { cwd: path.join(PROJECT_ROOT, 'challenge-1'), env, maxBuffer: 4 * 1024 * 1024 }).then(
    (ok) => ({ code: 0, out: ok.stdout + ok.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
}

function fixture(t: { teardown: (fn: () => void) => void }, venvPath: string[]): { dir: string; bin: string; venv: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'make-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync('/usr/bin/python3', path.join(bin, 'python3'));
  const venv = path.join(dir, ...venvPath);
  mkdirSync(path.dirname(venv), { recursive: true });
  return { dir, bin, venv };
}

const importsBoto3 = (python: string): Promise<boolean> => run(python, ['-c', 'import boto3, botocore']).then(() => true, () => false);

initTest('make init: Ansible installed with pipx, python3 on the PATH has boto3, Ansible\'s Python has not: boto3 is injected into Ansible\'s venv (pipx stand-in)', async (t) => {
  const { dir, bin, venv } = fixture(t, ['pipx', 'venvs', 'ansible-core']);
  const sitePackages = await makeAnsibleVenv(venv);
  const python = path.join(venv, 'bin', 'python3');
  t.true(await importsBoto3(path.join(bin, 'python3')), 'the python3 first on the PATH imports boto3');
  t.false(await importsBoto3(python), 'Ansible\'s Python does not');

  // The stand-in records its arguments and, for `inject`, links Debian's boto3 and botocore into the venv.
  const calls = path.join(dir, 'pipx-calls');
  const links = readdirSync(DIST).filter((e) => BOTO.test(e)).map((e) => `ln -s ${DIST}/${e} ${sitePackages}/${e}`);
  writeFileSync(path.join(bin, 'pipx'), ['#!/bin/sh', `echo "$*" >> ${calls}`, '[ "$1" = inject ] || exit 2', ...links, ''].join('\n'));
  chmodSync(path.join(bin, 'pipx'), 0o755);

  const result = await init(bin, venv);
  t.is(result.code, 0, result.out);
  t.regex(result.out, new RegExp(`Ansible's Python ${python} cannot use boto3 and botocore \\(ModuleNotFoundError: No module named 'boto3'\\)`));
  t.is(readFileSync(calls, 'utf8'), 'inject ansible-core boto3>=1.26.0 botocore>=1.29.0\n');
  t.true(await importsBoto3(python), 'Ansible\'s Python imports boto3 now');
  t.regex(result.out, new RegExp(`init: Node\\.js v[0-9.]+, ansible-core 2\\.[0-9.]+, Ansible's Python ${python} \\(boto3 [0-9.]+, botocore [0-9.]+\\), amazon\\.aws [0-9.]+, community\\.aws [0-9.]+\\n`));
});

initTest('make init: Ansible in a virtualenv without pip, python3 on the PATH has boto3: init fails naming Ansible\'s Python and the command, never reports success', async (t) => {
  const { bin, venv } = fixture(t, ['ansible-venv']);
  await makeAnsibleVenv(venv);
  const python = path.join(venv, 'bin', 'python3');
  t.true(await importsBoto3(path.join(bin, 'python3')), 'the python3 first on the PATH imports boto3');

  const result = await init(bin, venv);
  t.is(result.code, 1, result.out);
  t.regex(result.out, new RegExp(`init: Ansible's Python ${python} cannot use boto3 and botocore \\(ModuleNotFoundError: No module named 'boto3'\\)\\. Ansible runs its AWS modules with that Python, whatever python3 is first on the PATH \\(${bin}/python3\\)`));
  t.regex(result.out, new RegExp(`Install them for it: ${python} -m pip install 'boto3>=1\\.26\\.0' 'botocore>=1\\.29\\.0'`));
  t.notRegex(result.out, /init: Node\.js/, 'no success line');
  t.false(await importsBoto3(python));
});
