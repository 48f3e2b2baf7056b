/**
 * The ETL benchmark: each pipeline's sample through the project's Lambda and through the reference's
 * program on the same emulators, the two sides alternating run by run; with several runs the best of
 * each side is kept (the least disturbed by other work on the machine).
 */
import path from 'node:path';
import type { AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import { runOurEgridEtl, runOurWellEtl } from './etl-ours';
import { cpuMsOf } from './cpu-time';
import { typescriptArgs, WELL_CSV } from './paths';
import { runMeasured } from './processes';
import { REFERENCE_WELL, runReferenceEgrid, runReferenceWell, type ReferenceEtlRun, type WellReport } from './reference';
import type { EtlResults, EtlRun, Outcome, ParseResize } from './results';
import { runWellSizes } from './well-sizes';

export interface EtlPlan {
  challenge1: ChallengeConfig;
  challenge2: ChallengeConfig;
  aws: AwsSettings;
  workDir: string;
  /** Run the reference programs. */
  reference: boolean;
  runs: number;
  /** The well ingest's larger sizes (× the sample); none with --quick. */
  wellSizes: readonly number[];
  /** Only the well ingest (`--only well`): no eGRID ETL. */
  wellOnly?: boolean;
  /** The DynamoDB emulator's process: its CPU time is measured around each well ingest. */
  dynamoPid?: number;
  log: (line: string) => void;
}

const PARSE_CHILD = path.join(import.meta.dirname, 'well-parse-child.ts');

const secs = (ms: number): string => (ms / 1000).toFixed(2);
const mb = (v: number | undefined): string => (v === undefined ? '?' : v.toFixed(0));

async function ourParseResize(plan: EtlPlan): Promise<ParseResize> {
  const logFile = path.join(plan.workDir, 'well-parse.log');
  const run = await runMeasured({
    name: 'parse+resize',
    command: process.execPath,
    args: typescriptArgs(PARSE_CHILD, WELL_CSV, String(plan.challenge2.images_size ?? 150), '5'),
    cwd: plan.workDir,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    logFile,
  });
  if (run.code !== 0) throw new Error(`parse+resize child exited with ${run.code} (see ${logFile})`);
  const out = JSON.parse(run.stdout.trim()) as { rows: number; coldMs: number; warmMedianMs?: number };
  return { rows: out.rows, coldMs: out.coldMs, warmMedianMs: out.warmMedianMs };
}

/** Collects runs of one measurement and keeps the one with the smallest `key`; the first failure ends it. */
class Best<T> {
  private best: T | undefined;
  private error: string | undefined;
  readonly keys: number[] = [];

  constructor(
    private readonly what: string,
    private readonly log: (line: string) => void,
    private readonly key: (value: T) => number,
  ) {}

  get failed(): boolean {
    return this.error !== undefined;
  }

  async run(measure: () => Promise<T>): Promise<void> {
    if (this.error !== undefined) return;
    try {
      const value = await measure();
      this.keys.push(this.key(value));
      if (this.best === undefined || this.key(value) < this.key(this.best)) this.best = value;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.log(`  ${this.what} FAILED: ${this.error}`);
    }
  }

  outcome(): Outcome<T> {
    if (this.error !== undefined) return { error: this.error };
    return this.best === undefined ? { skipped: 'not run' } : { value: this.best };
  }
}

export async function runEtlBench(plan: EtlPlan): Promise<{ etl: EtlResults; referenceDatamartDir?: string }> {
  const { log } = plan;
  const notRun: Outcome<never> = { skipped: 'not run' };
  let referenceDatamartDir: string | undefined;

  log(`ETL challenge-1: workbook → datamart (ours: the built Lambda through the local runner)${plan.runs > 1 ? `, ${plan.runs} runs each` : ''}`);
  const egridOurs = new Best<EtlRun>('our eGRID ETL', log, (r) => r.workMs);
  const egridRef = new Best<EtlRun>('reference seed_etl_egrid.py', log, (r) => r.workMs);
  for (let i = 0; i < (plan.wellOnly ? 0 : plan.runs); i++) {
    await egridOurs.run(async () => {
      const r = await runOurEgridEtl(plan.challenge1, plan.aws, plan.workDir);
      log(`  ours      ${r.rows} plants in ${secs(r.workMs)} s (process ${secs(r.wallMs)} s), peak RSS ${mb(r.peakRssMb)} MB`);
      return { rows: r.rows, workMs: r.workMs, wallMs: r.wallMs, peakRssMb: r.peakRssMb };
    });
    if (!plan.reference) continue;
    await egridRef.run(async () => {
      const r = await runReferenceEgrid(plan.workDir);
      referenceDatamartDir = r.datamartDir;
      log(`  reference ${r.report.rows} plants in ${r.report.total_s.toFixed(2)} s (process ${secs(r.wallMs)} s), peak RSS ${mb(r.peakRssMb)} MB`);
      return { rows: r.report.rows, workMs: r.report.total_s * 1000, wallMs: r.wallMs, peakRssMb: r.peakRssMb };
    });
  }

  log('ETL challenge-2: parse+resize alone, then CSV → DynamoDB emulator');
  // Under make the emulator runs long before an ingest: one ingest first (not timed) so that no side
  // pays the emulator's start-up (its JIT warming, its LevelDB files created) in its timed run.
  await runOurWellEtl(plan.challenge2, plan.aws, plan.workDir, 'bench-warm-up').then(
    (r) => log(`  warm-up   ingest ${r.rows} rows in ${secs(r.workMs)} s (not timed)`),
    (err: unknown) => log(`  warm-up ingest failed: ${err instanceof Error ? err.message : String(err)}`),
  );
  const emulatorCpu = async <T>(run: () => Promise<T>): Promise<{ result: T; emulatorCpuMs?: number }> => {
    const before = plan.dynamoPid === undefined ? undefined : cpuMsOf(plan.dynamoPid);
    const result = await run();
    const after = plan.dynamoPid === undefined ? undefined : cpuMsOf(plan.dynamoPid);
    return { result, emulatorCpuMs: before === undefined || after === undefined ? undefined : after - before };
  };
  const cpuText = (ms: number | undefined): string => (ms === undefined ? '' : `, emulator CPU ${ms.toFixed(0)} ms`);
  const parseOurs = new Best<ParseResize>('our parse+resize', log, (r) => r.coldMs);
  const ingestOurs = new Best<EtlRun>('our well ingest', log, (r) => r.workMs);
  const wellRef = new Best<ReferenceEtlRun<WellReport> & { emulatorCpuMs?: number }>('reference seed_etl_well.py', log, (r) => r.report.total_s);
  const endpoint = plan.aws.dynamodbEndpoint;
  for (let i = 0; i < plan.runs; i++) {
    await parseOurs.run(async () => {
      const r = await ourParseResize(plan);
      log(`  ours      parse+resize ${r.rows} rows: cold ${r.coldMs.toFixed(0)} ms, warm median ${r.warmMedianMs?.toFixed(0) ?? '?'} ms`);
      return r;
    });
    // Later runs ingest under other well ids: each run writes into an empty well, like the first.
    await ingestOurs.run(async () => {
      const { result: r, emulatorCpuMs } = await emulatorCpu(() => runOurWellEtl(plan.challenge2, plan.aws, plan.workDir, i === 0 ? plan.challenge2.well_id : `bench-run-${i + 1}`));
      const writeMs = r.summary.phasesMs.write;
      log(`  ours      ingest ${r.rows} rows in ${secs(r.workMs)} s (writes ${secs(writeMs)} s, CPU ${secs(r.summary.cpuMs)} s${cpuText(emulatorCpuMs)}; process ${secs(r.wallMs)} s), peak RSS ${mb(r.peakRssMb)} MB`);
      return { rows: r.rows, workMs: r.workMs, wallMs: r.wallMs, peakRssMb: r.peakRssMb, writeMs, emulatorCpuMs, cpuMs: r.summary.cpuMs };
    });
    if (!plan.reference) continue;
    await wellRef.run(async () => {
      if (!endpoint) throw new Error('no DynamoDB endpoint');
      const { result: r, emulatorCpuMs } = await emulatorCpu(() => runReferenceWell(plan.workDir, endpoint, i === 0 ? REFERENCE_WELL : `bench-run-${i + 1}`));
      log(`  reference parse+resize ${r.report.rows} rows in ${(r.report.parse_resize_s * 1000).toFixed(0)} ms; ingest in ${r.report.total_s.toFixed(2)} s (writes ${r.report.write_s.toFixed(2)} s${cpuText(emulatorCpuMs)}; process ${secs(r.wallMs)} s), peak RSS ${mb(r.peakRssMb)} MB`);
      return { ...r, emulatorCpuMs };
    });
  }

  const wellIngestSizes = await runWellSizes({ ...plan, emulatorCpu }, plan.wellSizes);

  const withRuns = <T extends object>(outcome: Outcome<T>, field: string, keys: number[]): Outcome<T> =>
    'value' in outcome && keys.length > 1 ? { value: { ...outcome.value, [field]: keys } } : outcome;
  const ref = wellRef.outcome();
  const etl: EtlResults = {
    egrid: { ours: withRuns(egridOurs.outcome(), 'allWorkMs', egridOurs.keys), reference: plan.reference ? withRuns(egridRef.outcome(), 'allWorkMs', egridRef.keys) : notRun },
    wellParseResize: {
      ours: withRuns(parseOurs.outcome(), 'allColdMs', parseOurs.keys),
      reference: !plan.reference ? notRun : 'value' in ref ? { value: { rows: ref.value.report.rows, coldMs: ref.value.report.parse_resize_s * 1000 } } : ref,
    },
    wellIngest: {
      ours: withRuns(ingestOurs.outcome(), 'allWorkMs', ingestOurs.keys),
      reference: !plan.reference
        ? notRun
        : 'value' in ref
          ? {
              value: {
                rows: ref.value.report.rows,
                workMs: ref.value.report.total_s * 1000,
                wallMs: ref.value.wallMs,
                peakRssMb: ref.value.peakRssMb,
                writeMs: ref.value.report.write_s * 1000,
                emulatorCpuMs: ref.value.emulatorCpuMs,
                ...(wellRef.keys.length > 1 ? { allWorkMs: wellRef.keys.map((s) => s * 1000) } : {}),
              },
            }
          : ref,
    },
    wellIngestSizes,
  };
  return { etl, referenceDatamartDir };
}
