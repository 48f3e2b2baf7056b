/**
 * npm run test:instance: the webservice role's server tasks (Node.js install, service user, bundle,
 * environment file, systemd unit) run by this machine's Ansible over REAL SSH against this machine
 * (Debian's sshd on a loopback port, started and stopped here), with a Python 3.12 interpreter for the
 * modules, as on the aws target's Ubuntu 24.04. The internet (nodejs.org's release folder) is a local
 * HTTPS stand-in with its own CA; the "release" is a tarball made here whose node runs this Node.
 * Everything lands in a temporary folder and a throwaway user, removed at the end; the tasks that need
 * a running systemd (tag webservice_systemctl) are skipped and the unit is checked with
 * systemd-analyze verify instead. Under CI=true a missing tool or Python 3.12 fails the test.
 */
import test from 'ava';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { arch, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startStandIn } from './helpers/https-stand-in';
import { findPython312 } from './helpers/python312';
import { SSHD, startSshHost } from './helpers/ssh-host';
import { freePort } from '../test/helpers/free-port';
import { serviceNodeFlags } from '../infrastructure/tools/service-node-flags';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const has = (tool: string, args: string[] = ['--version']) => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;

const python312 = findPython312();
const missing = [
  [has('ansible-playbook'), 'ansible-playbook (make init)'],
  [has(SSHD, ['-t', '-f', '/dev/null']) || has(SSHD, ['-V']), `${SSHD} (Debian's openssh-server)`],
  [has('ssh', ['-V']), 'ssh (openssh-client)'],
  [has('systemd-analyze'), 'systemd-analyze (systemd)'],
  [has('openssl', ['version']), 'openssl'],
  [has('curl'), 'curl'],
  [Boolean(python312), 'a Python 3.12 (PYTHON312=/path/to/python3.12, pyenv install 3.12, or python3.12 on the PATH)'],
  [process.getuid?.() === 0, 'root (the role creates a system user)'],
].filter(([ok]) => !ok).map(([, what]) => what as string);

