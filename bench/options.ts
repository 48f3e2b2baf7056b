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
  /** Run `npm run build` even when the artifacts exist. */
  build: boolean;
  /** Keep the temporary folder (emulator data, logs, env file). */
  keep: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--duration S] [--no-reference] [--profile] [--keep] [--build]
  --quick         smoke run: 1 s per load case, 1 and 16 connections, no 500-row reference request
  --duration S    seconds per load case (default 6)
  --no-reference  do not run the Python reference (ratios are then not measured)
  --profile       run the service under node --cpu-prof (profiles in build/bench/profiles/)
  --build         run npm run build first (by default only when an artifact is missing)
  --keep          keep the temporary folder with the emulators' data and the processes' logs`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { quick: false, durationSeconds: 6, connections: [1, 16, 64], reference: true, profile: false, keep: false, build: false };
  let duration: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--no-reference') options.reference = false;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--build') options.build = true;
    else if (arg === '--duration' || arg.startsWith('--duration=')) {
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
