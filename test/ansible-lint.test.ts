/**
 * CI checks of the Ansible side (issue 5): every challenge playbook passes `ansible-playbook
 * --syntax-check` for both targets, and `ansible-lint` (Debian's package) reports no violation at its
 * default profile, run at the repository root (roles included) and in each challenge folder. Without
 * Ansible the tests are skipped on a developer's machine and fail under CI=true (`make init` installs
 * Ansible, `infrastructure/tools/install-test-tools.sh` ansible-lint).
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHALLENGES = ['challenge-1', 'challenge-2'];
const run = promisify(execFile);

function installed(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

function playbooks(challenge: string): string[] {
  return readdirSync(path.join(ROOT, challenge, 'infrastructure'))
    .filter((f) => f.endsWith('-play.yml'))
    .sort()
    .map((f) => path.join('infrastructure', f));
}

const ci = process.env.CI === 'true';
const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', NO_COLOR: '1' };

for (const tool of ['ansible-playbook', 'ansible-lint']) {
  if (!installed(tool) && ci) test(`${tool} is installed (CI)`, (t) => t.fail(`${tool} not found: \`make init\` installs Ansible (Debian: apt-get install ansible ansible-lint)`));
}

const syntaxTest = installed('ansible-playbook') ? test : test.skip;
// One lint at a time: three at once take long enough under load to look stalled to ava.
const lintTest = installed('ansible-lint') ? test.serial : test.skip;

syntaxTest('ansible: every challenge playbook passes --syntax-check for target local and aws', async (t) => {
  const checked: string[] = [];
  for (const challenge of CHALLENGES) {
    const books = playbooks(challenge);
    t.true(books.includes(path.join('infrastructure', 'infrastructure-play.yml')), `${challenge} has infrastructure/infrastructure-play.yml`);
    for (const book of books) {
      for (const target of ['local', 'aws']) {
        const result = await run('ansible-playbook', ['--syntax-check', '-e', `target=${target}`, book], { cwd: path.join(ROOT, challenge), env }).catch((err: { stdout?: string; stderr?: string }) => err);
        const failed = 'code' in result && (result as { code?: number }).code;
        t.falsy(failed, `${challenge}/${book} (target=${target}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
        checked.push(`${challenge}/${book}:${target}`);
      }
    }
  }
  t.true(checked.length >= CHALLENGES.length * 2 * 3, checked.join(', '));
});

// Run bare, as editors and pre-commit hooks do: at the root (its ansible.cfg gives the shared roles path, and
// the roles are linted there) and in each challenge folder (its own ansible.cfg).
for (const folder of ['.', ...CHALLENGES]) {
  lintTest(`ansible-lint: no violations at the default profile, run in ${folder === '.' ? 'the repository root' : folder}`, async (t) => {
    const result = await run('ansible-lint', ['--offline', '--nocolor', '-p'], { cwd: path.join(ROOT, folder), env, maxBuffer: 16 * 1024 * 1024 }).then(
      (ok) => ({ code: 0, out: ok.stdout + ok.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    const violations = result.out.split('\n').filter((line) => /^\S+:\d+(:\d+)?: /.test(line));
    t.deepEqual(violations, [], `ansible-lint in ${folder}`);
    t.is(result.code, 0, result.out);
    t.regex(result.out, /Passed with \w+ profile/);
  });
}
