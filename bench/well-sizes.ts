/**
 * The well ingest at several sizes (issue 14): the sample repeated k times, each copy's depths continued
 * after the previous one's (same pixels), ingested by ours and by the reference on the same emulator.
 * Rows/s at every size, and peak RSS: a streaming ingest's memory must not grow with the file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { AwsSettings } from '../core/aws/clients';
import type { ChallengeConfig } from '../core/config';
import { runOurWellEtl } from './etl-ours';
import { WELL_CSV } from './paths';
import { runReferenceWell } from './reference';
import type { EtlRun, Outcome, WellSizeResult } from './results';

export const WELL_SIZES = [10, 50] as const;

/** Writes `times` copies of the sample's data lines, copy k's depths shifted by k × the sample's span. */
export async function writeRepeatedWellCsv(source: string, dest: string, times: number): Promise<number> {
  const lines: string[] = [];
  let header = '';
  for await (const line of createInterface({ input: createReadStream(source), crlfDelay: Infinity })) {
    if (header === '') header = line;
    else if (line.trim() !== '' && !line.startsWith(',')) lines.push(line);
  }
  const tenths = (line: string): number => Math.round(Number(line.slice(0, line.indexOf(','))) * 10);
  const first = tenths(lines[0]!);
  const span = tenths(lines.at(-1)!) - first + 1;
  const out = createWriteStream(dest);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${header}\n`);
  for (let k = 0; k < times; k++) {
    for (const line of lines) {
      const depth = tenths(line) + k * span;
      await write(`${Math.floor(depth / 10)}.${depth % 10}${line.slice(line.indexOf(','))}\n`);
    }
  }
  out.end();
  await once(out, 'close');
  return lines.length * times;
}

export interface SizePlan {
  challenge2: ChallengeConfig;
  aws: AwsSettings;
  workDir: string;
  reference: boolean;
  /** Runs per side and size (ours, then the reference); the best (shortest) is reported, every one kept. */
  runs?: number;
  /** Measures the DynamoDB emulator's CPU around a run. */
  emulatorCpu?: <T>(run: () => Promise<T>) => Promise<{ result: T; emulatorCpuMs?: number }>;
  log: (line: string) => void;
}

const secs = (ms: number): string => (ms / 1000).toFixed(2);
const mb = (v: number | undefined): string => (v === undefined ? '?' : v.toFixed(0));

/** Runs one side `runs` times (each through `once(i)`), keeps the best, records every work time; the first failure ends it. */
async function measure(what: string, plan: SizePlan, once: (run: number) => Promise<EtlRun>): Promise<Outcome<EtlRun>> {
  const all: EtlRun[] = [];
  try {
    for (let i = 0; i < (plan.runs ?? 1); i++) {
      const { result: value, emulatorCpuMs } = plan.emulatorCpu ? await plan.emulatorCpu(() => once(i)) : { result: await once(i), emulatorCpuMs: undefined };
      const run = { ...value, emulatorCpuMs };
      all.push(run);
      const cpu = `${run.cpuMs === undefined ? '' : `, CPU ${secs(run.cpuMs)} s`}${emulatorCpuMs === undefined ? '' : `, emulator CPU ${secs(emulatorCpuMs)} s`}`;
      plan.log(`  ${what} ${run.rows} rows in ${secs(run.workMs)} s (${((run.rows * 1000) / run.workMs).toFixed(0)} rows/s${cpu}; process ${secs(run.wallMs)} s), peak RSS ${mb(run.peakRssMb)} MB`);
    }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    plan.log(`  ${what} FAILED: ${error}`);
    return { error };
  }
  const best = all.reduce((a, b) => (b.workMs < a.workMs ? b : a));
  return { value: all.length > 1 ? { ...best, allWorkMs: all.map((r) => r.workMs) } : best };
}

/** Each larger size, ours then the reference, `runs` times each (the 1× figures are the main well ingest's). */
export async function runWellSizes(plan: SizePlan, sizes: readonly number[] = WELL_SIZES): Promise<WellSizeResult[]> {
  const results: WellSizeResult[] = [];
  for (const times of sizes) {
    const file = path.join(plan.workDir, `well_x${times}.csv`);
    const rows = await writeRepeatedWellCsv(WELL_CSV, file, times);
    plan.log(`well ingest at ${times}× the sample (${rows} rows, depths continued)`);
    // Each run writes a well of its own: every run starts from an empty well, like the first.
    const well = (run: number): string => `bench-x${times}${run === 0 ? '' : `-${run + 1}`}`;
    const ours = await measure('ours     ', plan, async (run) => {
      const r = await runOurWellEtl(plan.challenge2, plan.aws, plan.workDir, well(run), { file, key: `bench/well_x${times}.csv` });
      return { rows: r.rows, workMs: r.workMs, wallMs: r.wallMs, peakRssMb: r.peakRssMb, writeMs: r.summary.phasesMs.write, cpuMs: r.summary.cpuMs };
    });
    const endpoint = plan.aws.dynamodbEndpoint;
    const reference: Outcome<EtlRun> = !plan.reference
      ? { skipped: 'not run' }
      : await measure('reference', plan, async (run) => {
          if (!endpoint) throw new Error('no DynamoDB endpoint');
          const r = await runReferenceWell(plan.workDir, endpoint, well(run), file);
          return { rows: r.report.rows, workMs: r.report.total_s * 1000, wallMs: r.wallMs, peakRssMb: r.peakRssMb, writeMs: r.report.write_s * 1000 };
        });
    results.push({ times, rows, ours, reference });
  }
  return results;
}
