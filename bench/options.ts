/** Command-line flags of `npm run bench -- [flags]`. */
export interface BenchOptions {
  /** A smoke run: 1 s per load case, fewer connection counts, no 100 s reference frame. */
  quick: boolean;
  /** Seconds per autocannon case. */
  durationSeconds: number;
  /** Connection counts of the per-route load cases. */
  connections: number[];
  /** Skip the Python reference. */
  reference: boolean;
  /** Start the service with --cpu-prof; profiles go to build/bench/profiles/. */
  profile: boolean;
  /** Runs of each ETL per side; the best (shortest) is reported. */
  etlRuns: number;
  /** Run `npm run build` even when the artifacts exist. */
  build: boolean;
  /** Keep the temporary folder (emulator data, logs, env file). */
  keep: boolean;
  /** Run only one part: `etl` (both ETLs, no services) or `well` (the well ingest alone: parse+resize, 1×, 10×, 50×). */
  only?: BenchPart;
}

export const BENCH_PARTS = ['etl', 'well'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export const USAGE = `usage: npm run bench -- [--quick] [--duration S] [--etl-runs N] [--no-reference] [--profile] [--keep] [--build] [--only etl|well]
  --quick         smoke run: 1 s per load case, 1 and 16 connections, no slow 500-row reference request
  --duration S    seconds per load case (default 6)
  --etl-runs N    run each ETL N times per side and keep the best (default 1)
  --no-reference  do not run the Python reference (ratios are then not measured)
  --profile       run the service under node --cpu-prof (profiles in build/bench/profiles/)
  --build         run npm run build first (by default only when an artifact is missing)
  --keep          keep the temporary folder with the emulators' data and the processes' logs
  --only PART     run one part: etl (both ETLs, no services) or well (the well ingest alone at 1×, 10×, 50×)`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { quick: false, durationSeconds: 6, connections: [1, 16, 64], reference: true, profile: false, keep: false, build: false, etlRuns: 1 };
  let duration: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--no-reference') options.reference = false;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--build') options.build = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!BENCH_PARTS.includes(raw as BenchPart)) throw new UsageError(`--only must be one of ${BENCH_PARTS.join(', ')}, got "${raw}"`);
      options.only = raw as BenchPart;
    } else if (arg === '--etl-runs' || arg.startsWith('--etl-runs=')) {
      const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      options.etlRuns = Number(raw);
      if (!Number.isInteger(options.etlRuns) || options.etlRuns < 1 || options.etlRuns > 20) throw new UsageError(`--etl-runs must be an integer from 1 to 20, got "${raw}"`);
    } else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      duration = Number(raw);
      if (!Number.isFinite(duration) || duration < 1 || duration > 600) throw new UsageError(`--duration must be a number of seconds from 1 to 600, got "${raw}"`);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  if (options.quick) {
    options.durationSeconds = 1;
    options.connections = [1, 16];
  }
  if (duration !== undefined) options.durationSeconds = duration;
  return options;
}
