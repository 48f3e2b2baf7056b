/**
 * `npm run bench:map`: the map part of `npm run bench` (bench/map.ts, issue 12) alone, on the built
 * service (build/webservice/server.cjs) over the bench's own emulators with the sample's datamart made by
 * the built Lambda: page loads in headless chromium, compression, 304s, the bare-server limit. Prints the
 * targets and writes build/bench/map-latest.json. Flags: --quick (one page load each, 1 s load runs),
 * --duration S, --build.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadChallengeConfig } from '../core/config';
import { ensureBuilt } from './build';
import { startBenchEmulators } from './emulators';
import { runOurEgridEtl } from './etl-ours';
import { currentCommit, loadAverageNow } from './machine';
import { judgeMapTargets, runMapBench } from './map';
import { parseOptions, UsageError } from './options';
import { CHALLENGE_1, RESULTS_DIR } from './paths';
import { stopAllStarted } from './processes';
import { startService } from './service';
import { formatTable } from './table';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv.filter((arg) => arg !== '--no-reference'));
  const loadAtStart = loadAverageNow();
  await ensureBuilt(log, options.build);
  const config = loadChallengeConfig(CHALLENGE_1);
  const workDir = await mkdtemp(path.join(tmpdir(), 'bench-map-'));
  try {
    const emulators = await startBenchEmulators(workDir, config.aws_region);
    const etl = await runOurEgridEtl(config, emulators.settings, workDir);
    log(`datamart: ${etl.rows} plants`);
    const service = await startService({ config, aws: emulators.settings, dir: path.join(workDir, config.challenge) });
    log(`${config.challenge} service: ${service.url}`);
    const figures = await runMapBench({ url: service.url, workDir, durationSeconds: options.durationSeconds, quick: options.quick, log });
    const targets = judgeMapTargets(figures);
    process.stdout.write(`\n${formatTable(['target', 'measured', 'verdict'], targets.map((t) => [t.target, t.measured, t.verdict]))}\n`);
    process.stdout.write(`\nload average: ${loadAtStart.toFixed(2)} at the start, ${loadAverageNow().toFixed(2)} at the end; commit ${currentCommit() ?? 'unknown'}\n`);
    await mkdir(RESULTS_DIR, { recursive: true });
    await writeFile(path.join(RESULTS_DIR, 'map-latest.json'), JSON.stringify({ commit: currentCommit(), loadAverage: { start: loadAtStart, end: loadAverageNow() }, figures, targets }, null, 2));
  } finally {
    await stopAllStarted();
    await rm(workDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  log(`bench:map failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
  void stopAllStarted();
});
