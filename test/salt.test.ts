/**
 * Salt (issue 11, point 2): `make salt` writes it quoted, and the TypeScript tools (the yaml package,
 * YAML 1.2) and Ansible (YAML 1.1, through the playbooks' vars_files) then give the same resource names,
 * including for salts the two YAML versions read differently unquoted (01234567 octal, 123456e7 a float,
 * 00000000 false). An unquoted salt is refused with a message by core/config.ts and by the playbooks.
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadChallengeConfig, readSalt } from '../core/config';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const hasAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
const TRICKY = ['01234567', '123456e7', '00000000'];

/** A repository layout with challenge-1's Makefile and config (outputs land in the copy). */
function workspace(): { dir: string; challenge: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'salt-'));
  copyFileSync(path.join(ROOT, 'Makefile'), path.join(dir, 'Makefile'));
  symlinkSync(path.join(ROOT, 'ansible'), path.join(dir, 'ansible'));
  const challenge = path.join(dir, 'challenge-1');
  mkdirSync(path.join(challenge, 'infrastructure'), { recursive: true });
  copyFileSync(path.join(ROOT, 'challenge-1', 'Makefile'), path.join(challenge, 'Makefile'));
  copyFileSync(path.join(ROOT, 'challenge-1', 'infrastructure', 'config.yml'), path.join(challenge, 'infrastructure', 'config.yml'));
  return { dir, challenge };
}

/** The resource names as the playbooks compute them (same vars_files as every challenge play). */
async function ansibleNames(challenge: string): Promise<Record<string, string>> {
  const out = path.join(challenge, 'names.json');
  writeFileSync(
    path.join(challenge, 'infrastructure', 'names-play.yml'),
    `- name: Names
  hosts: localhost
  gather_facts: false
  vars_files:
    - config.yml
    - "{{ lookup('ansible.builtin.first_found', [playbook_dir ~ '/salt.yml', playbook_dir ~ '/../../ansible/vars/no-salt.yml']) }}"
    - ../../ansible/vars/challenge.yml
  tasks:
    - name: Names are written
      ansible.builtin.copy:
        dest: ${out}
        content: "{{ {'raw_bucket': raw_bucket_name, 'datamarts_bucket': datamarts_bucket_name, 'lambda_function': lambda_function_name} | to_json }}"
        mode: "0644"
`,
  );
  await run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', 'infrastructure/names-play.yml'], { cwd: challenge, env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
}

if (!hasAnsible && process.env.CI === 'true') test('ansible-playbook is installed (CI)', (t) => t.fail('ansible-playbook not found: make init installs it'));

for (const salt of TRICKY) {
  (hasAnsible ? test : test.skip)(`make salt SALT=${salt} writes it quoted; Ansible and core/config.ts give the same names`, async (t) => {
    const { dir, challenge } = workspace();
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    await run('make', ['--no-print-directory', 'salt', `SALT=${salt}`], { cwd: challenge });
    t.is(readFileSync(path.join(challenge, 'infrastructure', 'salt.yml'), 'utf8'), `salt: "${salt}"\n`);
    const config = loadChallengeConfig(challenge);
    const expected = { raw_bucket: `datalake-c1-raw-${salt}`, datamarts_bucket: `datalake-c1-datamarts-${salt}`, lambda_function: `datalake-c1-etl-${salt}` };
    t.deepEqual({ raw_bucket: config.raw_bucket, datamarts_bucket: config.datamarts_bucket, lambda_function: config.lambda_function }, expected);
    t.deepEqual(await ansibleNames(challenge), expected);
  });
}

(hasAnsible ? test : test.skip)('an unquoted salt is refused with a message by core/config.ts and by the playbooks (YAML 1.1 reads 01234567 as 342391)', async (t) => {
  const { dir, challenge } = workspace();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(challenge, 'infrastructure', 'salt.yml'), 'salt: 01234567\n');
  const error = t.throws(() => loadChallengeConfig(challenge));
  t.regex(error?.message ?? '', /salt\.yml: salt must be a quoted string: write salt: "01234567"/);
  // YAML 1.1 reads it as the octal number 342391: the playbooks refuse it too.
  const ansible = await ansibleNames(challenge).then(
    () => 'read',
    (err: { stdout?: string }) => err.stdout ?? '',
  );
  t.regex(ansible, /infrastructure\/salt\.yml: salt must be a quoted string/);
});

test('readSalt: quoted strings of the expected form only', (t) => {
  t.is(readSalt('s.yml', 'salt: "1a2b3c4d"\n'), '1a2b3c4d');
  t.is(readSalt('s.yml', "salt: '00000000'\n"), '00000000');
  t.is(readSalt('s.yml', ''), '');
  for (const text of TRICKY.map((s) => `salt: ${s}\n`).concat(['salt: 1a2b3c4d\n'])) t.throws(() => readSalt('s.yml', text), { message: /must be a quoted string/ }, text);
  t.throws(() => readSalt('s.yml', 'salt: "ABC"\n'), { message: /4 to 16 lower-case letters or digits/ });
  t.throws(() => readSalt('s.yml', 'salt: "a b c d"\n'), { message: /4 to 16 lower-case letters or digits/ });
  t.throws(() => readSalt('s.yml', '- salt\n'), { message: /expected salt: "<salt>"/ });
});

test('make salt refuses a SALT of another form and writes nothing', async (t) => {
  const { dir, challenge } = workspace();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const failed = await run('make', ['--no-print-directory', 'salt', 'SALT=Not-A-Salt'], { cwd: challenge }).then(() => undefined, (err: { stderr?: string }) => err.stderr ?? '');
  t.regex(failed ?? 'succeeded', /a salt is 4 to 16 lower-case letters or digits/);
  t.throws(() => readFileSync(path.join(challenge, 'infrastructure', 'salt.yml')));
});
