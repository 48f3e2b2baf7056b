/**
 * The ETL benchmark: each pipeline's sample through the project's Lambda and through the reference's
 * program, one after the other on the same emulators.
 */
import path from 'node:path';
import type { AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import { runOurEgridEtl, runOurWellEtl } from './etl-ours';
import { typescriptArgs, WELL_CSV } from './paths';
import { runMeasured } from './processes';
import { runReferenceEgrid, runReferenceWell } from './reference';
import type { EtlResults, EtlRun, Outcome, ParseResize } from './results';

export interface EtlPlan {
  challenge1: ChallengeConfig;
  challenge2: ChallengeConfig;
  aws: AwsSettings;
  workDir: string;
  /** Run the reference programs. */
  reference: boolean;
  log: (line: string) => void;
}

async function attempt<T>(what: string, log: (line: string) => void, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run() };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`  ${what} FAILED: ${error}`);
    return { error };
  }
}

const PARSE_CHILD = path.join(import.meta.dirname, 'well-parse-child.ts');

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

export async function runEtlBench(plan: EtlPlan): Promise<{ etl: EtlResults; referenceDatamartDir?: string }> {
  const { log } = plan;
  const skipped = { skipped: 'reference not run' };
  const etl: EtlResults = {
    egrid: { ours: skipped, reference: skipped },
    wellParseResize: { ours: skipped, reference: skipped },
    wellIngest: { ours: skipped, reference: skipped },
  };
  let referenceDatamartDir: string | undefined;

  log('ETL challenge-1: workbook → datamart (ours: the built Lambda through the local runner)');
  etl.egrid.ours = await attempt('our eGRID ETL', log, async () => {
    const r = await runOurEgridEtl(plan.challenge1, plan.aws, plan.workDir);
    log(`  ours      ${r.rows} plants in ${(r.workMs / 1000).toFixed(2)} s (process ${(r.wallMs / 1000).toFixed(2)} s), peak RSS ${r.peakRssMb?.toFixed(0) ?? '?'} MB`);
    return { rows: r.rows, workMs: r.workMs, wallMs: r.wallMs, peakRssMb: r.peakRssMb } satisfies EtlRun;
  });
  if (plan.reference) {
    etl.egrid.reference = await attempt('reference seed_etl_egrid.py', log, async () => {
      const r = await runReferenceEgrid(plan.workDir);
      referenceDatamartDir = r.datamartDir;
      log(`  reference ${r.report.rows} plants in ${r.report.total_s.toFixed(2)} s (process ${(r.wallMs / 1000).toFixed(2)} s), peak RSS ${r.peakRssMb?.toFixed(0) ?? '?'} MB`);
      return { rows: r.report.rows, workMs: r.report.total_s * 1000, wallMs: r.wallMs, peakRssMb: r.peakRssMb } satisfies EtlRun;
    });
  }

  log('ETL challenge-2: parse+resize alone, then CSV → DynamoDB emulator');
  etl.wellParseResize.ours = await attempt('our parse+resize', log, async () => {
    const r = await ourParseResize(plan);
    log(`  ours      parse+resize ${r.rows} rows: cold ${r.coldMs.toFixed(0)} ms, warm median ${r.warmMedianMs?.toFixed(0) ?? '?'} ms`);
    return r;
  });
  etl.wellIngest.ours = await attempt('our well ingest', log, async () => {
    const r = await runOurWellEtl(plan.challenge2, plan.aws, plan.workDir);
    log(`  ours      ingest ${r.rows} rows in ${(r.workMs / 1000).toFixed(2)} s (process ${(r.wallMs / 1000).toFixed(2)} s), peak RSS ${r.peakRssMb?.toFixed(0) ?? '?'} MB`);
    return { rows: r.rows, workMs: r.workMs, wallMs: r.wallMs, peakRssMb: r.peakRssMb } satisfies EtlRun;
  });
  if (plan.reference) {
    const endpoint = plan.aws.dynamodbEndpoint;
    const reference = await attempt('reference seed_etl_well.py', log, async () => {
      if (!endpoint) throw new Error('no DynamoDB endpoint');
      const r = await runReferenceWell(plan.workDir, endpoint);
      log(`  reference parse+resize ${r.report.rows} rows in ${(r.report.parse_resize_s * 1000).toFixed(0)} ms; ingest in ${r.report.total_s.toFixed(2)} s (process ${(r.wallMs / 1000).toFixed(2)} s)`);
      return r;
    });
    if ('value' in reference) {
      const r = reference.value;
      etl.wellParseResize.reference = { value: { rows: r.report.rows, coldMs: r.report.parse_resize_s * 1000 } };
      etl.wellIngest.reference = { value: { rows: r.report.rows, workMs: r.report.total_s * 1000, wallMs: r.wallMs, peakRssMb: r.peakRssMb } };
    } else {
      etl.wellParseResize.reference = reference;
      etl.wellIngest.reference = reference;
    }
  }
  return { etl, referenceDatamartDir };
}