function recap(output: string): { changed: number; failed: number } {
  const line = /instance\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(output);
  if (!line) throw new Error(`no PLAY RECAP for the instance in:\n${output.slice(-4000)}`);
  return { changed: Number(line[1]), failed: Number(line[2]) + Number(line[3]) };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** nodejs.org's layout: latest-v<major>.x/ with SHASUMS256.txt and node-v<version>-linux-<arch>.tar.xz. */
function fakeRelease(dir: string): { major: number; version: string } {
  const version = process.version.slice(1);
  const major = Number(version.split('.')[0]);
  const nodeArch = arch() === 'arm64' ? 'arm64' : 'x64';
  const name = `node-v${version}-linux-${nodeArch}`;
  const tree = path.join(dir, 'tree', name, 'bin');
  mkdirSync(tree, { recursive: true });
  writeFileSync(path.join(tree, 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
  chmodSync(path.join(tree, 'node'), 0o755);
  const release = path.join(dir, 'dist', `latest-v${major}.x`);
  mkdirSync(release, { recursive: true });
  execFileSync('tar', ['-cJf', path.join(release, `${name}.tar.xz`), '-C', path.join(dir, 'tree'), name]);
  const sums = [
    `${'0'.repeat(64)}  node-v${version}-darwin-${nodeArch}.tar.xz`,
    `${sha256(path.join(release, `${name}.tar.xz`))}  ${name}.tar.xz`,
    `${'1'.repeat(64)}  node-v${version}-linux-${nodeArch}.tar.gz`,
  ];
  writeFileSync(path.join(release, 'SHASUMS256.txt'), sums.join('\n') + '\n');
  return { major, version };
}

if (missing.length > 0 && process.env.CI === 'true') {
  test('instance test prerequisites are installed (CI)', (t) => t.fail(`missing: ${missing.join('; ')}`));
}

(missing.length === 0 ? test : test.skip)('webservice role on a server over real SSH with Python 3.12: Node.js from the release tarball, user, bundle, env file, unit; a rerun changes nothing', async (t) => {
  t.timeout(600_000);
  if (missing.length > 0) t.log(`skipped, missing: ${missing.join('; ')}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'test-instance-'));
  chmodSync(dir, 0o755); // the service user reads its bundle through this folder
  const suffix = path.basename(dir).slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  const user = `dltest${suffix}`;
  const unit = `datalake-test-${suffix}`;
  const sshPort = await freePort();
  const ssh = await startSshHost(path.join(dir, 'ssh'), sshPort);
  const { major, version } = fakeRelease(path.join(dir, 'release'));
  mkdirSync(path.join(dir, 'certs'));
  const standIn = await startStandIn(path.join(dir, 'release', 'dist'), path.join(dir, 'certs'));
  t.teardown(async () => {
    await ssh.stop();
    await standIn.close();
    spawnSync('userdel', [user], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  const servicePort = await freePort();
  const bundle = path.join(dir, 'bundle');
  mkdirSync(bundle);
  writeFileSync(
    path.join(bundle, 'server.cjs'),
    "require('node:http').createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end(process.env.SERVICE_ROUTES)).listen(Number(process.env.PORT), process.env.HOST);\n",
  );
  const serviceDir = path.join(dir, 'srv');
  const unitDir = path.join(dir, 'units');
  mkdirSync(unitDir);
  const nodePrefix = path.join(dir, 'nodejs');
  writeFileSync(
    path.join(dir, 'inventory.yml'),
    JSON.stringify({
      all: {
        hosts: {
          instance: {
            ansible_host: '127.0.0.1',
            ansible_port: ssh.port,
            ansible_user: ssh.user,
            ansible_ssh_private_key_file: ssh.privateKey,
            ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes',
            ansible_python_interpreter: python312,
          },
        },
      },
    }),
  );
  writeFileSync(
    path.join(dir, 'play.yml'),
    [
      '- name: Web service on a server',
      '  hosts: instance',
      '  gather_facts: false',
      '  environment:',
      `    CURL_CA_BUNDLE: ${JSON.stringify(standIn.caFile)}`,
      '  roles:',
      '    - role: webservice',
      '',
    ].join('\n'),
  );
  const vars = (state: string) => ({
    project: 'datalake',
    challenge: 'instance-test',
    webservice_state: state,
    webservice_runner: 'systemd',
    webservice_dir: serviceDir,
    webservice_bundle_src: bundle,
    webservice_user: user,
    webservice_unit: unit,
    webservice_systemd_unit_dir: unitDir,
    webservice_node_prefix: nodePrefix,
    webservice_node_dist_url: standIn.url,
    webservice_port: servicePort,
    webservice_env: { HOST: '127.0.0.1', PORT: String(servicePort), SERVICE_ROUTES: 'plants' },
    node_major: major,
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'),
    ANSIBLE_ROLES_PATH: path.join(ROOT, 'ansible', 'roles'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-local'),
    // Nothing may come from the internet: a download that bypassed the stand-in hits a dead proxy.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1',
  };
  writeFileSync(path.join(dir, 'ansible.cfg'), '[defaults]\nnocows = True\n');
  const play = async (state: string) => {
    writeFileSync(path.join(dir, `vars-${state}.json`), JSON.stringify(vars(state)));
    const args = ['-i', path.join(dir, 'inventory.yml'), '--skip-tags', 'webservice_systemctl', '-e', `@${path.join(dir, `vars-${state}.json`)}`, path.join(dir, 'play.yml')];
    const out = await run('ansible-playbook', args, { env, maxBuffer: 32 * 1024 * 1024 }).then(
      (ok) => ok.stdout + ok.stderr,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    );
    return { out, ...recap(out) };
  };

  const first = await play('started');
  t.is(first.failed, 0, first.out.slice(-6000));
  t.true(first.changed > 0);
  t.deepEqual(standIn.requests, [`/latest-v${major}.x/SHASUMS256.txt`, `/latest-v${major}.x/node-v${version}-linux-${arch() === 'arm64' ? 'arm64' : 'x64'}.tar.xz`]);

  const nodeBin = path.join(nodePrefix, `node-v${major}`, 'bin', 'node');
  t.is(execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim(), process.version);
  const passwd = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).trim().split(':');
  t.is(passwd[6], '/usr/sbin/nologin');
  t.is(passwd[5], serviceDir);
  t.true(Number(passwd[2]) < 1000, `system account, uid ${passwd[2]}`);
  t.is(readFileSync(path.join(serviceDir, 'app', 'server.cjs'), 'utf8'), readFileSync(path.join(bundle, 'server.cjs'), 'utf8'));
  const envFile = path.join(serviceDir, 'service.env');
  t.regex(readFileSync(envFile, 'utf8'), new RegExp(`^PORT=${servicePort}$`, 'm'));
  t.is(statSync(envFile).mode & 0o777, 0o600);
  t.is(execFileSync('stat', ['-c', '%U %a', path.join(serviceDir, 'cache')], { encoding: 'utf8' }).trim(), `${user} 750`);

  const unitFile = path.join(unitDir, `${unit}.service`);
  const unitText = readFileSync(unitFile, 'utf8');
  t.regex(unitText, new RegExp(`^ExecStart=${[nodeBin, ...serviceNodeFlags()].join(' ')} ${serviceDir}/app/server\\.cjs$`, 'm'));
  t.regex(unitText, /^Restart=always$/m);
  t.regex(unitText, /^StartLimitIntervalSec=0$/m);
  const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
  t.is(verify.status, 0, verify.stderr);
  t.notRegex(verify.stderr, new RegExp(`${unit}\\.service`), verify.stderr);

  // What the unit would run: the installed Node with the environment file answers /health.
  const service = spawn(nodeBin, [...serviceNodeFlags(), `--env-file=${envFile}`, path.join(serviceDir, 'app', 'server.cjs')], { stdio: 'ignore' });
  t.teardown(() => service.kill());
  let health = 0;
  for (let i = 0; i < 100 && health !== 200; i++) {
    health = await fetch(`http://127.0.0.1:${servicePort}/health`).then((r) => r.status, () => 0);
    if (health !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(health, 200);
  service.kill();

  const second = await play('started');
  t.deepEqual({ failed: second.failed, changed: second.changed }, { failed: 0, changed: 0 }, second.out.slice(-6000));
  t.is(standIn.requests.length, 2, 'Node.js is downloaded once');

  const removed = await play('absent');
  t.is(removed.failed, 0, removed.out.slice(-6000));
  t.throws(() => statSync(unitFile));
  t.throws(() => statSync(serviceDir));
});
