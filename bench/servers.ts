/**
 * The HTTP services under test, started once the ETLs have filled the stores: the project's two
 * services (one per challenge, as `make` runs them) and the reference's FastAPI service.
 */
import path from 'node:path';
import type { ChallengeConfig } from '../core/config';
import type { ApiTargets } from './api';
import type { BenchEmulators } from './emulators';
import { startReferenceService } from './reference';
import { startService, type RunningService } from './service';

export interface ServersUnderTest {
  targets: ApiTargets;
  /** The project's services by challenge name. */
  ours: Map<string, RunningService>;
  /** Why the reference is missing, when it was asked for and did not start. */
  referenceProblem?: string;
}

export interface ServersPlan {
  challenge1: ChallengeConfig;
  challenge2: ChallengeConfig;
  emulators: BenchEmulators;
  workDir: string;
  /** The reference's datamart folder; undefined: no reference. */
  referenceDatamartDir?: string;
  cpuProfileDir?: string;
  log: (line: string) => void;
}

export async function startServers(plan: ServersPlan): Promise<ServersUnderTest> {
  const { emulators, log } = plan;
  const [s3Pid, dynamoPid] = emulators.processes.map((p) => p.pid) as [number, number];
  const ours = new Map<string, RunningService>();
  for (const config of [plan.challenge1, plan.challenge2]) {
    const service = await startService({ config, aws: emulators.settings, dir: path.join(plan.workDir, config.challenge), cpuProfileDir: plan.cpuProfileDir });
    log(`${config.challenge} service: ${service.url} (pid ${service.process.pid})`);
    ours.set(config.challenge, service);
  }
  const plants = ours.get(plan.challenge1.challenge)!;
  const imagers = ours.get(plan.challenge2.challenge)!;
  const targets: ApiTargets = {
    ours: { plants: { url: plants.url, pids: [plants.process.pid] }, imagers: { url: imagers.url, pids: [imagers.process.pid, dynamoPid] } },
    allPids: [s3Pid, dynamoPid, plants.process.pid, imagers.process.pid],
  };

  let referenceProblem: string | undefined;
  if (plan.referenceDatamartDir && emulators.settings.dynamodbEndpoint) {
    try {
      const service = await startReferenceService(plan.workDir, plan.referenceDatamartDir, emulators.settings.dynamodbEndpoint);
      const pid = service.process.pid;
      targets.reference = { plants: { url: service.url, pids: [pid] }, imagers: { url: service.url, pids: [pid, dynamoPid] } };
      targets.allPids.push(pid);
      log(`reference service: ${service.url} (pid ${pid})`);
    } catch (err) {
      referenceProblem = err instanceof Error ? err.message : String(err);
      log(`reference service did not start: ${referenceProblem}`);
    }
  }
  return { targets, ours, referenceProblem };
}
