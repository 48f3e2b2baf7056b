/**
 * Stops the local web service by its pid file, without Ansible: what `make stop` and `make clean` fall back
 * on when their play cannot run (no boto3, Ansible broken...), so no process of the project is left behind.
 *
 *   tsx infrastructure/tools/stop-service.ts DIR     DIR: the installation (challenge-N/build/webservice)
 *
 * The pid is signalled only while its command line still runs DIR/app/ (a pid file may outlive its process).
 * Quiet when there was nothing to stop (after a play that stopped it).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runs, stopProcess } from '../emulators/processes';

async function main(dir: string | undefined): Promise<number> {
  if (!dir) {
    console.error('usage: stop-service.ts DIR (the service installation, challenge-N/build/webservice)');
    return 2;
  }
  const pidFile = path.join(path.resolve(dir), 'service.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  if (Number.isInteger(pid) && pid > 0 && runs(pid, path.join(path.resolve(dir), 'app') + path.sep)) {
    await stopProcess(pid);
    console.log(`web service stopped (pid ${pid})`);
  }
  rmSync(pidFile, { force: true });
  return 0;
}

process.exitCode = await main(process.argv[2]);
