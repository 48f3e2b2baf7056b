/**
 * `npm run bench` (issue 6): the ETLs and the API of both challenges, measured beside the Python
 * reference on the same machine, data and emulators, in one run. Starts its own emulators and
 * services on free ports of 127.0.0.1, prints the tables on stdout (progress on stderr), writes the
 * figures to build/bench/. Flags: see options.ts (`npm run bench -- --help`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadChallengeConfig, type ChallengeConfig } from '../core/config';
import { runApiBench } from './api';
import { ensureBuilt } from './build';
import { startBenchEmulators, type BenchEmulators } from './emulators';
import { runEtlBench } from './etl';
import { WELL_SIZES } from './well-sizes';
import { currentCommit, describeMachine, loadAverageNow } from './machine';
import { parseOptions, UsageError, USAGE, type BenchOptions } from './options';
import { CHALLENGE_1, CHALLENGE_2, RESULTS_DIR, WELL_CSV, WORKBOOK } from './paths';
import { readPeakRssMb } from './peak-rss';
import { stopAllStarted, stopProcess } from './processes';
import { checkReference } from './reference';
import { renderReport, writeReport } from './report';
import { hasFailure, type BenchReport } from './results';
import { startServers } from './servers';
import { judgeTargets } from './targets';
import { judgeMapTargets, runMapBench } from './map';

const NOT_RUN = { skipped: 'not run' };

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const options = parseOptions(argv);
  for (const file of [WORKBOOK, WELL_CSV]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: the bench measures the shared sample files`);
  }
  const python = options.reference ? checkReference() : { ok: false, reason: '--no-reference' };
  const notes: string[] = [];
  if (!python.ok) notes.push(`the Python reference was not run (${python.reason}): ratios are not measured`);
  notes.push('other processes on this machine share its cores: compare figures of one run, and quote them with the load average');

  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    commit: currentCommit(),
    options: { quick: options.quick, durationSeconds: options.durationSeconds, connections: options.connections, reference: python.ok, etlRuns: options.etlRuns },
    machine: describeMachine(python),
    etl: { egrid: { ours: NOT_RUN, reference: NOT_RUN }, wellParseResize: { ours: NOT_RUN, reference: NOT_RUN }, wellIngest: { ours: NOT_RUN, reference: NOT_RUN } },
    api: [],
    servicePeakRssMb: {},
    targets: [],
    notes,
  };
  if (!python.ok) log(`reference: not run (${python.reason})`);

  await ensureBuilt(log, options.build);
  const challenge1 = loadChallengeConfig(CHALLENGE_1);
  const challenge2 = loadChallengeConfig(CHALLENGE_2);
  const workDir = await mkdtemp(path.join(tmpdir(), 'datalake-bench-'));
  log(`work folder: ${workDir}${options.keep ? ' (kept)' : ''}`);
  let completed = false;
  try {
    const emulators = await startBenchEmulators(workDir, challenge1.aws_region);
    log(`emulators: S3 ${emulators.settings.s3Endpoint}, DynamoDB ${emulators.settings.dynamodbEndpoint}`);

    const { etl, referenceDatamartDir } = await runEtlBench({ challenge1, challenge2, aws: emulators.settings, workDir, reference: python.ok, runs: options.etlRuns, wellSizes: options.quick ? [] : WELL_SIZES, wellOnly: options.only === 'well', dynamoPid: emulators.processes.find((p) => p.name === 'dynamodb emulator')?.pid, log });
    report.etl = etl;
    if (options.only) notes.push(`--only ${options.only}: the services and their API were not run`);
    else await runServiceBenches(report, { challenge1, challenge2, emulators, workDir, referenceDatamartDir, options, notes });
    completed = true;
  } finally {
    await stopAllStarted();
    // A failed measurement's logs stay where its message points.
    const failed = !completed || hasFailure(report);
    if (failed && !options.keep) log(`work folder kept, a measurement failed: ${workDir}`);
    if (!failed && !options.keep) await rm(workDir, { recursive: true, force: true });
  }
  return finish(report);
}

interface ServicePlan {
  challenge1: ChallengeConfig;
  challenge2: ChallengeConfig;
  emulators: BenchEmulators;
  workDir: string;
  referenceDatamartDir: string | undefined;
  options: BenchOptions;
  notes: string[];
}

/** The services (ours and the reference's) under load: the API cases and the map. */
async function runServiceBenches(report: BenchReport, plan: ServicePlan): Promise<void> {
  const { challenge1, challenge2, emulators, workDir, referenceDatamartDir, options, notes } = plan;
  const profileDir = options.profile ? path.join(RESULTS_DIR, 'profiles', report.startedAt.replace(/[:.]/g, '-')) : undefined;
  const servers = await startServers({ challenge1, challenge2, emulators, workDir, referenceDatamartDir, cpuProfileDir: profileDir, log });
  if (servers.referenceProblem) notes.push(`the reference service did not start: ${servers.referenceProblem}`);

  log(`API: ${options.durationSeconds} s per case, connections ${options.connections.join(', ')} and the target cases`);
  report.api = await runApiBench(servers.targets, { connections: options.connections, durationSeconds: options.durationSeconds, referenceSlowRequests: !options.quick, log });

  // The plants map and its HTTP layer (issue 12), on challenge-1's service.
  const plantsService = servers.ours.get(challenge1.challenge);
  if (plantsService) report.map = await runMapBench({ url: plantsService.url, workDir, durationSeconds: options.durationSeconds, quick: options.quick, log });
  for (const [challenge, service] of servers.ours) {
    report.servicePeakRssMb[`${challenge} service`] = readPeakRssMb(service.process.pid);
    // A graceful stop: with --profile, node writes the CPU profile on exit.
    await stopProcess(service.process, 15_000);
  }
  if (profileDir) notes.push(`CPU profiles of the services: ${profileDir}`);
}

async function finish(report: BenchReport): Promise<number> {
  report.machine.loadAverage.end = loadAverageNow();
  report.finishedAt = new Date().toISOString();
  report.targets = judgeTargets(report.etl, report.api);
  report.targets.push(...judgeMapTargets(report.map));
  process.stdout.write('\n' + renderReport(report) + '\n');
  const written = await writeReport(report);
  log(`\nfigures written to ${path.relative(process.cwd(), written.file)} and ${path.relative(process.cwd(), written.latest)}`);
  return 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping the bench's processes`);
    void stopAllStarted().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) log(`bench: ${err.message}\n${USAGE}`);
    else log(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    void stopAllStarted().finally(() => process.exit(err instanceof UsageError ? 2 : 1));
  },
);
