/**
 * This machine as an SSH host for Ansible: Debian's sshd on a free loopback port with a host key,
 * configuration and authorized key of its own (in a folder the caller owns), run in the foreground
 * and stopped by its pid. Logs in as the current user (root: the role creates a user and a unit).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';
/** Debian's sshd refuses to start without its privilege separation folder (its unit creates it). */
const PRIVSEP_DIR = '/run/sshd';

export interface SshHost {
  port: number;
  user: string;
  privateKey: string;
  stop(): Promise<void>;
}

async function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startSshHost(dir: string, port: number): Promise<SshHost> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const privateKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-instance host', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-instance client', '-f', privateKey]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${privateKey}.pub`), { mode: 0o600 });
  const user = userInfo().username;
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The folder is under the system's temporary folder (world-writable, sticky).
    'StrictModes no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
  const configFile = path.join(dir, 'sshd_config');
  writeFileSync(configFile, config, { mode: 0o600 });

  const madePrivsep = !existsSync(PRIVSEP_DIR);
  if (madePrivsep) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  const log: string[] = [];
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => sshd.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (sshd.exitCode === null && sshd.signalCode === null && sshd.pid) process.kill(sshd.pid, 'SIGTERM');
    await exited;
    if (madePrivsep) {
      try {
        rmdirSync(PRIVSEP_DIR);
      } catch {
        // in use by another sshd since: leave it
      }
    }
  };
  for (let i = 0; i < 100; i++) {
    if (sshd.exitCode !== null) break;
    if (await answersSsh(port)) return { port, user, privateKey, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log.join('')}`);
}
